#include "netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace floe::net::testing {

ScopedNetns::ScopedNetns() {
  original_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original_ < 0) {
    error_ = std::string("open /proc/thread-self/ns/net: ") + std::strerror(errno);
    return;
  }
  if (::unshare(CLONE_NEWNET) != 0) {
    error_ = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
    ::close(original_);
    original_ = -1;
  }
}

ScopedNetns::~ScopedNetns() {
  if (original_ < 0) return;
  if (::setns(original_, CLONE_NEWNET) != 0) {
    // Every later test would run in the wrong namespace: stop here.
    std::fprintf(stderr, "setns back to the original network namespace: %s\n",
                 std::strerror(errno));
    std::abort();
  }
  ::close(original_);
}

Shell sh(const std::string& command) {
  Shell out;
  // popen forks from this thread, so the shell inherits its network namespace.
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.output.append(buf.data(), n);
  const int status = ::pclose(p);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace floe::net::testing
