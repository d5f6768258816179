// Replay protection for heartbeats (issue 6; rule in docs/ha-protocol.md "Replay"): one window
// per (peer engine, path). Sans-IO: the caller passes the receive time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/clock.h"

namespace floe::ha {

enum class ReplayVerdict : uint8_t {
  kAccepted,  // same boot, newer sequence (or the first heartbeat ever)
  kNewBoot,   // a later boot id: the peer restarted; the window restarts from it
  kReplayed,  // same boot, sequence not newer than the last accepted: drop and count
  kOldBoot,   // an earlier boot id while the current boot is alive: drop and count
};

// True for kAccepted and kNewBoot.
bool accepted(ReplayVerdict v);
std::string_view verdictName(ReplayVerdict v);

class ReplayWindow {
 public:
  // `silence`: the dead interval (dp_hb_frequency x dp_hb_timeout_count), ms.
  explicit ReplayWindow(std::chrono::milliseconds silence) : silence_(silence) {}

  // Rule: same boot_id → accept only a larger sequence. A larger boot_id (boot ids are start
  // times in ns) → a restart: accept and reset. A smaller boot_id → refuse, unless the current
  // boot has been silent for `silence` (then the peer's clock went back across a reboot; accept
  // and reset). Updates the window only on acceptance.
  ReplayVerdict check(uint64_t boot_id, uint64_t sequence, SteadyTime now);

 private:
  std::chrono::milliseconds silence_;
  bool seen_ = false;
  uint64_t boot_id_ = 0;
  uint64_t sequence_ = 0;
  SteadyTime last_accepted_{};
};

}  // namespace floe::ha
