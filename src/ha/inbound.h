// The receive side of heartbeats in one place, sans-IO (issue 6): decode and MAC check, group
// and self filtering, the replay window per (peer engine, path), and the counters that
// `floe-se status` shows. What it returns goes to StateMachine::onHeartbeat.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "ha/heartbeat.h"
#include "ha/replay.h"
#include "ha/state_machine.h"

namespace floe::ha {

// Error::code of Inbound::receive besides DecodeError's 1-4.
enum class InboundError : int {
  kWrongGroup = 10,   // another serviceenginegroup (counted wrong_group)
  kSelf = 11,         // our own engine name (a loop or a copied config; not counted)
  kOtherEngine = 12,  // not the configured peer (counted wrong_group)
  kReplayed = 13,     // ReplayVerdict kReplayed or kOldBoot (counted replayed)
  kBadPath = 14,      // path index out of range (a caller bug; not counted)
};

class Inbound {
 public:
  struct Config {
    std::string self;             // own serviceengine name
    std::string group;            // serviceenginegroup name
    std::string peer;             // the other SE of the pair; empty: any engine of the group
    std::vector<uint8_t> secret;  // ha_heartbeat_secret bytes; empty: unkeyed
    size_t paths = 1;
    std::chrono::milliseconds silence{1000};  // the dead interval (replay rule)
  };
  explicit Inbound(Config config) : config_(std::move(config)) {}

  // One datagram received on `path` (0-based) at `now`. Returns the heartbeat to pass to
  // StateMachine::onHeartbeat, or an Error whose code is a DecodeError or an InboundError and
  // whose message says what was wrong. Every outcome is counted in counters().
  Result<Heartbeat> receive(std::span<const uint8_t> bytes, size_t path, SteadyTime now);

  void countSent(uint64_t n = 1) { counters_.sent += n; }
  const Counters& counters() const { return counters_; }

 private:
  static constexpr size_t kMaxWindows = 64;  // bounds memory when any engine name is accepted

  Config config_;
  Counters counters_;
  std::map<std::pair<std::string, size_t>, ReplayWindow> windows_;
};

}  // namespace floe::ha
