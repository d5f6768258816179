#include "bgp/fsm.h"

#include <algorithm>
#include <cassert>

namespace floe::bgp {
namespace {

using std::chrono::seconds;

constexpr seconds kLargeHoldTime{240};  // RFC 4271 §8.2.2: "4 minutes is suggested"

}  // namespace

struct Fsm::Ctx {
  Effects fx;
  SteadyTime now;
  Event event = Event::kManualStart;
  const Message* message = nullptr;
  const DecodeError* error = nullptr;
  uint8_t ceaseSubcode = cease_subcode::kAdministrativeShutdown;
};

std::string_view stateName(State s) {
  switch (s) {
    case State::kIdle:
      return "Idle";
    case State::kConnect:
      return "Connect";
    case State::kActive:
      return "Active";
    case State::kOpenSent:
      return "OpenSent";
    case State::kOpenConfirm:
      return "OpenConfirm";
    case State::kEstablished:
      return "Established";
  }
  return "?";
}

std::string_view eventName(Event e) {
  switch (e) {
    case Event::kManualStart:
      return "ManualStart";
    case Event::kManualStop:
      return "ManualStop";
    case Event::kAutomaticStart:
      return "AutomaticStart";
    case Event::kManualStartWithPassiveTcpEstablishment:
      return "ManualStart_with_PassiveTcpEstablishment";
    case Event::kAutomaticStartWithPassiveTcpEstablishment:
      return "AutomaticStart_with_PassiveTcpEstablishment";
    case Event::kAutomaticStop:
      return "AutomaticStop";
    case Event::kConnectRetryTimerExpires:
      return "ConnectRetryTimer_Expires";
    case Event::kHoldTimerExpires:
      return "HoldTimer_Expires";
    case Event::kKeepaliveTimerExpires:
      return "KeepaliveTimer_Expires";
    case Event::kIdleHoldTimerExpires:
      return "IdleHoldTimer_Expires";
    case Event::kTcpCrAcked:
      return "Tcp_CR_Acked";
    case Event::kTcpConnectionConfirmed:
      return "TcpConnectionConfirmed";
    case Event::kTcpConnectionFails:
      return "TcpConnectionFails";
    case Event::kBgpOpen:
      return "BGPOpen";
    case Event::kBgpHeaderErr:
      return "BGPHeaderErr";
    case Event::kBgpOpenMsgErr:
      return "BGPOpenMsgErr";
    case Event::kOpenCollisionDump:
      return "OpenCollisionDump";
    case Event::kNotifMsgVerErr:
      return "NotifMsgVerErr";
    case Event::kNotifMsg:
      return "NotifMsg";
    case Event::kKeepAliveMsg:
      return "KeepAliveMsg";
    case Event::kUpdateMsg:
      return "UpdateMsg";
    case Event::kUpdateMsgErr:
      return "UpdateMsgErr";
  }
  return "?";
}

bool keepLocallyInitiated(uint32_t localId, uint32_t remoteId, uint32_t localAs,
                          uint32_t remoteAs) {
  if (localId != remoteId) return localId > remoteId;
  return localAs > remoteAs;
}

// RFC 4271 §8.2.2 as data: (state, event) -> handler. A pair not listed takes the RFC's
// "any other event" branch of its state (see dispatch()).
const std::vector<Fsm::Row>& Fsm::table() {
  using S = State;
  using E = Event;
  static const std::vector<Row> kRows = {
      // Idle
      {S::kIdle, E::kManualStart, &Fsm::hStartActive},
      {S::kIdle, E::kAutomaticStart, &Fsm::hStartActive},
      {S::kIdle, E::kIdleHoldTimerExpires, &Fsm::hStartActive},
      {S::kIdle, E::kManualStartWithPassiveTcpEstablishment, &Fsm::hStartPassive},
      {S::kIdle, E::kAutomaticStartWithPassiveTcpEstablishment, &Fsm::hStartPassive},
      {S::kIdle, E::kManualStop, &Fsm::hStopInIdle},
      {S::kIdle, E::kTcpConnectionConfirmed, &Fsm::hStopNoConnection},  // refused in Idle
      {S::kIdle, E::kTcpCrAcked, &Fsm::hStopNoConnection},
      // Connect
      {S::kConnect, E::kManualStop, &Fsm::hStopNoConnection},
      {S::kConnect, E::kConnectRetryTimerExpires, &Fsm::hRetryConnect},
      {S::kConnect, E::kTcpCrAcked, &Fsm::hConnectedSendOpen},
      {S::kConnect, E::kTcpConnectionConfirmed, &Fsm::hConnectedSendOpen},
      {S::kConnect, E::kTcpConnectionFails, &Fsm::hConnectFailedToActive},
      // Active
      {S::kActive, E::kManualStop, &Fsm::hStopNoConnection},
      {S::kActive, E::kConnectRetryTimerExpires, &Fsm::hRetryConnect},
      {S::kActive, E::kTcpCrAcked, &Fsm::hConnectedSendOpen},
      {S::kActive, E::kTcpConnectionConfirmed, &Fsm::hConnectedSendOpen},
      {S::kActive, E::kTcpConnectionFails, &Fsm::hConnectFailedToIdle},
      // OpenSent
      {S::kOpenSent, E::kManualStop, &Fsm::hStopWithCease},
      {S::kOpenSent, E::kAutomaticStop, &Fsm::hAutoStopWithCease},
      {S::kOpenSent, E::kHoldTimerExpires, &Fsm::hHoldExpired},
      {S::kOpenSent, E::kTcpConnectionFails, &Fsm::hOpenSentTcpFails},
      {S::kOpenSent, E::kBgpOpen, &Fsm::hOpenReceived},
      {S::kOpenSent, E::kBgpHeaderErr, &Fsm::hSendDecodeError},
      {S::kOpenSent, E::kBgpOpenMsgErr, &Fsm::hSendDecodeError},
      {S::kOpenSent, E::kOpenCollisionDump, &Fsm::hCollisionDump},
      {S::kOpenSent, E::kNotifMsgVerErr, &Fsm::hNotifVersionError},
      // OpenConfirm
      {S::kOpenConfirm, E::kManualStop, &Fsm::hStopWithCease},
      {S::kOpenConfirm, E::kAutomaticStop, &Fsm::hAutoStopWithCease},
      {S::kOpenConfirm, E::kHoldTimerExpires, &Fsm::hHoldExpired},
      {S::kOpenConfirm, E::kKeepaliveTimerExpires, &Fsm::hKeepaliveTimer},
      {S::kOpenConfirm, E::kTcpConnectionFails, &Fsm::hFailToIdle},
      {S::kOpenConfirm, E::kNotifMsg, &Fsm::hFailToIdle},
      {S::kOpenConfirm, E::kNotifMsgVerErr, &Fsm::hNotifVersionError},
      {S::kOpenConfirm, E::kBgpHeaderErr, &Fsm::hSendDecodeError},
      {S::kOpenConfirm, E::kBgpOpenMsgErr, &Fsm::hSendDecodeError},
      {S::kOpenConfirm, E::kOpenCollisionDump, &Fsm::hCollisionDump},
      {S::kOpenConfirm, E::kKeepAliveMsg, &Fsm::hKeepaliveToEstablished},
      // Established
      {S::kEstablished, E::kManualStop, &Fsm::hStopWithCease},
      {S::kEstablished, E::kAutomaticStop, &Fsm::hAutoStopWithCease},
      {S::kEstablished, E::kHoldTimerExpires, &Fsm::hHoldExpired},
      {S::kEstablished, E::kKeepaliveTimerExpires, &Fsm::hKeepaliveTimer},
      {S::kEstablished, E::kKeepAliveMsg, &Fsm::hKeepaliveReceived},
      {S::kEstablished, E::kUpdateMsg, &Fsm::hUpdateReceived},
      {S::kEstablished, E::kUpdateMsgErr, &Fsm::hSendDecodeError},
      {S::kEstablished, E::kTcpConnectionFails, &Fsm::hFailToIdle},
      {S::kEstablished, E::kNotifMsg, &Fsm::hFailToIdle},
      {S::kEstablished, E::kNotifMsgVerErr, &Fsm::hFailToIdle},
      {S::kEstablished, E::kBgpHeaderErr, &Fsm::hSendDecodeError},
      {S::kEstablished, E::kBgpOpenMsgErr, &Fsm::hSendDecodeError},
      {S::kEstablished, E::kOpenCollisionDump, &Fsm::hCollisionDump},
  };
  return kRows;
}

Fsm::Fsm(FsmConfig config) : config_(std::move(config)) {
  assert(config_.bgpIdentifier != 0);
  decode_.ibgp = config_.localAs == config_.peerAs;
}

void Fsm::fire(Ctx& c, Event e) {
  c.event = e;
  for (const auto& row : table()) {
    if (row.state == state_ && row.event == e) {
      (this->*row.handler)(c);
      return;
    }
  }
  // "Any other event" (§8.2.2): ignored in Idle; in Connect and Active the connection is
  // dropped; in OpenSent, OpenConfirm and Established it is an FSM Error (RFC 6608).
  switch (state_) {
    case State::kIdle:
      hIgnore(c);
      break;
    case State::kConnect:
    case State::kActive:
      hFailToIdle(c);
      break;
    default:
      hFsmError(c);
      break;
  }
}

Effects Fsm::finish(Ctx& c) const {
  Effects fx = std::move(c.fx);
  for (const auto& t : {connectRetryAt_, holdAt_, keepaliveAt_, idleHoldAt_}) {
    if (t && (!fx.wakeAt || *t < *fx.wakeAt)) fx.wakeAt = t;
  }
  return fx;
}

Effects Fsm::dispatch(Event e, SteadyTime now, const Message* message, const DecodeError* error) {
  Ctx c;
  c.now = now;
  c.message = message;
  c.error = error;
  fire(c, e);
  return finish(c);
}

void Fsm::go(Ctx& c, State to) {
  if (to == state_) return;
  c.fx.changes.push_back({state_, to, c.event});
  state_ = to;
}

void Fsm::sendMessage(Ctx& c, const Message& m) {
  c.fx.send.push_back(encodeMessage(m, decode_.fourOctetAs));
  const auto type = messageType(m);
  // §8.2.2: sending a KEEPALIVE or UPDATE restarts the KeepaliveTimer.
  if ((type == MessageType::kKeepalive || type == MessageType::kUpdate) &&
      negotiatedKeepalive_ != 0) {
    keepaliveAt_ = c.now + seconds(negotiatedKeepalive_);
  }
}

void Fsm::sendNotification(Ctx& c, ErrorCode code, uint8_t subcode, std::vector<uint8_t> data) {
  NotificationMessage n{code, subcode, std::move(data)};
  sendMessage(c, n);
  c.fx.notificationSent = n;
}

void Fsm::toIdle(Ctx& c, bool countFailure, bool autoRestart) {
  connectRetryAt_.reset();
  holdAt_.reset();
  keepaliveAt_.reset();
  idleHoldAt_.reset();
  if (tcpOpen_ || state_ == State::kConnect) c.fx.disconnect = true;
  tcpOpen_ = false;
  inbox_.clear();
  negotiatedHold_ = 0;
  negotiatedKeepalive_ = 0;
  if (countFailure) {
    ++connectRetryCounter_;
    ++failures_;
  }
  if (autoRestart) {
    // Idle hold-down (§8.1.1 DampPeerOscillations): doubles per consecutive failure.
    auto hold = config_.idleHoldBase;
    for (uint32_t i = 1; i < failures_ && hold < config_.idleHoldMax; ++i) hold *= 2;
    idleHoldAt_ = c.now + std::min(hold, config_.idleHoldMax);
  }
  go(c, State::kIdle);
}

void Fsm::startConnectRetry(Ctx& c) { connectRetryAt_ = c.now + seconds(config_.connectRetryTime); }

std::optional<DecodeError> Fsm::checkOpen(const OpenMessage& open) const {
  if (open.autonomousSystem() != config_.peerAs) {
    return DecodeError{ErrorCode::kOpenMessageError,
                       open_subcode::kBadPeerAs,
                       20,
                       {},
                       "peer AS " + std::to_string(open.autonomousSystem()) + ", configured " +
                           std::to_string(config_.peerAs)};
  }
  if (decode_.ibgp && open.bgpIdentifier == config_.bgpIdentifier) {
    return DecodeError{ErrorCode::kOpenMessageError,
                       open_subcode::kBadBgpIdentifier,
                       24,
                       {},
                       "internal peer uses our own BGP Identifier"};
  }
  return std::nullopt;
}

// --- handlers -------------------------------------------------------------------------

void Fsm::hIgnore(Ctx&) {}

void Fsm::hStartActive(Ctx& c) {
  if (config_.passive) return hStartPassive(c);
  idleHoldAt_.reset();
  connectRetryCounter_ = 0;
  startConnectRetry(c);
  c.fx.connect = true;
  go(c, State::kConnect);
}

void Fsm::hStartPassive(Ctx& c) {
  idleHoldAt_.reset();
  connectRetryCounter_ = 0;
  startConnectRetry(c);
  go(c, State::kActive);
}

void Fsm::hStopNoConnection(Ctx& c) {
  if (state_ == State::kIdle) {  // an incoming connection while Idle is refused
    c.fx.disconnect = true;
    return;
  }
  connectRetryCounter_ = 0;
  failures_ = 0;
  toIdle(c, false, false);
}

void Fsm::hStopInIdle(Ctx&) {
  // The RFC ignores ManualStop in Idle; floe also cancels a pending automatic restart.
  idleHoldAt_.reset();
  connectRetryCounter_ = 0;
  failures_ = 0;
}

void Fsm::hRetryConnect(Ctx& c) {
  if (tcpOpen_) c.fx.disconnect = true;
  tcpOpen_ = false;
  startConnectRetry(c);
  c.fx.connect = true;
  go(c, State::kConnect);
}

void Fsm::hConnectedSendOpen(Ctx& c) {
  tcpOpen_ = true;
  connectRetryAt_.reset();
  sendMessage(c,
              makeOpen(config_.localAs, config_.holdTime, config_.bgpIdentifier, config_.families));
  holdAt_ = c.now + kLargeHoldTime;
  go(c, State::kOpenSent);
}

void Fsm::hConnectFailedToActive(Ctx& c) {
  tcpOpen_ = false;
  startConnectRetry(c);
  go(c, State::kActive);
}

void Fsm::hConnectFailedToIdle(Ctx& c) {
  lastError_ = "TCP connection failed";
  toIdle(c, true, true);
}

void Fsm::hFailToIdle(Ctx& c) {
  if (lastError_.empty() || c.event != Event::kNotifMsg) {
    lastError_ = std::string(eventName(c.event)) + " in " + std::string(stateName(state_));
  }
  toIdle(c, true, true);
}

void Fsm::hStopWithCease(Ctx& c) {
  sendNotification(c, ErrorCode::kCease, cease_subcode::kAdministrativeShutdown);
  connectRetryCounter_ = 0;
  failures_ = 0;
  toIdle(c, false, false);
}

void Fsm::hAutoStopWithCease(Ctx& c) {
  sendNotification(c, ErrorCode::kCease, c.ceaseSubcode);
  toIdle(c, true, true);
}

void Fsm::hHoldExpired(Ctx& c) {
  lastError_ = "hold timer expired";
  sendNotification(c, ErrorCode::kHoldTimerExpired, 0);
  toIdle(c, true, true);
}

void Fsm::hOpenSentTcpFails(Ctx& c) {
  tcpOpen_ = false;
  c.fx.disconnect = true;
  holdAt_.reset();
  startConnectRetry(c);
  go(c, State::kActive);
}

void Fsm::hOpenReceived(Ctx& c) {
  const auto& open = std::get<OpenMessage>(*c.message);
  peerOpen_ = open;
  decode_.fourOctetAs = open.capabilities().fourOctetAs.has_value();  // we always send it
  // §4.2: the smaller of the two hold times; keepalive a third of it unless set lower.
  negotiatedHold_ = std::min(config_.holdTime, open.holdTime);
  if (negotiatedHold_ == 0) {
    negotiatedKeepalive_ = 0;
  } else {
    const uint16_t third = std::max<uint16_t>(1, negotiatedHold_ / 3);
    negotiatedKeepalive_ =
        config_.keepaliveInterval == 0 ? third : std::min(config_.keepaliveInterval, third);
  }
  connectRetryAt_.reset();
  sendMessage(c, KeepaliveMessage{});  // also arms the KeepaliveTimer
  if (negotiatedHold_ != 0) {
    holdAt_ = c.now + seconds(negotiatedHold_);
  } else {
    holdAt_.reset();
    keepaliveAt_.reset();
  }
  go(c, State::kOpenConfirm);
}

void Fsm::hSendDecodeError(Ctx& c) {
  assert(c.error != nullptr);
  lastError_ = c.error->describe();
  sendNotification(c, c.error->code, c.error->subcode, c.error->data);
  toIdle(c, true, true);
}

void Fsm::hCollisionDump(Ctx& c) {
  lastError_ = "connection collision: the other connection won (RFC 4271 §6.8)";
  sendNotification(c, ErrorCode::kCease, cease_subcode::kConnectionCollisionResolution);
  toIdle(c, true, false);
}

void Fsm::hNotifVersionError(Ctx& c) { toIdle(c, false, true); }

void Fsm::hKeepaliveTimer(Ctx& c) { sendMessage(c, KeepaliveMessage{}); }

void Fsm::hKeepaliveToEstablished(Ctx& c) {
  if (negotiatedHold_ != 0) holdAt_ = c.now + seconds(negotiatedHold_);
  failures_ = 0;
  lastError_.clear();
  go(c, State::kEstablished);
}

void Fsm::hKeepaliveReceived(Ctx& c) {
  if (negotiatedHold_ != 0) holdAt_ = c.now + seconds(negotiatedHold_);
}

void Fsm::hUpdateReceived(Ctx& c) {
  if (negotiatedHold_ != 0) holdAt_ = c.now + seconds(negotiatedHold_);
  c.fx.received.push_back(std::get<UpdateMessage>(*c.message));
}

void Fsm::hFsmError(Ctx& c) {
  // RFC 6608 §4 subcodes: unexpected message in OpenSent 1, OpenConfirm 2, Established 3.
  const uint8_t sub = state_ == State::kOpenSent ? 1 : state_ == State::kOpenConfirm ? 2 : 3;
  lastError_ =
      "unexpected " + std::string(eventName(c.event)) + " in " + std::string(stateName(state_));
  sendNotification(c, ErrorCode::kFiniteStateMachineError, sub);
  toIdle(c, true, true);
}

// --- inputs ---------------------------------------------------------------------------

Effects Fsm::start(SteadyTime now) {
  return dispatch(
      config_.passive ? Event::kManualStartWithPassiveTcpEstablishment : Event::kManualStart, now);
}

Effects Fsm::stop(SteadyTime now) { return dispatch(Event::kManualStop, now); }

Effects Fsm::automaticStop(SteadyTime now, uint8_t subcode) {
  Ctx c;
  c.now = now;
  c.ceaseSubcode = subcode;
  fire(c, Event::kAutomaticStop);
  return finish(c);
}

Effects Fsm::onTcpConnected(SteadyTime now, bool outgoing) {
  return dispatch(outgoing ? Event::kTcpCrAcked : Event::kTcpConnectionConfirmed, now);
}

Effects Fsm::onTcpFailed(SteadyTime now) { return dispatch(Event::kTcpConnectionFails, now); }

Effects Fsm::collisionDump(SteadyTime now) { return dispatch(Event::kOpenCollisionDump, now); }

Effects Fsm::onTimer(SteadyTime now) {
  Ctx c;
  c.now = now;
  auto due = [&](std::optional<SteadyTime>& t) {
    if (!t || now < *t) return false;
    t.reset();
    return true;
  };
  if (due(idleHoldAt_)) fire(c, Event::kIdleHoldTimerExpires);
  if (due(connectRetryAt_)) fire(c, Event::kConnectRetryTimerExpires);
  if (due(holdAt_)) fire(c, Event::kHoldTimerExpires);
  if (due(keepaliveAt_)) fire(c, Event::kKeepaliveTimerExpires);
  return finish(c);
}

Effects Fsm::onBytes(std::span<const uint8_t> bytes, SteadyTime now) {
  Ctx c;
  c.now = now;
  if (tcpOpen_) inbox_.insert(inbox_.end(), bytes.begin(), bytes.end());
  while (tcpOpen_ && !inbox_.empty()) {
    auto framed = frameLength(inbox_);
    if (!framed) {
      c.error = &framed.error();
      fire(c, Event::kBgpHeaderErr);
      break;
    }
    if (*framed == 0) break;
    const std::vector<uint8_t> one(inbox_.begin(),
                                   inbox_.begin() + static_cast<std::ptrdiff_t>(*framed));
    inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(*framed));
    auto decoded = decodeMessage(one, decode_);
    if (!decoded) {
      c.error = &decoded.error();
      const auto code = decoded.error().code;
      fire(c, code == ErrorCode::kMessageHeaderError ? Event::kBgpHeaderErr
              : code == ErrorCode::kOpenMessageError ? Event::kBgpOpenMsgErr
                                                     : Event::kUpdateMsgErr);
      c.error = nullptr;
      continue;
    }
    c.message = &*decoded;
    if (const auto* open = std::get_if<OpenMessage>(&*decoded)) {
      if (auto bad = state_ == State::kOpenSent ? checkOpen(*open) : std::nullopt) {
        c.error = &*bad;
        fire(c, Event::kBgpOpenMsgErr);
        c.error = nullptr;
      } else {
        fire(c, Event::kBgpOpen);
      }
    } else if (const auto* n = std::get_if<NotificationMessage>(&*decoded)) {
      c.fx.notificationReceived = *n;
      lastError_ = "peer sent NOTIFICATION " + std::string(errorCodeName(n->code)) + "/" +
                   std::to_string(n->subcode);
      const bool versionError = n->code == ErrorCode::kOpenMessageError &&
                                n->subcode == open_subcode::kUnsupportedVersionNumber;
      fire(c, versionError ? Event::kNotifMsgVerErr : Event::kNotifMsg);
    } else if (std::holds_alternative<KeepaliveMessage>(*decoded)) {
      fire(c, Event::kKeepAliveMsg);
    } else if (std::holds_alternative<UpdateMessage>(*decoded)) {
      fire(c, Event::kUpdateMsg);
    } else if (std::holds_alternative<RouteRefreshMessage>(*decoded)) {
      // RFC 2918 raises no RFC 4271 event; the speaker re-sends its Adj-RIB-Out.
      if (state_ == State::kEstablished) c.fx.routeRefreshRequested = true;
    }
    c.message = nullptr;
  }
  return finish(c);
}

Effects Fsm::sendUpdates(const std::vector<UpdateMessage>& updates, SteadyTime now) {
  Ctx c;
  c.now = now;
  if (state_ == State::kEstablished) {
    for (const auto& u : updates) sendMessage(c, u);
  }
  return finish(c);
}

}  // namespace floe::bgp
