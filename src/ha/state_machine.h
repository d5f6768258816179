// The legacy HA state machine (issue 6), sans-IO: inputs in (start, heartbeat, timer, local
// health, switchover, shutdown), effects out (become a role, send now, when to call onTimer).
// Time is passed in (SteadyTime); nothing here sleeps, reads a clock or touches a socket.
// Transitions are data: transitionTable() lists every named row (docs/ha-protocol.md "State
// table"); each call runs the first row whose state, event and guard match.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "ha/heartbeat.h"

namespace floe::ha {

// The machine's states; role() maps them to the Role heartbeats carry (kHandingOver is kActive
// with takeover_request set).
enum class State : uint8_t { kInit, kStandby, kActive, kHandingOver, kLeaving };
std::string_view stateName(State s);  // "INIT", "STANDBY", "ACTIVE", "HANDING_OVER", "LEAVING"

enum class Event : uint8_t {
  kStart,
  kHeartbeat,       // a valid heartbeat from the peer, newest heard from it
  kStaleHeartbeat,  // valid but older (same boot, lower sequence) than one already heard
  kTimer,
  kLocalHealth,
  kSwitchover,
  kShutdown,
  kAny,  // table wildcard only
};
std::string_view eventName(Event e);

// Why the last transition happened (status shows it as enum name + text).
enum class Cause : uint8_t {
  kNone,
  kStarted,              // listening before claiming active
  kNoPeerHeard,          // nothing heard for the dead interval after start
  kPeerActive,           // heard an active peer
  kElection,             // neither active: priority, then first listed
  kPeerDead,             // nothing valid on any path for the dead interval
  kPeerGoodbye,          // the peer sent LEAVING (clean shutdown)
  kPeerDegraded,         // the active peer lost an interface holding addresses; we are all up
  kSwitchoverRequested,  // admin switchover (active side) or the active asked us (standby side)
  kSwitchoverDone,       // the peer became active after our request
  kSwitchoverFailed,     // the peer did not become active within the dead interval
  kSplitBrain,           // both active: the newer claim (higher term) keeps the role
  kShutdown,
  kRefused,  // a switchover that cannot run (no healthy standby peer, not active)
  kIgnored,  // heartbeat from another group, from ourselves, or a third engine
};
std::string_view causeName(Cause c);

// Why onHeartbeat ignored a heartbeat (the caller counts kWrongGroup as "wrong group").
enum class Ignored : uint8_t { kNone, kWrongGroup, kSelf, kOtherEngine, kBadPath };

struct Effects {
  // kActive: add addresses, send gratuitous ARP/NA, then accept. kStandby/kLeaving: remove every
  // address FIRST, then send the heartbeat.
  std::optional<Role> become;
  bool send_now = false;    // send a heartbeat on every path now (transition, goodbye, news)
  bool announce = false;    // active keeps its role against another active: re-send GARP/NA
  bool refused = false;     // onSwitchover could not start; `cause` says why
  SteadyTime next_timer{};  // call onTimer at this time (at most one interval away)
  std::string cause;        // human text for logs and status
  std::string_view row;     // name of the table row that ran
  Ignored ignored = Ignored::kNone;
};

// Heartbeat counters; the caller owns and feeds them (the machine sees only valid heartbeats).
struct Counters {
  uint64_t sent = 0;
  uint64_t received = 0;  // valid and accepted
  uint64_t bad_mac = 0;
  uint64_t replayed = 0;  // ReplayVerdict::kReplayed or kOldBoot
  uint64_t wrong_group = 0;
  uint64_t malformed = 0;  // kTruncated, kBadVersion, kMalformed
};
nlohmann::json toJson(const Counters& c);

struct PathStatus {
  bool heard = false;
  Role peer_role = Role::kInit;  // as last heard on this path
  SteadyTime last_heard{};
};

struct Status {
  State state = State::kInit;
  Role role = Role::kInit;
  uint64_t term = 0;
  std::string peer;  // peer engine name, empty until heard
  Role peer_role = Role::kInit;
  bool peer_alive = false;
  uint64_t peer_config_generation = 0;  // as last heard; the SE reports a mismatch
  std::vector<PathStatus> paths;
  SteadyTime last_transition{};
  Cause cause = Cause::kNone;
  std::string cause_text;
};
// {"ha_state","role","term","peer":{"name","alive","role","config_generation","paths":[{"path","role","ms_since"|null}]},
//  "last_transition":{"ms_ago","cause","text"}}; times relative to `now`, in ms.
nlohmann::json toJson(const Status& s, SteadyTime now);

struct Facts;  // per-input observations the guards read (state_machine.cc)
struct Row {
  std::string_view name;
  State from;  // State of the row; rows for every state use kAnyState
  Event event;
  bool (*guard)(const Facts&);
  std::optional<State> to;  // nullopt: stay
  Cause cause;
  bool send_now;
  bool announce;
  bool refused;
  bool any_state;  // matches every state except kLeaving
};
std::span<const Row> transitionTable();

class StateMachine {
 public:
  struct Config {
    std::string self;      // own serviceengine name
    uint8_t priority = 0;  // ha_priority, lower wins; equal → first_listed
    bool first_listed = false;
    std::chrono::milliseconds interval{100};  // dp_hb_frequency
    int dead_count = 10;                      // dp_hb_timeout_count
    size_t paths = 1;                         // heartbeat paths (shared data networks)
    std::string group;  // serviceenginegroup name; other groups are ignored (empty: any)
    std::string peer;   // peer serviceengine name; others ignored (empty: first heard)
  };

  explicit StateMachine(Config config);

  // Call once, first. An input that arrives before it starts the listening window itself; a
  // start() after that only re-announces (INIT) or does nothing (row any-start-again).
  Effects start(SteadyTime now);
  // `hb` must have passed decodeHeartbeat and the path's ReplayWindow. path < Config::paths.
  Effects onHeartbeat(const Heartbeat& hb, size_t path, SteadyTime now);
  Effects onTimer(SteadyTime now);
  // Local data interfaces: `up` of `total` have carrier; degraded: one holding a floating IP,
  // VIP or SNAT IP is down.
  Effects onLocalHealth(uint8_t up, uint8_t total, bool degraded, SteadyTime now);
  Effects onSwitchover(SteadyTime now);  // admin: hand the active role to the peer
  Effects onShutdown(SteadyTime now);    // clean stop: goodbye

  State state() const { return state_; }
  Role role() const;
  uint64_t term() const { return term_; }
  // The heartbeat to send now, with group, engine, role, priority, health, takeover_request,
  // first_listed, term and version filled in; the caller sets boot_id, sequence and
  // config_generation.
  Heartbeat outgoing() const;
  Status status(SteadyTime now) const;
  std::chrono::milliseconds deadInterval() const { return config_.interval * config_.dead_count; }

 private:
  struct Peer {
    bool heard = false;
    std::string engine;
    uint64_t boot_id = 0;
    uint64_t sequence = 0;
    Heartbeat last;  // newest heartbeat
    SteadyTime last_heard{};
    std::vector<PathStatus> paths;
  };

  Effects run(Event event, const Heartbeat* hb, SteadyTime now);
  Facts facts(Event event, const Heartbeat* hb, SteadyTime now) const;
  SteadyTime nextTimer(SteadyTime now) const;
  bool selfWinsElection(const Heartbeat& peer) const;
  void noteInput(SteadyTime now);

  Config config_;
  State state_ = State::kInit;
  uint64_t term_ = 0;  // own claim when active; highest known otherwise
  uint8_t up_ = 0;
  uint8_t total_ = 0;
  bool degraded_ = false;
  bool health_changed_ = false;
  SteadyTime started_{};
  SteadyTime listen_from_{};  // start, or the end of a stall of our own loop
  SteadyTime last_input_{};
  bool had_input_ = false;
  SteadyTime handover_deadline_{};
  SteadyTime last_transition_{};
  Cause cause_ = Cause::kNone;
  std::string cause_text_;
  Peer peer_;
};

}  // namespace floe::ha
