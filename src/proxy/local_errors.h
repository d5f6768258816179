// Failures of this host rather than of a server (issue 5 §5): out of file descriptors (EMFILE,
// ENFILE), of source ports on a SNAT IP (EADDRNOTAVAIL), of socket buffers or memory (ENOBUFS,
// ENOMEM). They are never held against a server: not a connect failure, never a failed health
// check. They are counted per cause and logged at most once per kLogEvery per cause.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "proxy/counter.h"

namespace floe::proxy {

enum class LocalCause : uint8_t { kEmfile, kEnfile, kEaddrnotavail, kEnobufs, kEnomem };
inline constexpr size_t kLocalCauses = 5;

// The cause of errno `err` when it is a local one, else nullopt.
std::optional<LocalCause> localCause(int err);
const char* toString(LocalCause);  // "EMFILE", "ENFILE", "EADDRNOTAVAIL", "ENOBUFS", "ENOMEM"

// Thread-safe: workers and the control loop note errors concurrently.
class LocalErrors {
 public:
  static constexpr std::chrono::seconds kLogEvery{10};

  // Counts errno `err` (must be local: localCause(err) has a value; others are ignored) and
  // logs "local error EMFILE (Too many open files) in <where>; not held against any server"
  // unless that cause was logged less than kLogEvery ago.
  void note(int err, std::string_view where);
  uint64_t count(LocalCause c) const {
    return counts_[static_cast<size_t>(c)].load(std::memory_order_relaxed);
  }

 private:
  std::array<std::atomic<uint64_t>, kLocalCauses> counts_{};
  std::array<std::atomic<int64_t>, kLocalCauses> last_log_ms_{};  // steady clock; 0: never
};

// What every worker shares with the engine: the connection caps and their counters.
struct EngineShared {
  LocalErrors local_errors;
  std::atomic<uint64_t> active{0};         // proxied client connections, all services
  ShardedCounter over_capacity;  // clients reset because a connection cap was reached
  uint64_t max_connections = 0;            // global cap (> 0)
  uint64_t max_connections_per_vs = 0;     // per virtual service (> 0)
};

}  // namespace floe::proxy
