// BGP-4 finite state machine, RFC 4271 §8 (mandatory attributes; DelayOpen not implemented),
// sans-IO. Inputs: start/stop, TCP outcomes, received bytes, the time. Outputs: Effects
// (bytes to send, connect/disconnect, the next wake-up time, state changes, routes received).
// One Fsm per TCP connection; connection collisions (§6.8) are resolved by the caller with
// resolveCollision() and an OpenCollisionDump on the loser.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bgp/message.h"
#include "common/clock.h"

namespace floe::bgp {

// RFC 4271 §8.2.2 state names.
enum class State : uint8_t { kIdle, kConnect, kActive, kOpenSent, kOpenConfirm, kEstablished };
std::string_view stateName(State s);  // "Idle", "Connect", ..., "Established"

// RFC 4271 §8.1 events by their RFC names and numbers (optional ones floe does not use are
// left out: 6, 7, 12, 15, 20).
enum class Event : uint8_t {
  kManualStart = 1,
  kManualStop = 2,
  kAutomaticStart = 3,
  kManualStartWithPassiveTcpEstablishment = 4,
  kAutomaticStartWithPassiveTcpEstablishment = 5,
  kAutomaticStop = 8,
  kConnectRetryTimerExpires = 9,
  kHoldTimerExpires = 10,
  kKeepaliveTimerExpires = 11,
  kIdleHoldTimerExpires = 13,
  kTcpCrAcked = 16,
  kTcpConnectionConfirmed = 17,
  kTcpConnectionFails = 18,
  kBgpOpen = 19,
  kBgpHeaderErr = 21,
  kBgpOpenMsgErr = 22,
  kOpenCollisionDump = 23,
  kNotifMsgVerErr = 24,
  kNotifMsg = 25,
  kKeepAliveMsg = 26,
  kUpdateMsg = 27,
  kUpdateMsgErr = 28,
};
std::string_view eventName(Event e);  // "ManualStart", "BGPOpen", "TcpCRAcked", ...

// Per-peer settings. Times in seconds, as in Avi's bgp_profile (hold_time, keepalive_interval).
struct FsmConfig {
  uint32_t localAs = 0;
  uint32_t peerAs = 0;
  uint32_t bgpIdentifier = 0;  // host order, nonzero
  uint16_t holdTime = 180;     // 0 (no keepalives) or >= 3
  uint16_t keepaliveInterval = 60;
  uint16_t connectRetryTime = 120;  // RFC 4271 §10 suggested value
  bool passive = false;             // wait for the peer to connect (PassiveTcpEstablishment)
  std::vector<AddressFamily> families = {{kAfiIpv4, kSafiUnicast}};
  // Idle hold-down after a failure (RFC 4271 §8.1.1 DampPeerOscillations): the automatic
  // restart waits idleHoldBase × 2^(failures-1), at most idleHoldMax.
  std::chrono::seconds idleHoldBase{5};
  std::chrono::seconds idleHoldMax{120};
};

struct StateChange {
  State from;
  State to;
  Event event;
};

struct Effects {
  std::vector<std::vector<uint8_t>> send;  // whole messages, in order, on the connection
  bool connect = false;                    // open a TCP connection to the peer (port 179)
  bool disconnect = false;                 // close the connection (after writing `send`)
  std::vector<StateChange> changes;
  std::vector<UpdateMessage> received;  // in Established; RFC 7606 outcomes inside
  std::optional<NotificationMessage> notificationSent;
  std::optional<NotificationMessage> notificationReceived;
  bool routeRefreshRequested = false;  // RFC 2918: re-send the Adj-RIB-Out
  std::optional<SteadyTime> wakeAt;    // call onTimer() then (earliest running timer)
};

// RFC 4271 §6.8: which of two connections between the same pair survives. The one opened by
// the speaker with the higher BGP Identifier (compared as host-order integers) stays; with
// equal identifiers (possible between different ASes, RFC 6286 §2.3) the higher AS wins.
// Returns true when the connection floe opened (outgoing) is the one to keep.
bool keepLocallyInitiated(uint32_t localId, uint32_t remoteId, uint32_t localAs, uint32_t remoteAs);

class Fsm {
 public:
  explicit Fsm(FsmConfig config);

  // ManualStart (or its passive variant per config.passive).
  Effects start(SteadyTime now);
  // ManualStop: Cease/Administrative Shutdown (RFC 4486) if a connection is up; no restart.
  Effects stop(SteadyTime now);
  // AutomaticStop: Cease with `subcode`; restarts after the idle hold time.
  Effects automaticStop(SteadyTime now, uint8_t subcode);
  // The caller's TCP outcomes: our connect() succeeded (TcpCRAcked) or an incoming
  // connection was accepted for this Fsm (TcpConnectionConfirmed); the connection failed or
  // closed (TcpConnectionFails).
  Effects onTcpConnected(SteadyTime now, bool outgoing);
  Effects onTcpFailed(SteadyTime now);
  // Received stream bytes; any split is fine (messages are framed here).
  Effects onBytes(std::span<const uint8_t> bytes, SteadyTime now);
  // Fires every timer due at `now`.
  Effects onTimer(SteadyTime now);
  // OpenCollisionDump: this connection lost the §6.8 resolution.
  Effects collisionDump(SteadyTime now);
  // Encodes UPDATEs to send in Established (restarts the KeepaliveTimer); ignored otherwise.
  Effects sendUpdates(const std::vector<UpdateMessage>& updates, SteadyTime now);

  State state() const { return state_; }
  uint32_t connectRetryCounter() const { return connectRetryCounter_; }
  // Negotiated after the peer's OPEN (seconds; 0 = no hold timer and no keepalives).
  uint16_t negotiatedHoldTime() const { return negotiatedHold_; }
  uint16_t negotiatedKeepalive() const { return negotiatedKeepalive_; }
  const std::optional<OpenMessage>& peerOpen() const { return peerOpen_; }
  bool fourOctetAs() const { return decode_.fourOctetAs; }
  const std::string& lastError() const { return lastError_; }
  std::optional<SteadyTime> connectRetryAt() const { return connectRetryAt_; }
  std::optional<SteadyTime> holdAt() const { return holdAt_; }
  std::optional<SteadyTime> keepaliveAt() const { return keepaliveAt_; }
  std::optional<SteadyTime> idleHoldAt() const { return idleHoldAt_; }

 private:
  struct Ctx;
  using Handler = void (Fsm::*)(Ctx&);
  struct Row {
    State state;
    Event event;
    Handler handler;
  };
  static const std::vector<Row>& table();

  Effects dispatch(Event e, SteadyTime now, const Message* message = nullptr,
                   const DecodeError* error = nullptr);
  void fire(Ctx& c, Event e);
  Effects finish(Ctx& c) const;
  void go(Ctx& c, State to);
  void sendMessage(Ctx& c, const Message& m);
  void sendNotification(Ctx& c, ErrorCode code, uint8_t subcode, std::vector<uint8_t> data = {});
  void toIdle(Ctx& c, bool countFailure, bool autoRestart);
  void startConnectRetry(Ctx& c);
  std::optional<DecodeError> checkOpen(const OpenMessage& open) const;

  // Handlers, named after what the RFC's text for the (state, event) pair does.
  void hStartActive(Ctx& c);
  void hStartPassive(Ctx& c);
  void hIgnore(Ctx& c);
  void hStopNoConnection(Ctx& c);
  void hStopInIdle(Ctx& c);
  void hRetryConnect(Ctx& c);
  void hConnectedSendOpen(Ctx& c);
  void hConnectFailedToActive(Ctx& c);
  void hConnectFailedToIdle(Ctx& c);
  void hFailToIdle(Ctx& c);
  void hStopWithCease(Ctx& c);
  void hAutoStopWithCease(Ctx& c);
  void hHoldExpired(Ctx& c);
  void hOpenSentTcpFails(Ctx& c);
  void hOpenReceived(Ctx& c);
  void hSendDecodeError(Ctx& c);
  void hCollisionDump(Ctx& c);
  void hNotifVersionError(Ctx& c);
  void hKeepaliveTimer(Ctx& c);
  void hKeepaliveToEstablished(Ctx& c);
  void hKeepaliveReceived(Ctx& c);
  void hUpdateReceived(Ctx& c);
  void hFsmError(Ctx& c);

  FsmConfig config_;
  State state_ = State::kIdle;
  uint32_t connectRetryCounter_ = 0;
  uint32_t failures_ = 0;  // consecutive, for the idle hold backoff
  uint16_t negotiatedHold_ = 0;
  uint16_t negotiatedKeepalive_ = 0;
  DecodeOptions decode_;
  std::optional<OpenMessage> peerOpen_;
  std::string lastError_;
  std::vector<uint8_t> inbox_;
  bool tcpOpen_ = false;
  std::optional<SteadyTime> connectRetryAt_;
  std::optional<SteadyTime> holdAt_;
  std::optional<SteadyTime> keepaliveAt_;
  std::optional<SteadyTime> idleHoldAt_;
};

}  // namespace floe::bgp
