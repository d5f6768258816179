// Test support for real-kernel tests: a private network namespace for the calling thread, and a
// shell runner whose commands (`ip ...`) run inside it.
//
// ScopedNetns unshares the thread into a new, anonymous network namespace and returns it to the
// original one on destruction. Nothing names the namespace, so nothing can be left behind: the
// kernel frees it with its last reference (this thread, its sockets, the children it ran),
// even when a test fails or the process dies. gtest runs tests on the main thread, so a
// fixture's SetUp/TearDown pair is the whole scope.
#pragma once

#include <string>

namespace floe::net::testing {

class ScopedNetns {
 public:
  ScopedNetns();
  ~ScopedNetns();
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }  // why the namespace could not be made

 private:
  int original_ = -1;
  std::string error_;
};

struct Shell {
  int status = -1;     // exit status, or -1
  std::string output;  // stdout and stderr
};

// Runs `command` with /bin/sh in the calling thread's network namespace.
Shell sh(const std::string& command);

}  // namespace floe::net::testing
