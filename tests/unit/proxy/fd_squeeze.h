// Test helper: lowers this process's RLIMIT_NOFILE soft limit for a scope, so that exactly
// `spare` more descriptors can be opened (the kernel hands out the lowest free numbers), then
// EMFILE. Restores the limit when destroyed.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <vector>

namespace floe::proxy::test {

class FdSqueeze {
 public:
  explicit FdSqueeze(int spare) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    // The kernel hands out the lowest free numbers: take `spare` of them, and the next one is
    // where the new limit goes.
    std::vector<int> taken;
    for (int i = 0; i < spare; ++i) taken.push_back(::dup(0));
    const int limit = ::dup(0);
    for (int fd : taken) ::close(fd);
    ::close(limit);
    rlimit rl = saved_;
    rl.rlim_cur = static_cast<rlim_t>(limit);
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  ~FdSqueeze() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  FdSqueeze(const FdSqueeze&) = delete;
  FdSqueeze& operator=(const FdSqueeze&) = delete;

 private:
  rlimit saved_{};
};

// Sets the soft limit to `soft` for a scope (tests of the limits derived from it).
class SoftFdLimit {
 public:
  explicit SoftFdLimit(rlim_t soft) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit rl = saved_;
    rl.rlim_cur = soft;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  ~SoftFdLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  SoftFdLimit(const SoftFdLimit&) = delete;
  SoftFdLimit& operator=(const SoftFdLimit&) = delete;

 private:
  rlimit saved_{};
};

}  // namespace floe::proxy::test
