#include "ha/state_machine.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace floe::ha {

// What the guards may look at, computed once per input before the table runs.
struct Facts {
  State state = State::kInit;
  Event event = Event::kAny;
  Role hb_role = Role::kInit;
  bool hb_takeover = false;
  bool hb_degraded = false;
  bool self_wins_election = false;  // against the heartbeat's sender
  bool peer_claim_newer = false;    // heartbeat's term beats ours (tie: election)
  bool self_degraded = false;
  bool self_fully_up = false;
  bool listen_expired = false;
  bool peer_silent = false;
  bool handover_expired = false;
  bool peer_standby_healthy = false;  // alive, STANDBY, not degraded
  bool health_changed = false;
};

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

bool hbLeaving(const Facts& f) { return f.hb_role == Role::kLeaving; }
bool hbActive(const Facts& f) { return f.hb_role == Role::kActive; }
bool hbTakeoverRequest(const Facts& f) {
  return f.hb_role == Role::kActive && f.hb_takeover && !f.self_degraded;
}
bool hbActiveDegraded(const Facts& f) {
  return f.hb_role == Role::kActive && f.hb_degraded && !f.self_degraded && f.self_fully_up;
}
bool selfWins(const Facts& f) { return f.self_wins_election; }
bool splitBrainLose(const Facts& f) { return f.hb_role == Role::kActive && f.peer_claim_newer; }
bool listenExpired(const Facts& f) { return f.listen_expired; }
bool peerSilent(const Facts& f) { return f.peer_silent; }
bool handoverExpired(const Facts& f) { return f.handover_expired; }
bool peerStandbyHealthy(const Facts& f) { return f.peer_standby_healthy; }
bool healthChanged(const Facts& f) { return f.health_changed; }

constexpr std::optional<State> kStay = std::nullopt;

// First match wins; within a (state, event) pair the unguarded row comes last. Keep in step
// with docs/ha-protocol.md "State table".
// clang-format off
constexpr Row kTable[] = {
  // name                        from                 event                  guard               to               cause                       send   announce refused any
  {"leaving-ignores-all",        State::kLeaving,     Event::kAny,           nullptr,            kStay,           Cause::kNone,               false, false, false, false},
  {"any-stale-heartbeat",        State::kInit,        Event::kStaleHeartbeat, nullptr,           kStay,           Cause::kNone,               false, false, false, true},
  {"any-health-changed",         State::kInit,        Event::kLocalHealth,   healthChanged,      kStay,           Cause::kNone,               true,  false, false, true},
  {"any-health-same",            State::kInit,        Event::kLocalHealth,   nullptr,            kStay,           Cause::kNone,               false, false, false, true},
  {"any-shutdown",               State::kInit,        Event::kShutdown,      nullptr,            State::kLeaving, Cause::kShutdown,           true,  false, false, true},

  {"init-start",                 State::kInit,        Event::kStart,         nullptr,            kStay,           Cause::kStarted,            true,  false, false, false},
  {"any-start-again",            State::kInit,        Event::kStart,         nullptr,            kStay,           Cause::kNone,               false, false, false, true},
  {"init-peer-goodbye",          State::kInit,        Event::kHeartbeat,     hbLeaving,          State::kActive,  Cause::kPeerGoodbye,        true,  false, false, false},
  {"init-peer-active",           State::kInit,        Event::kHeartbeat,     hbActive,           State::kStandby, Cause::kPeerActive,         true,  false, false, false},
  {"init-wins-election",         State::kInit,        Event::kHeartbeat,     selfWins,           State::kActive,  Cause::kElection,           true,  false, false, false},
  {"init-loses-election",        State::kInit,        Event::kHeartbeat,     nullptr,            State::kStandby, Cause::kElection,           true,  false, false, false},
  {"init-listen-expired",        State::kInit,        Event::kTimer,         listenExpired,      State::kActive,  Cause::kNoPeerHeard,        true,  false, false, false},
  {"init-listening",             State::kInit,        Event::kTimer,         nullptr,            kStay,           Cause::kNone,               false, false, false, false},
  {"init-switchover-refused",    State::kInit,        Event::kSwitchover,    nullptr,            kStay,           Cause::kRefused,            false, false, true,  false},

  {"standby-peer-goodbye",       State::kStandby,     Event::kHeartbeat,     hbLeaving,          State::kActive,  Cause::kPeerGoodbye,        true,  false, false, false},
  {"standby-takeover-request",   State::kStandby,     Event::kHeartbeat,     hbTakeoverRequest,  State::kActive,  Cause::kSwitchoverRequested, true, false, false, false},
  {"standby-peer-degraded",      State::kStandby,     Event::kHeartbeat,     hbActiveDegraded,   State::kActive,  Cause::kPeerDegraded,       true,  false, false, false},
  {"standby-peer-active",        State::kStandby,     Event::kHeartbeat,     hbActive,           kStay,           Cause::kNone,               false, false, false, false},
  {"standby-wins-election",      State::kStandby,     Event::kHeartbeat,     selfWins,           State::kActive,  Cause::kElection,           true,  false, false, false},
  {"standby-loses-election",     State::kStandby,     Event::kHeartbeat,     nullptr,            kStay,           Cause::kNone,               false, false, false, false},
  {"standby-peer-dead",          State::kStandby,     Event::kTimer,         peerSilent,         State::kActive,  Cause::kPeerDead,           true,  false, false, false},
  {"standby-waiting",            State::kStandby,     Event::kTimer,         nullptr,            kStay,           Cause::kNone,               false, false, false, false},
  {"standby-switchover-refused", State::kStandby,     Event::kSwitchover,    nullptr,            kStay,           Cause::kRefused,            false, false, true,  false},

  {"active-split-brain-yields",  State::kActive,      Event::kHeartbeat,     splitBrainLose,     State::kStandby, Cause::kSplitBrain,         true,  false, false, false},
  {"active-split-brain-holds",   State::kActive,      Event::kHeartbeat,     hbActive,           kStay,           Cause::kNone,               true,  true,  false, false},
  {"active-peer-not-active",     State::kActive,      Event::kHeartbeat,     nullptr,            kStay,           Cause::kNone,               false, false, false, false},
  {"active-timer",               State::kActive,      Event::kTimer,         nullptr,            kStay,           Cause::kNone,               false, false, false, false},
  {"active-switchover",          State::kActive,      Event::kSwitchover,    peerStandbyHealthy, State::kHandingOver, Cause::kSwitchoverRequested, true, false, false, false},
  {"active-switchover-refused",  State::kActive,      Event::kSwitchover,    nullptr,            kStay,           Cause::kRefused,            false, false, true,  false},

  {"handover-peer-active",       State::kHandingOver, Event::kHeartbeat,     hbActive,           State::kStandby, Cause::kSwitchoverDone,     true,  false, false, false},
  {"handover-peer-not-active",   State::kHandingOver, Event::kHeartbeat,     nullptr,            kStay,           Cause::kNone,               false, false, false, false},
  {"handover-expired",           State::kHandingOver, Event::kTimer,         handoverExpired,    State::kActive,  Cause::kSwitchoverFailed,   true,  false, false, false},
  {"handover-waiting",           State::kHandingOver, Event::kTimer,         nullptr,            kStay,           Cause::kNone,               false, false, false, false},
  {"handover-switchover-again",  State::kHandingOver, Event::kSwitchover,    nullptr,            kStay,           Cause::kNone,               true,  false, false, false},
};
// clang-format on

Role roleOf(State s) {
  switch (s) {
    case State::kInit:
      return Role::kInit;
    case State::kStandby:
      return Role::kStandby;
    case State::kActive:
    case State::kHandingOver:
      return Role::kActive;
    case State::kLeaving:
      return Role::kLeaving;
  }
  return Role::kInit;
}

std::string ms(milliseconds d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

std::string_view stateName(State s) {
  switch (s) {
    case State::kInit:
      return "INIT";
    case State::kStandby:
      return "STANDBY";
    case State::kActive:
      return "ACTIVE";
    case State::kHandingOver:
      return "HANDING_OVER";
    case State::kLeaving:
      return "LEAVING";
  }
  return "UNKNOWN";
}

std::string_view eventName(Event e) {
  switch (e) {
    case Event::kStart:
      return "start";
    case Event::kHeartbeat:
      return "heartbeat";
    case Event::kStaleHeartbeat:
      return "stale heartbeat";
    case Event::kTimer:
      return "timer";
    case Event::kLocalHealth:
      return "local health";
    case Event::kSwitchover:
      return "switchover";
    case Event::kShutdown:
      return "shutdown";
    case Event::kAny:
      return "any";
  }
  return "unknown";
}

std::string_view causeName(Cause c) {
  switch (c) {
    case Cause::kNone:
      return "NONE";
    case Cause::kStarted:
      return "STARTED";
    case Cause::kNoPeerHeard:
      return "NO_PEER_HEARD";
    case Cause::kPeerActive:
      return "PEER_ACTIVE";
    case Cause::kElection:
      return "ELECTION";
    case Cause::kPeerDead:
      return "PEER_DEAD";
    case Cause::kPeerGoodbye:
      return "PEER_GOODBYE";
    case Cause::kPeerDegraded:
      return "PEER_DEGRADED";
    case Cause::kSwitchoverRequested:
      return "SWITCHOVER_REQUESTED";
    case Cause::kSwitchoverDone:
      return "SWITCHOVER_DONE";
    case Cause::kSwitchoverFailed:
      return "SWITCHOVER_FAILED";
    case Cause::kSplitBrain:
      return "SPLIT_BRAIN";
    case Cause::kShutdown:
      return "SHUTDOWN";
    case Cause::kRefused:
      return "REFUSED";
    case Cause::kIgnored:
      return "IGNORED";
  }
  return "UNKNOWN";
}

std::span<const Row> transitionTable() { return kTable; }

nlohmann::json toJson(const Counters& c) {
  return {{"sent", c.sent},         {"received", c.received},       {"bad_hmac", c.bad_mac},
          {"replayed", c.replayed}, {"wrong_group", c.wrong_group}, {"malformed", c.malformed}};
}

nlohmann::json toJson(const Status& s, SteadyTime now) {
  nlohmann::json paths = nlohmann::json::array();
  for (size_t i = 0; i < s.paths.size(); ++i) {
    const auto& p = s.paths[i];
    nlohmann::json j = {{"path", i}};
    if (p.heard) {
      j["role"] = roleName(p.peer_role);
      j["ms_since"] = duration_cast<milliseconds>(now - p.last_heard).count();
    } else {
      j["role"] = nullptr;
      j["ms_since"] = nullptr;
    }
    paths.push_back(std::move(j));
  }
  return {
      {"ha_state", stateName(s.state)},
      {"role", roleName(s.role)},
      {"term", s.term},
      {"peer",
       {{"name", s.peer},
        {"alive", s.peer_alive},
        {"config_generation", s.peer_config_generation},
        {"role", s.peer.empty() ? nlohmann::json(nullptr) : nlohmann::json(roleName(s.peer_role))},
        {"paths", std::move(paths)}}},
      {"last_transition",
       {{"ms_ago", duration_cast<milliseconds>(now - s.last_transition).count()},
        {"cause", causeName(s.cause)},
        {"text", s.cause_text}}}};
}

StateMachine::StateMachine(Config config) : config_(std::move(config)) {
  if (config_.paths == 0) config_.paths = 1;
  if (config_.dead_count < 1) config_.dead_count = 1;
  if (config_.interval.count() < 1) config_.interval = milliseconds(1);
  peer_.paths.resize(config_.paths);
}

Role StateMachine::role() const { return roleOf(state_); }

Heartbeat StateMachine::outgoing() const {
  Heartbeat hb;
  hb.group = config_.group;
  hb.engine = config_.self;
  hb.role = role();
  hb.priority = config_.priority;
  hb.interfaces_up = std::min(up_, total_);
  hb.interfaces_total = total_;
  hb.degraded = degraded_;
  hb.takeover_request = state_ == State::kHandingOver;
  hb.first_listed = config_.first_listed;
  hb.term = term_;
  return hb;
}

bool StateMachine::selfWinsElection(const Heartbeat& peer) const {
  if (degraded_ != peer.degraded) return !degraded_;  // the healthier one
  if (config_.priority != peer.priority) return config_.priority < peer.priority;
  if (config_.first_listed != peer.first_listed) return config_.first_listed;
  return config_.self < peer.engine;  // misconfigured alike: still deterministic
}

void StateMachine::noteInput(SteadyTime now) {
  if (!had_input_) {  // the first input starts the listening window, even before start()
    started_ = now;
    listen_from_ = now;
  }
  // Our own loop stalled (SIGSTOP, overload) for longer than the dead interval: silence we did
  // not watch proves nothing about the peer, so the listening window restarts now.
  if (had_input_ && now - last_input_ > deadInterval()) listen_from_ = now;
  had_input_ = true;
  last_input_ = std::max(last_input_, now);
}

Facts StateMachine::facts(Event event, const Heartbeat* hb, SteadyTime now) const {
  Facts f;
  f.state = state_;
  f.event = event;
  f.self_degraded = degraded_;
  f.self_fully_up = up_ >= total_;
  f.listen_expired = now - listen_from_ >= deadInterval();
  const SteadyTime silent_since =
      peer_.heard ? std::max(peer_.last_heard, listen_from_) : listen_from_;
  f.peer_silent = now - silent_since >= deadInterval();
  f.handover_expired = now >= handover_deadline_;
  f.peer_standby_healthy = peer_.heard && now - peer_.last_heard < deadInterval() &&
                           peer_.last.role == Role::kStandby && !peer_.last.degraded;
  f.health_changed = health_changed_;
  if (hb != nullptr) {
    f.hb_role = hb->role;
    f.hb_takeover = hb->takeover_request;
    f.hb_degraded = hb->degraded;
    f.self_wins_election = selfWinsElection(*hb);
    f.peer_claim_newer = hb->term > term_ || (hb->term == term_ && !f.self_wins_election);
  }
  return f;
}

SteadyTime StateMachine::nextTimer(SteadyTime now) const {
  SteadyTime next = now + config_.interval;
  switch (state_) {
    case State::kInit:
      next = std::min(next, listen_from_ + deadInterval());
      break;
    case State::kStandby:
      next = std::min(next, std::max(peer_.last_heard, listen_from_) + deadInterval());
      break;
    case State::kHandingOver:
      next = std::min(next, handover_deadline_);
      break;
    default:
      break;
  }
  return std::max(next, now);
}

Effects StateMachine::run(Event event, const Heartbeat* hb, SteadyTime now) {
  const Facts f = facts(event, hb, now);
  const Row* row = nullptr;
  for (const Row& r : kTable) {
    if (r.event != Event::kAny && r.event != event) continue;
    if (r.any_state ? state_ == State::kLeaving : r.from != state_) continue;
    if (r.guard != nullptr && !r.guard(f)) continue;
    row = &r;
    break;
  }
  // Every (state, event) pair has an unguarded last row; a miss is a table bug.
  assert(row != nullptr && "HA transition table has no row for this state and event");
  Effects e;
  if (row == nullptr) {
    e.next_timer = nextTimer(now);
    e.row = "missing-row";
    return e;
  }
  e.row = row->name;
  e.send_now = row->send_now;
  e.announce = row->announce;
  e.refused = row->refused;
  const Role before = role();
  const uint64_t heard_term = hb != nullptr ? hb->term : 0;
  if (row->to.has_value() && *row->to != state_) {
    const State to = *row->to;
    if (to == State::kActive && state_ != State::kHandingOver) {
      term_ = std::max({term_, heard_term, peer_.heard ? peer_.last.term : 0}) + 1;
    }
    if (to == State::kHandingOver) handover_deadline_ = now + deadInterval();
    state_ = to;
    last_transition_ = now;
    cause_ = row->cause;
    std::string text(causeName(row->cause));
    switch (row->cause) {
      case Cause::kNoPeerHeard:
        text = "no peer heard for " + ms(deadInterval());
        break;
      case Cause::kPeerActive:
        text = "peer " + peer_.engine + " is active";
        break;
      case Cause::kElection:
        text = std::string("election against ") + peer_.engine + ": " +
               (state_ == State::kActive ? "won" : "lost") +
               " (healthier, then lower ha_priority, then first listed)";
        break;
      case Cause::kPeerDead:
        text = "peer " + peer_.engine + " silent on all " + std::to_string(config_.paths) +
               " path(s) for " + ms(deadInterval());
        break;
      case Cause::kPeerGoodbye:
        text = "peer " + peer_.engine + " said goodbye";
        break;
      case Cause::kPeerDegraded:
        text = "active peer " + peer_.engine + " is degraded; all our interfaces are up";
        break;
      case Cause::kSwitchoverRequested:
        text = state_ == State::kHandingOver
                   ? "switchover: asked " + peer_.engine + " to take over"
                   : "switchover: " + peer_.engine + " asked us to take over";
        break;
      case Cause::kSwitchoverDone:
        text = "switchover: " + peer_.engine + " is active";
        break;
      case Cause::kSwitchoverFailed:
        text = "switchover: " + peer_.engine + " did not become active within " +
               ms(deadInterval()) + "; staying active";
        break;
      case Cause::kSplitBrain:
        text = "both active: " + peer_.engine + " holds the newer claim (term " +
               std::to_string(heard_term) + "), yielding";
        break;
      case Cause::kShutdown:
        text = "shutting down: goodbye sent";
        break;
      default:
        break;
    }
    cause_text_ = text;
    e.cause = std::move(text);
    e.send_now = true;
  } else if (row->cause == Cause::kStarted) {
    last_transition_ = now;
    cause_ = row->cause;
    cause_text_ = "listening for " + ms(deadInterval()) + " before claiming active";
    e.cause = cause_text_;
  } else if (row->refused) {
    e.cause = state_ == State::kActive
                  ? "switchover refused: no healthy standby peer heard within " + ms(deadInterval())
                  : "switchover refused: this engine is " + std::string(stateName(state_)) +
                        ", not ACTIVE";
  }
  if (hb != nullptr && state_ != State::kActive && state_ != State::kHandingOver) {
    term_ = std::max(term_, hb->term);
  }
  if (role() != before) e.become = role();
  health_changed_ = false;
  e.next_timer = nextTimer(now);
  return e;
}

Effects StateMachine::start(SteadyTime now) {
  noteInput(now);
  return run(Event::kStart, nullptr, now);
}

Effects StateMachine::onHeartbeat(const Heartbeat& hb, size_t path, SteadyTime now) {
  noteInput(now);
  Ignored why = Ignored::kNone;
  if (path >= config_.paths) {
    why = Ignored::kBadPath;
  } else if (hb.engine == config_.self) {
    why = Ignored::kSelf;
  } else if (!config_.group.empty() && hb.group != config_.group) {
    why = Ignored::kWrongGroup;
  } else if (!config_.peer.empty() ? hb.engine != config_.peer
                                   : peer_.heard && hb.engine != peer_.engine) {
    why = Ignored::kOtherEngine;
  }
  if (why != Ignored::kNone) {
    Effects e;
    e.ignored = why;
    e.row = "ignored";
    e.next_timer = nextTimer(now);
    return e;
  }
  auto& p = peer_.paths[path];
  p.heard = true;
  p.peer_role = hb.role;
  p.last_heard = now;
  const bool stale = peer_.heard && hb.boot_id == peer_.boot_id && hb.sequence <= peer_.sequence;
  peer_.heard = true;
  peer_.engine = hb.engine;
  peer_.last_heard = std::max(peer_.last_heard, now);
  if (stale) return run(Event::kStaleHeartbeat, &hb, now);
  peer_.boot_id = hb.boot_id;
  peer_.sequence = hb.sequence;
  peer_.last = hb;
  return run(Event::kHeartbeat, &hb, now);
}

Effects StateMachine::onTimer(SteadyTime now) {
  noteInput(now);
  return run(Event::kTimer, nullptr, now);
}

Effects StateMachine::onLocalHealth(uint8_t up, uint8_t total, bool degraded, SteadyTime now) {
  noteInput(now);
  health_changed_ = up != up_ || total != total_ || degraded != degraded_;
  up_ = up;
  total_ = total;
  degraded_ = degraded;
  return run(Event::kLocalHealth, nullptr, now);
}

Effects StateMachine::onSwitchover(SteadyTime now) {
  noteInput(now);
  return run(Event::kSwitchover, nullptr, now);
}

Effects StateMachine::onShutdown(SteadyTime now) {
  noteInput(now);
  return run(Event::kShutdown, nullptr, now);
}

Status StateMachine::status(SteadyTime now) const {
  Status s;
  s.state = state_;
  s.role = role();
  s.term = term_;
  s.peer = peer_.engine;
  s.peer_role = peer_.last.role;
  s.peer_alive = peer_.heard && now - peer_.last_heard < deadInterval();
  s.peer_config_generation = peer_.last.config_generation;
  s.paths = peer_.paths;
  s.last_transition = last_transition_;
  s.cause = cause_;
  s.cause_text = cause_text_;
  return s;
}

}  // namespace floe::ha
