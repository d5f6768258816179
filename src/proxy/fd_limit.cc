#include "proxy/fd_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>

#include "common/log.h"
#include "proxy/socket_util.h"

namespace floe::proxy {

FdLimit currentFdLimit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return {};
  return {rl.rlim_cur, rl.rlim_max};
}

FdLimit raiseFdLimit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return {};
  rlim_t target = rl.rlim_max;
  uint64_t nrOpen = 0;
  if (std::ifstream in("/proc/sys/fs/nr_open"); in >> nrOpen && nrOpen > 0) {
    target = std::min<rlim_t>(target, nrOpen);
  }
  if (target > rl.rlim_cur) {
    const rlim_t old = rl.rlim_cur;
    rl.rlim_cur = target;
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      spdlog::warn("cannot raise the open files limit from {} to {}: {}", old, target,
                   errnoText(errno));
    }
  }
  return currentFdLimit();
}

}  // namespace floe::proxy
