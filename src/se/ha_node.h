// The SE's side of a legacy HA pair (issue 6): the heartbeat transport and the state machine
// (src/ha) on the time-critical loop, and the role changes it decides handed to the agent on the
// control loop. Heartbeats are UDP datagrams to port kHeartbeatPort, one per `interval` on every
// path (a data network both SEs are on), from this SE's address on that network to the peer's.
//
// Demotion is done on the time-critical loop itself, before anything else: the refresher
// removes every address it keeps (AddressRefresher::releaseAll), so a split brain ends within
// one heartbeat even while the control loop is busy; the agent then takes the standby role.
// Promotion is the agent's (it adds the addresses and announces them).
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "ha/inbound.h"
#include "ha/state_machine.h"
#include "se/address_refresher.h"
#include "se/desired_state.h"

namespace floe::se {

inline constexpr uint16_t kHeartbeatPort = 7798;  // floe's own (UDP)

class HaNode {
 public:
  // `onRole` runs on the control loop: (role, claimAtOnce, cause).
  using RoleChange = std::function<void(Role, bool claimAtOnce, std::string cause)>;

  HaNode(asio::io_context& critical, asio::io_context& control, HaSettings settings,
         AddressRefresher& refresher, const Clock& clock, RoleChange onRole);
  ~HaNode();

  // Opens one socket per path and starts listening (state INIT). Errors: a path whose address
  // cannot be bound. Call from the control loop before the critical loop runs the node.
  Status start();
  // Clean stop: goodbye on every path after the addresses are gone. Blocks the caller (control
  // loop) until the critical loop has done it, 1 s at most.
  void shutdown();
  // Admin switchover; blocks until the state machine answered (1 s at most). Returns the
  // refusal text, or empty when the hand-over started.
  std::string switchover();
  // Thread-safe snapshot for `floe-se status`.
  nlohmann::json status() const;
  // The interfaces holding the active role's on-link addresses: `up` of `total` have carrier
  // (thread-safe; hands the news to the state machine).
  void setLocalHealth(uint8_t up, uint8_t total);
  // The config generation heartbeats carry (thread-safe).
  void setConfigGeneration(uint64_t generation) { generation_ = generation; }

 private:
  struct Path {
    HaPath spec;
    std::unique_ptr<asio::ip::udp::socket> socket;
    std::array<uint8_t, 2048> buffer{};
    asio::ip::udp::endpoint from;
  };

  void receiveOn(size_t path);
  void sendAll();
  void arm(SteadyTime at);
  void arm_send();
  void apply(const ha::Effects& e);
  void publish();

  asio::io_context& critical_;
  asio::io_context& control_;
  HaSettings settings_;
  AddressRefresher& refresher_;
  const Clock& clock_;
  RoleChange onRole_;
  ha::StateMachine machine_;
  ha::Inbound inbound_;
  std::vector<Path> paths_;
  asio::steady_timer timer_;      // the state machine's next_timer
  asio::steady_timer sendTimer_;  // one heartbeat per interval
  uint64_t bootId_;
  uint64_t sequence_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::optional<ha::Role> lastRole_;
  bool mismatchLogged_ = false;  // the peer's document digest differs, and the log said so

  std::optional<ha::State> lastState_;  // as last published
  uint64_t transitions_ = 0;             // HA state changes since start (time-critical loop)
  mutable std::mutex statusMutex_;
  nlohmann::json status_;
};

}  // namespace floe::se
