// The process's file descriptor limit (RLIMIT_NOFILE), raised at start (issue 5 §5): every
// proxied connection holds two descriptors, so the common soft limit of 1024 would cap floe at
// about 500 connections while the hard limit allows far more.
#pragma once

#include <cstdint>

namespace floe::proxy {

struct FdLimit {
  uint64_t soft = 0;  // what the process may open now
  uint64_t hard = 0;
};

// Raises the soft limit to the hard limit (capped at /proc/sys/fs/nr_open, which the kernel
// enforces when the hard limit is unlimited). Never lowers it; on failure keeps the old one.
FdLimit raiseFdLimit();
FdLimit currentFdLimit();

}  // namespace floe::proxy
