// Health verdicts, pure: one monitor's hysteresis over its check results, and how the verdicts
// of a server's monitors combine into the server's state. No I/O, no clocks.
#pragma once

#include <cstdint>
#include <span>

#include "proxy/engine.h"

namespace floe::proxy {

enum class Verdict : uint8_t { kUnknown, kUp, kDown };

// The first result decides at once; afterwards `successful_checks` consecutive successes take a
// server DOWN -> UP and `failed_checks` consecutive failures take it UP -> DOWN.
class HealthState {
 public:
  HealthState(uint32_t successfulChecks, uint32_t failedChecks);

  // Feeds one check result; returns true when the verdict changed.
  bool onResult(bool success);

  Verdict verdict() const { return verdict_; }
  uint32_t consecutiveSuccesses() const { return successes_; }
  uint32_t consecutiveFailures() const { return failures_; }

 private:
  uint32_t rise_;
  uint32_t fall_;
  Verdict verdict_ = Verdict::kUnknown;
  uint32_t successes_ = 0;
  uint32_t failures_ = 0;
};

// The state of an enabled server with at least one monitor: DOWN if any monitor says down, UP
// if all say up. While some monitor has not answered yet (one just added by apply()) a server
// that was UP stays UP; one that was not stays UNKNOWN.
ServerState aggregate(ServerState previous, std::span<const Verdict> verdicts);

}  // namespace floe::proxy
