// RFC 4271 §8 FSM on a ManualClock: each transition, the timers each state runs, hold time
// negotiation, collision resolution and the idle hold backoff. No sockets, no sleeps.
#include "bgp/fsm.h"

#include <gtest/gtest.h>

namespace floe::bgp {
namespace {

using std::chrono::seconds;

constexpr uint32_t kLocalId = 0x0a0a280b;  // 10.10.40.11
constexpr uint32_t kPeerId = 0x0a0a2803;   // 10.10.40.3

FsmConfig ibgpConfig() {
  FsmConfig c;
  c.localAs = 1;
  c.peerAs = 1;
  c.bgpIdentifier = kLocalId;
  return c;  // hold 180, keepalive 60 (Avi's defaults)
}

std::vector<uint8_t> peerOpen(uint32_t as = 1, uint16_t hold = 90, uint32_t id = kPeerId) {
  return encodeMessage(makeOpen(as, hold, id, {{kAfiIpv4, kSafiUnicast}}), true);
}
std::vector<uint8_t> keepalive() { return encodeMessage(KeepaliveMessage{}, true); }

MessageType sentType(const std::vector<uint8_t>& bytes) {
  return static_cast<MessageType>(bytes.at(18));
}

NotificationMessage sentNotification(const Effects& fx) {
  EXPECT_TRUE(fx.notificationSent.has_value());
  return fx.notificationSent.value_or(NotificationMessage{});
}

class BgpFsm : public ::testing::Test {
 protected:
  ManualClock clock_;
  Fsm fsm_{ibgpConfig()};

  SteadyTime now() const { return clock_.now(); }

  void toOpenSent() {
    (void)fsm_.start(now());
    (void)fsm_.onTcpConnected(now(), true);
    ASSERT_EQ(fsm_.state(), State::kOpenSent);
  }
  void toOpenConfirm(uint16_t peerHold = 90) {
    toOpenSent();
    (void)fsm_.onBytes(peerOpen(1, peerHold), now());
    ASSERT_EQ(fsm_.state(), State::kOpenConfirm);
  }
  void toEstablished(uint16_t peerHold = 90) {
    toOpenConfirm(peerHold);
    (void)fsm_.onBytes(keepalive(), now());
    ASSERT_EQ(fsm_.state(), State::kEstablished);
  }
};

// --- Idle -------------------------------------------------------------------------------

TEST_F(BgpFsm, IdleRunsNoTimers) {
  EXPECT_EQ(fsm_.state(), State::kIdle);
  EXPECT_FALSE(fsm_.connectRetryAt());
  EXPECT_FALSE(fsm_.holdAt());
  EXPECT_FALSE(fsm_.keepaliveAt());
}

TEST_F(BgpFsm, IdleManualStartConnectsAndArmsConnectRetry) {
  auto fx = fsm_.start(now());
  EXPECT_EQ(fsm_.state(), State::kConnect);
  EXPECT_TRUE(fx.connect);
  ASSERT_EQ(fx.changes.size(), 1u);
  EXPECT_EQ(fx.changes[0].event, Event::kManualStart);
  EXPECT_EQ(fsm_.connectRetryAt(), now() + seconds(120));
  EXPECT_EQ(fx.wakeAt, now() + seconds(120));
}

TEST_F(BgpFsm, IdlePassiveStartWaitsInActive) {
  auto cfg = ibgpConfig();
  cfg.passive = true;
  Fsm fsm(cfg);
  auto fx = fsm.start(now());
  EXPECT_EQ(fsm.state(), State::kActive);
  EXPECT_FALSE(fx.connect);
  EXPECT_EQ(fx.changes[0].event, Event::kManualStartWithPassiveTcpEstablishment);
}

TEST_F(BgpFsm, IdleRefusesIncomingConnection) {
  auto fx = fsm_.onTcpConnected(now(), false);
  EXPECT_EQ(fsm_.state(), State::kIdle);
  EXPECT_TRUE(fx.disconnect);
}

TEST_F(BgpFsm, IdleIgnoresBytesAndTimers) {
  EXPECT_TRUE(fsm_.onBytes(keepalive(), now()).send.empty());
  EXPECT_EQ(fsm_.state(), State::kIdle);
}

// --- Connect ----------------------------------------------------------------------------

TEST_F(BgpFsm, ConnectRetryTimerExpiryReconnects) {
  (void)fsm_.start(now());
  clock_.advance(seconds(120));
  auto fx = fsm_.onTimer(now());
  EXPECT_EQ(fsm_.state(), State::kConnect);
  EXPECT_TRUE(fx.connect);
  EXPECT_EQ(fsm_.connectRetryAt(), now() + seconds(120));
}

TEST_F(BgpFsm, ConnectTcpFailureGoesActive) {
  (void)fsm_.start(now());
  auto fx = fsm_.onTcpFailed(now());
  EXPECT_EQ(fsm_.state(), State::kActive);
  EXPECT_TRUE(fsm_.connectRetryAt());
}

TEST_F(BgpFsm, ConnectTcpAckedSendsOpenWithLargeHoldTimer) {
  (void)fsm_.start(now());
  auto fx = fsm_.onTcpConnected(now(), true);
  EXPECT_EQ(fsm_.state(), State::kOpenSent);
  ASSERT_EQ(fx.send.size(), 1u);
  EXPECT_EQ(sentType(fx.send[0]), MessageType::kOpen);
  EXPECT_EQ(fx.changes[0].event, Event::kTcpCrAcked);
  EXPECT_FALSE(fsm_.connectRetryAt());
  EXPECT_EQ(fsm_.holdAt(), now() + seconds(240));
  auto open = decodeMessage(fx.send[0], {});
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(std::get<OpenMessage>(*open).holdTime, 180);
  EXPECT_EQ(std::get<OpenMessage>(*open).autonomousSystem(), 1u);
}

TEST_F(BgpFsm, ConnectManualStopGoesIdle) {
  (void)fsm_.start(now());
  auto fx = fsm_.stop(now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  EXPECT_FALSE(fsm_.connectRetryAt());
  EXPECT_FALSE(fsm_.idleHoldAt());  // a manual stop does not restart
}

TEST_F(BgpFsm, ConnectOtherEventGoesIdle) {
  (void)fsm_.start(now());
  auto fx = fsm_.collisionDump(now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  EXPECT_EQ(fsm_.connectRetryCounter(), 1u);
}

// --- Active -----------------------------------------------------------------------------

TEST_F(BgpFsm, ActiveConnectRetryExpiryGoesConnect) {
  (void)fsm_.start(now());
  (void)fsm_.onTcpFailed(now());
  clock_.advance(seconds(120));
  auto fx = fsm_.onTimer(now());
  EXPECT_EQ(fsm_.state(), State::kConnect);
  EXPECT_TRUE(fx.connect);
}

TEST_F(BgpFsm, ActiveIncomingConnectionSendsOpen) {
  (void)fsm_.start(now());
  (void)fsm_.onTcpFailed(now());
  auto fx = fsm_.onTcpConnected(now(), false);
  EXPECT_EQ(fsm_.state(), State::kOpenSent);
  EXPECT_EQ(fx.changes[0].event, Event::kTcpConnectionConfirmed);
}

TEST_F(BgpFsm, ActiveTcpFailureGoesIdleAndCounts) {
  (void)fsm_.start(now());
  (void)fsm_.onTcpFailed(now());
  (void)fsm_.onTcpFailed(now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  EXPECT_EQ(fsm_.connectRetryCounter(), 1u);
  EXPECT_TRUE(fsm_.idleHoldAt());
}

// --- OpenSent ---------------------------------------------------------------------------

TEST_F(BgpFsm, OpenSentValidOpenSendsKeepaliveAndNegotiatesHold) {
  toOpenSent();
  auto fx = fsm_.onBytes(peerOpen(1, 90), now());
  EXPECT_EQ(fsm_.state(), State::kOpenConfirm);
  ASSERT_EQ(fx.send.size(), 1u);
  EXPECT_EQ(sentType(fx.send[0]), MessageType::kKeepalive);
  EXPECT_EQ(fsm_.negotiatedHoldTime(), 90);   // min(180, 90)
  EXPECT_EQ(fsm_.negotiatedKeepalive(), 30);  // min(60, 90 / 3)
  EXPECT_EQ(fsm_.holdAt(), now() + seconds(90));
  EXPECT_EQ(fsm_.keepaliveAt(), now() + seconds(30));
  EXPECT_TRUE(fsm_.fourOctetAs());
}

TEST_F(BgpFsm, HoldTimeZeroMeansNoKeepalivesAndNoHoldTimer) {
  toOpenConfirm(0);
  EXPECT_EQ(fsm_.negotiatedHoldTime(), 0);
  EXPECT_FALSE(fsm_.holdAt());
  EXPECT_FALSE(fsm_.keepaliveAt());
  (void)fsm_.onBytes(keepalive(), now());
  EXPECT_EQ(fsm_.state(), State::kEstablished);
  clock_.advance(seconds(3600));
  auto fx = fsm_.onTimer(now());
  EXPECT_TRUE(fx.send.empty());
  EXPECT_EQ(fsm_.state(), State::kEstablished);
}

TEST_F(BgpFsm, OpenSentWrongPeerAsSendsBadPeerAs) {
  toOpenSent();
  auto fx = fsm_.onBytes(peerOpen(65001), now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  auto n = sentNotification(fx);
  EXPECT_EQ(n.code, ErrorCode::kOpenMessageError);
  EXPECT_EQ(n.subcode, open_subcode::kBadPeerAs);
  EXPECT_TRUE(fx.disconnect);
  EXPECT_EQ(fsm_.connectRetryCounter(), 1u);
}

TEST_F(BgpFsm, OpenSentOwnIdentifierFromInternalPeerIsBadIdentifier) {
  toOpenSent();
  auto fx = fsm_.onBytes(peerOpen(1, 90, kLocalId), now());
  EXPECT_EQ(sentNotification(fx).subcode, open_subcode::kBadBgpIdentifier);
}

TEST_F(BgpFsm, OpenSentHoldTimeOfOneSendsUnacceptableHoldTime) {
  toOpenSent();
  auto bytes = peerOpen();
  bytes[22] = 0;
  bytes[23] = 1;
  auto fx = fsm_.onBytes(bytes, now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  EXPECT_EQ(sentNotification(fx).subcode, open_subcode::kUnacceptableHoldTime);
}

TEST_F(BgpFsm, OpenSentHeaderErrorSendsNotification) {
  toOpenSent();
  auto bytes = keepalive();
  bytes[0] = 0;
  auto fx = fsm_.onBytes(bytes, now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  EXPECT_EQ(sentNotification(fx).code, ErrorCode::kMessageHeaderError);
}

TEST_F(BgpFsm, OpenSentHoldTimerExpirySendsHoldTimerExpired) {
  toOpenSent();
  clock_.advance(seconds(240));
  auto fx = fsm_.onTimer(now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  EXPECT_EQ(sentNotification(fx).code, ErrorCode::kHoldTimerExpired);
}

TEST_F(BgpFsm, OpenSentTcpFailureGoesActive) {
  toOpenSent();
  (void)fsm_.onTcpFailed(now());
  EXPECT_EQ(fsm_.state(), State::kActive);
  EXPECT_TRUE(fsm_.connectRetryAt());
  EXPECT_FALSE(fsm_.holdAt());
}

TEST_F(BgpFsm, OpenSentKeepaliveIsFsmError) {
  toOpenSent();
  auto fx = fsm_.onBytes(keepalive(), now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  auto n = sentNotification(fx);
  EXPECT_EQ(n.code, ErrorCode::kFiniteStateMachineError);
  EXPECT_EQ(n.subcode, 1);  // RFC 6608: unexpected message in OpenSent
}

TEST_F(BgpFsm, OpenSentVersionNotificationGoesIdleWithoutCounting) {
  toOpenSent();
  auto fx = fsm_.onBytes(
      encodeMessage(NotificationMessage{ErrorCode::kOpenMessageError, 1, {0, 4}}, true), now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  EXPECT_EQ(fsm_.connectRetryCounter(), 0u);
  EXPECT_TRUE(fx.notificationReceived);
}

TEST_F(BgpFsm, OpenSentCollisionDumpSendsCease) {
  toOpenSent();
  auto fx = fsm_.collisionDump(now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  auto n = sentNotification(fx);
  EXPECT_EQ(n.code, ErrorCode::kCease);
  EXPECT_EQ(n.subcode, cease_subcode::kConnectionCollisionResolution);
}

TEST_F(BgpFsm, OpenSentManualStopSendsAdministrativeShutdown) {
  toOpenSent();
  auto fx = fsm_.stop(now());
  EXPECT_EQ(sentNotification(fx).subcode, cease_subcode::kAdministrativeShutdown);
  EXPECT_EQ(fsm_.state(), State::kIdle);
}

// --- OpenConfirm ------------------------------------------------------------------------

TEST_F(BgpFsm, OpenConfirmKeepaliveGoesEstablished) {
  toOpenConfirm();
  clock_.advance(seconds(10));
  auto fx = fsm_.onBytes(keepalive(), now());
  EXPECT_EQ(fsm_.state(), State::kEstablished);
  EXPECT_EQ(fx.changes[0].event, Event::kKeepAliveMsg);
  EXPECT_EQ(fsm_.holdAt(), now() + seconds(90));
}

TEST_F(BgpFsm, OpenConfirmKeepaliveTimerSendsKeepalive) {
  toOpenConfirm();
  clock_.advance(seconds(30));
  auto fx = fsm_.onTimer(now());
  ASSERT_EQ(fx.send.size(), 1u);
  EXPECT_EQ(sentType(fx.send[0]), MessageType::kKeepalive);
  EXPECT_EQ(fsm_.state(), State::kOpenConfirm);
}

TEST_F(BgpFsm, OpenConfirmNotificationGoesIdle) {
  toOpenConfirm();
  auto fx = fsm_.onBytes(encodeMessage(NotificationMessage{ErrorCode::kCease, 2, {}}, true), now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  EXPECT_FALSE(fx.notificationSent);
  EXPECT_NE(fsm_.lastError().find("Cease"), std::string::npos);
}

TEST_F(BgpFsm, OpenConfirmHoldExpiry) {
  toOpenConfirm();
  clock_.advance(seconds(90));
  auto fx = fsm_.onTimer(now());
  EXPECT_EQ(sentNotification(fx).code, ErrorCode::kHoldTimerExpired);
}

TEST_F(BgpFsm, OpenConfirmSecondOpenIsFsmError) {
  toOpenConfirm();
  auto fx = fsm_.onBytes(peerOpen(), now());
  EXPECT_EQ(sentNotification(fx).subcode, 2);
}

// --- Established ------------------------------------------------------------------------

TEST_F(BgpFsm, EstablishedKeepaliveRestartsHoldTimer) {
  toEstablished();
  clock_.advance(seconds(80));
  (void)fsm_.onBytes(keepalive(), now());
  EXPECT_EQ(fsm_.holdAt(), now() + seconds(90));
}

TEST_F(BgpFsm, EstablishedDeliversUpdatesWithRfc7606Outcome) {
  toEstablished();
  UpdateMessage u;
  u.attributes.origin = Origin::kIgp;
  u.attributes.asPath = std::vector<AsPathSegment>{};
  u.attributes.nextHop = *IpAddress::parse("10.10.40.3");
  u.attributes.localPref = 100;
  u.nlri.push_back(*Prefix::parse("192.168.0.0/16"));
  auto bytes = encodeMessage(u, true);
  auto fx = fsm_.onBytes(bytes, now());
  ASSERT_EQ(fx.received.size(), 1u);
  EXPECT_EQ(fx.received[0].nlri, u.nlri);
  EXPECT_EQ(fsm_.state(), State::kEstablished);
}

TEST_F(BgpFsm, EstablishedSurvivesTreatAsWithdraw) {
  toEstablished();
  UpdateMessage u;
  u.attributes.asPath = std::vector<AsPathSegment>{};
  u.attributes.nextHop = *IpAddress::parse("10.10.40.3");
  u.nlri.push_back(*Prefix::parse("192.168.0.0/16"));  // no ORIGIN: treat-as-withdraw
  auto fx = fsm_.onBytes(encodeMessage(u, true), now());
  EXPECT_EQ(fsm_.state(), State::kEstablished);
  ASSERT_EQ(fx.received.size(), 1u);
  EXPECT_EQ(fx.received[0].action(), ErrorAction::kTreatAsWithdraw);
}

TEST_F(BgpFsm, EstablishedMalformedUpdateResetsWithUpdateError) {
  toEstablished();
  std::vector<uint8_t> bad(16, 0xff);
  bad.insert(bad.end(), {0x00, 0x17, 0x02, 0x00, 0x09, 0x00, 0x00});  // withdrawn len overrun
  auto fx = fsm_.onBytes(bad, now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  auto n = sentNotification(fx);
  EXPECT_EQ(n.code, ErrorCode::kUpdateMessageError);
  EXPECT_EQ(n.subcode, update_subcode::kMalformedAttributeList);
}

TEST_F(BgpFsm, EstablishedSplitMessagesAreFramed) {
  toEstablished();
  auto two = keepalive();
  auto k = keepalive();
  two.insert(two.end(), k.begin(), k.end());
  clock_.advance(seconds(5));
  (void)fsm_.onBytes(std::span<const uint8_t>(two.data(), 25), now());
  (void)fsm_.onBytes(std::span<const uint8_t>(two.data() + 25, two.size() - 25), now());
  EXPECT_EQ(fsm_.state(), State::kEstablished);
  EXPECT_EQ(fsm_.holdAt(), now() + seconds(90));
}

TEST_F(BgpFsm, EstablishedSendingUpdateRestartsKeepaliveTimer) {
  toEstablished();
  clock_.advance(seconds(20));
  UpdateMessage u;
  u.withdrawn.push_back(*Prefix::parse("10.0.0.1/32"));
  auto fx = fsm_.sendUpdates({u}, now());
  ASSERT_EQ(fx.send.size(), 1u);
  EXPECT_EQ(fsm_.keepaliveAt(), now() + seconds(30));
}

TEST_F(BgpFsm, UpdatesAreNotSentBeforeEstablished) {
  toOpenConfirm();
  EXPECT_TRUE(fsm_.sendUpdates({UpdateMessage{}}, now()).send.empty());
}

TEST_F(BgpFsm, EstablishedHoldExpirySendsNotificationAndDisconnects) {
  toEstablished();
  clock_.advance(seconds(90));
  auto fx = fsm_.onTimer(now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
  EXPECT_EQ(sentNotification(fx).code, ErrorCode::kHoldTimerExpired);
  EXPECT_TRUE(fx.disconnect);
}

TEST_F(BgpFsm, EstablishedManualStopSendsCeaseAndStaysDown) {
  toEstablished();
  auto fx = fsm_.stop(now());
  EXPECT_EQ(sentNotification(fx).code, ErrorCode::kCease);
  EXPECT_TRUE(fx.disconnect);
  EXPECT_FALSE(fx.wakeAt);
}

TEST_F(BgpFsm, EstablishedAutomaticStopCountsAndRestartsLater) {
  toEstablished();
  auto fx = fsm_.automaticStop(now(), cease_subcode::kPeerDeconfigured);
  EXPECT_EQ(sentNotification(fx).subcode, cease_subcode::kPeerDeconfigured);
  EXPECT_EQ(fsm_.connectRetryCounter(), 1u);
  EXPECT_EQ(fsm_.idleHoldAt(), now() + seconds(5));
}

TEST_F(BgpFsm, EstablishedTcpFailureGoesIdle) {
  toEstablished();
  (void)fsm_.onTcpFailed(now());
  EXPECT_EQ(fsm_.state(), State::kIdle);
}

TEST_F(BgpFsm, EstablishedOpenIsFsmError) {
  toEstablished();
  auto fx = fsm_.onBytes(peerOpen(), now());
  EXPECT_EQ(sentNotification(fx).subcode, 3);
}

TEST_F(BgpFsm, EstablishedRouteRefreshAsksForAdjRibOut) {
  toEstablished();
  auto fx = fsm_.onBytes(encodeMessage(RouteRefreshMessage{}, true), now());
  EXPECT_TRUE(fx.routeRefreshRequested);
  EXPECT_EQ(fsm_.state(), State::kEstablished);
}

// --- backoff, collision, 2-octet peers ----------------------------------------------------

TEST_F(BgpFsm, ManualStopResetsTheBackoff) {
  for (int i = 0; i < 4; ++i) {
    toOpenSent();
    (void)fsm_.onBytes(keepalive(), now());  // FSM error -> Idle
    ASSERT_TRUE(fsm_.idleHoldAt());
    EXPECT_EQ(*fsm_.idleHoldAt() - now(), seconds(5)) << "round " << i;
    (void)fsm_.stop(now());  // ManualStop in Idle: nothing to do, but the next start is fresh
    EXPECT_FALSE(fsm_.idleHoldAt());
    clock_.advance(seconds(1));
  }
}

TEST_F(BgpFsm, IdleHoldBackoffGrowsWhileFailuresRepeat) {
  toOpenSent();
  std::vector<int64_t> holds;
  for (int i = 0; i < 7; ++i) {
    (void)fsm_.onBytes(keepalive(), now());
    ASSERT_EQ(fsm_.state(), State::kIdle);
    holds.push_back(std::chrono::duration_cast<seconds>(*fsm_.idleHoldAt() - now()).count());
    clock_.advance(seconds(holds.back()));
    (void)fsm_.onTimer(now());
    (void)fsm_.onTcpConnected(now(), true);
  }
  EXPECT_EQ(holds, (std::vector<int64_t>{5, 10, 20, 40, 80, 120, 120}));
}

TEST_F(BgpFsm, EstablishingResetsTheBackoff) {
  toOpenSent();
  (void)fsm_.onBytes(keepalive(), now());
  clock_.advance(seconds(5));
  (void)fsm_.onTimer(now());
  (void)fsm_.onTcpConnected(now(), true);
  (void)fsm_.onBytes(peerOpen(), now());
  (void)fsm_.onBytes(keepalive(), now());
  ASSERT_EQ(fsm_.state(), State::kEstablished);
  (void)fsm_.onTcpFailed(now());
  EXPECT_EQ(*fsm_.idleHoldAt() - now(), seconds(5));
}

TEST(BgpCollision, HigherIdentifierKeepsItsConnection) {
  EXPECT_TRUE(keepLocallyInitiated(kLocalId, kPeerId, 1, 1));  // 10.10.40.11 > .3
  EXPECT_FALSE(keepLocallyInitiated(kPeerId, kLocalId, 1, 1));
  EXPECT_TRUE(keepLocallyInitiated(0xc0000001, 0x0a000001, 1, 1));  // compared unsigned
}

TEST(BgpCollision, EqualIdentifiersFallBackToTheHigherAs) {
  EXPECT_TRUE(keepLocallyInitiated(kLocalId, kLocalId, 65002, 65001));
  EXPECT_FALSE(keepLocallyInitiated(kLocalId, kLocalId, 65001, 65002));
}

TEST(BgpFsmTwoOctet, PeerWithoutFourOctetCapabilityUsesTwoOctetPaths) {
  ManualClock clock;
  FsmConfig cfg = ibgpConfig();
  cfg.peerAs = 65001;
  Fsm fsm(cfg);
  (void)fsm.start(clock.now());
  (void)fsm.onTcpConnected(clock.now(), true);
  OpenMessage open;
  open.myAutonomousSystem = 65001;
  open.holdTime = 180;
  open.bgpIdentifier = kPeerId;  // no capabilities at all
  (void)fsm.onBytes(encodeMessage(open, false), clock.now());
  EXPECT_EQ(fsm.state(), State::kOpenConfirm);
  EXPECT_FALSE(fsm.fourOctetAs());
  EXPECT_EQ(fsm.negotiatedKeepalive(), 60);
}

TEST(BgpFsmNames, UseTheRfcNames) {
  EXPECT_EQ(stateName(State::kOpenConfirm), "OpenConfirm");
  EXPECT_EQ(eventName(Event::kBgpOpen), "BGPOpen");
  EXPECT_EQ(eventName(Event::kTcpCrAcked), "Tcp_CR_Acked");
}

}  // namespace
}  // namespace floe::bgp

namespace floe::bgp {
namespace {

// Two floe FSMs wired back to back (one active, one passive): each one's output is the
// other's input, as over a TCP connection. They must reach Established, exchange routes and
// keep the session up on keepalives alone.
TEST(BgpFsmPair, ActiveAndPassiveSpeakersEstablishAndExchangeRoutes) {
  ManualClock clock;
  FsmConfig a = ibgpConfig();
  a.localAs = 65010;
  a.peerAs = 4200000001u;
  a.holdTime = 30;
  a.keepaliveInterval = 10;
  FsmConfig b = a;
  b.localAs = 4200000001u;
  b.peerAs = 65010;
  b.bgpIdentifier = kPeerId;
  b.passive = true;
  b.holdTime = 180;
  Fsm fa(a);
  Fsm fb(b);
  (void)fb.start(clock.now());
  auto ea = fa.start(clock.now());
  ASSERT_TRUE(ea.connect);
  ea = fa.onTcpConnected(clock.now(), true);
  auto eb = fb.onTcpConnected(clock.now(), false);
  for (int i = 0; i < 4 && !(ea.send.empty() && eb.send.empty()); ++i) {
    Effects na, nb;
    for (const auto& m : ea.send) nb = fb.onBytes(m, clock.now());
    for (const auto& m : eb.send) na = fa.onBytes(m, clock.now());
    ea = na;
    eb = nb;
  }
  ASSERT_EQ(fa.state(), State::kEstablished);
  ASSERT_EQ(fb.state(), State::kEstablished);
  EXPECT_EQ(fa.negotiatedHoldTime(), 30);
  EXPECT_EQ(fb.negotiatedKeepalive(), 10);
  EXPECT_TRUE(fa.fourOctetAs());

  UpdateMessage u;
  u.attributes.origin = Origin::kIgp;
  u.attributes.asPath = std::vector<AsPathSegment>{{AsPathSegment::kAsSequence, {65010}}};
  u.attributes.nextHop = *IpAddress::parse("10.10.40.11");
  u.nlri.push_back(*Prefix::parse("10.10.10.100/32"));
  auto sent = fa.sendUpdates({u}, clock.now());
  ASSERT_EQ(sent.send.size(), 1u);
  auto got = fb.onBytes(sent.send[0], clock.now());
  ASSERT_EQ(got.received.size(), 1u);
  EXPECT_EQ(got.received[0].nlri, u.nlri);
  EXPECT_EQ((*got.received[0].attributes.asPath)[0].asns, (std::vector<uint32_t>{65010}));

  // Ten minutes of keepalives only, in 1 s steps: both stay Established.
  for (int s = 0; s < 600; ++s) {
    clock.advance(std::chrono::seconds(1));
    auto ta = fa.onTimer(clock.now());
    auto tb = fb.onTimer(clock.now());
    for (const auto& m : ta.send) (void)fb.onBytes(m, clock.now());
    for (const auto& m : tb.send) (void)fa.onBytes(m, clock.now());
  }
  EXPECT_EQ(fa.state(), State::kEstablished);
  EXPECT_EQ(fb.state(), State::kEstablished);

  // One side stops: the other receives Cease and goes Idle.
  auto stop = fa.stop(clock.now());
  ASSERT_EQ(stop.send.size(), 1u);
  auto cease = fb.onBytes(stop.send[0], clock.now());
  EXPECT_EQ(fb.state(), State::kIdle);
  ASSERT_TRUE(cease.notificationReceived);
  EXPECT_EQ(cease.notificationReceived->code, ErrorCode::kCease);
}

}  // namespace
}  // namespace floe::bgp
