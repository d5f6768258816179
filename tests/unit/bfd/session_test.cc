// RFC 5880 session: each §6.2 transition, timer negotiation (§6.8.2-§6.8.4), poll/final
// (§6.5), jitter (§6.8.7) with an injected random source, on a ManualClock.
#include "bfd/session.h"

#include <gtest/gtest.h>

namespace floe::bfd {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

JitterSource noJitter() {
  return [](uint32_t) { return 0u; };
}

ControlPacket peer(State s, uint32_t yourDiscr = 1, uint32_t txUs = 50'000, uint32_t rxUs = 50'000,
                   uint8_t mult = 3) {
  ControlPacket p;
  p.state = s;
  p.detectMult = mult;
  p.myDiscriminator = 99;
  p.yourDiscriminator = yourDiscr;
  p.desiredMinTxIntervalUs = txUs;
  p.requiredMinRxIntervalUs = rxUs;
  return p;
}

class BfdSession : public testing::Test {
 protected:
  // bfd_profile 50/50/3 as in the failover test.
  Session s_{1, Profile{50, 50, 3}, noJitter()};
  ManualClock clock_;

  void walkToUp() {
    (void)s_.start(clock_.now());
    (void)s_.onPacket(peer(State::kDown, 0), clock_.now());
    auto fx = s_.onPacket(peer(State::kUp), clock_.now());
    ASSERT_EQ(s_.state(), State::kUp);
  }
};

TEST_F(BfdSession, StartsInDownSendingAtMostOncePerSecond) {
  auto fx = s_.start(clock_.now());
  ASSERT_EQ(fx.send.size(), 1u);
  EXPECT_EQ(fx.send[0].state, State::kDown);
  EXPECT_EQ(fx.send[0].desiredMinTxIntervalUs, 1'000'000u);  // §6.8.3 slow start
  EXPECT_EQ(fx.send[0].requiredMinRxIntervalUs, 50'000u);
  EXPECT_EQ(fx.send[0].yourDiscriminator, 0u);
  // Remote min rx starts at 1 us (§6.8.1), so our own 1 s rules the interval.
  ASSERT_TRUE(fx.txAt);
  EXPECT_EQ(*fx.txAt - clock_.now(), milliseconds(1000));
  EXPECT_FALSE(fx.detectAt);
}

TEST_F(BfdSession, DownReceivingDownGoesInit) {
  (void)s_.start(clock_.now());
  auto fx = s_.onPacket(peer(State::kDown, 0), clock_.now());
  EXPECT_EQ(s_.state(), State::kInit);
  ASSERT_EQ(fx.changes.size(), 1u);
  EXPECT_EQ(fx.changes[0].from, State::kDown);
  EXPECT_EQ(s_.remoteDiscriminator(), 99u);
}

TEST_F(BfdSession, DownReceivingInitGoesUp) {
  (void)s_.onPacket(peer(State::kInit), clock_.now());
  EXPECT_EQ(s_.state(), State::kUp);
}

TEST_F(BfdSession, DownIgnoresUp) {
  auto fx = s_.onPacket(peer(State::kUp), clock_.now());
  EXPECT_EQ(s_.state(), State::kDown);
  EXPECT_TRUE(fx.changes.empty());
}

TEST_F(BfdSession, InitReceivingUpOrInitGoesUp) {
  (void)s_.onPacket(peer(State::kDown, 0), clock_.now());
  ASSERT_EQ(s_.state(), State::kInit);
  (void)s_.onPacket(peer(State::kUp), clock_.now());
  EXPECT_EQ(s_.state(), State::kUp);

  Session other(2, Profile{50, 50, 3}, noJitter());
  (void)other.onPacket(peer(State::kDown, 0), clock_.now());
  (void)other.onPacket(peer(State::kInit, 2), clock_.now());
  EXPECT_EQ(other.state(), State::kUp);
}

TEST_F(BfdSession, InitReceivingAdminDownGoesDown) {
  (void)s_.onPacket(peer(State::kDown, 0), clock_.now());
  (void)s_.onPacket(peer(State::kAdminDown), clock_.now());
  EXPECT_EQ(s_.state(), State::kDown);
  EXPECT_EQ(s_.localDiag(), Diagnostic::kNeighborSignaledSessionDown);
}

TEST_F(BfdSession, UpReceivingDownGoesDownNeighborSignaled) {
  walkToUp();
  auto fx = s_.onPacket(peer(State::kDown), clock_.now());
  EXPECT_EQ(s_.state(), State::kDown);
  ASSERT_EQ(fx.changes.size(), 1u);
  EXPECT_EQ(fx.changes[0].diag, Diagnostic::kNeighborSignaledSessionDown);
}

TEST_F(BfdSession, UpReceivingAdminDownGoesDown) {
  walkToUp();
  (void)s_.onPacket(peer(State::kAdminDown), clock_.now());
  EXPECT_EQ(s_.state(), State::kDown);
}

TEST_F(BfdSession, UpStaysUpOnInitAndUp) {
  walkToUp();
  EXPECT_TRUE(s_.onPacket(peer(State::kInit), clock_.now()).changes.empty());
  EXPECT_TRUE(s_.onPacket(peer(State::kUp), clock_.now()).changes.empty());
  EXPECT_EQ(s_.state(), State::kUp);
}

TEST_F(BfdSession, DetectionTimeExpiryTakesUpDown) {
  walkToUp();
  // 3 x max(50 ms ours, 50 ms theirs) = 150 ms.
  EXPECT_EQ(s_.detectionTimeUs(), 150'000u);
  clock_.advance(milliseconds(149));
  EXPECT_TRUE(s_.onTimer(clock_.now()).changes.empty());
  clock_.advance(milliseconds(1));
  auto fx = s_.onTimer(clock_.now());
  ASSERT_EQ(fx.changes.size(), 1u);
  EXPECT_EQ(fx.changes[0].to, State::kDown);
  EXPECT_EQ(fx.changes[0].diag, Diagnostic::kControlDetectionTimeExpired);
  EXPECT_EQ(s_.remoteDiscriminator(), 0u);
  EXPECT_FALSE(fx.detectAt);
}

TEST_F(BfdSession, PacketRestartsDetectionTimer) {
  walkToUp();
  clock_.advance(milliseconds(100));
  auto fx = s_.onPacket(peer(State::kUp), clock_.now());
  ASSERT_TRUE(fx.detectAt);
  EXPECT_EQ(*fx.detectAt - clock_.now(), milliseconds(150));
}

TEST_F(BfdSession, DetectionTimeUsesSlowerRemoteTxAndRemoteMultiplier) {
  (void)s_.onPacket(peer(State::kDown, 0, 300'000, 300'000, 5), clock_.now());
  EXPECT_EQ(s_.detectionTimeUs(), 5u * 300'000u);
}

TEST_F(BfdSession, TxIntervalIsLargerOfOursAndRemoteRequiredRx) {
  walkToUp();
  (void)s_.onPacket(peer(State::kUp, 1, 50'000, 200'000), clock_.now());
  EXPECT_EQ(s_.txIntervalUs(), 200'000u);
}

TEST_F(BfdSession, RemoteRequiredRxZeroStopsPeriodicTransmission) {
  (void)s_.start(clock_.now());
  auto fx = s_.onPacket(peer(State::kDown, 0, 50'000, 0), clock_.now());
  EXPECT_FALSE(fx.txAt);
  clock_.advance(milliseconds(5000));
  EXPECT_TRUE(s_.onTimer(clock_.now()).send.empty());
}

TEST_F(BfdSession, AnswersPollWithFinalAtOnce) {
  walkToUp();
  auto p = peer(State::kUp);
  p.poll = true;
  auto fx = s_.onPacket(p, clock_.now());
  ASSERT_FALSE(fx.send.empty());
  EXPECT_TRUE(fx.send[0].final);
  EXPECT_FALSE(fx.send[0].poll);
}

TEST_F(BfdSession, GoingUpPollsForFastRateAndFinalEndsPoll) {
  (void)s_.start(clock_.now());
  (void)s_.onPacket(peer(State::kDown, 0), clock_.now());
  auto fx = s_.onPacket(peer(State::kUp), clock_.now());
  ASSERT_EQ(s_.state(), State::kUp);
  EXPECT_TRUE(s_.pollActive());
  ASSERT_FALSE(fx.send.empty());
  EXPECT_TRUE(fx.send.back().poll);
  EXPECT_EQ(fx.send.back().desiredMinTxIntervalUs, 50'000u);  // out of slow start
  EXPECT_EQ(s_.txIntervalUs(), 50'000u);                      // a decrease applies at once
  auto fin = peer(State::kUp);
  fin.final = true;
  (void)s_.onPacket(fin, clock_.now());
  EXPECT_FALSE(s_.pollActive());
  clock_.advance(milliseconds(50));
  fx = s_.onTimer(clock_.now());
  ASSERT_EQ(fx.send.size(), 1u);
  EXPECT_FALSE(fx.send[0].poll);
}

TEST_F(BfdSession, SlowerProfileWaitsForFinal) {
  walkToUp();
  auto fin = peer(State::kUp);
  fin.final = true;
  (void)s_.onPacket(fin, clock_.now());
  ASSERT_FALSE(s_.pollActive());
  auto fx = s_.setProfile(Profile{300, 20, 3}, clock_.now());
  EXPECT_TRUE(s_.pollActive());
  ASSERT_EQ(fx.send.size(), 1u);
  EXPECT_TRUE(fx.send[0].poll);
  EXPECT_EQ(fx.send[0].desiredMinTxIntervalUs, 300'000u);
  EXPECT_EQ(s_.txIntervalUs(), 50'000u);      // increase waits (§6.8.3)
  EXPECT_EQ(s_.detectionTimeUs(), 150'000u);  // reduced rx waits too
  (void)s_.onPacket(fin, clock_.now());
  EXPECT_FALSE(s_.pollActive());
  EXPECT_EQ(s_.txIntervalUs(), 300'000u);
  EXPECT_EQ(s_.detectionTimeUs(), 150'000u);  // max(20 ms, remote 50 ms) x 3
}

TEST_F(BfdSession, JitterReducesIntervalByAtMostAQuarter) {
  uint32_t asked = 0;
  Session s(1, Profile{1000, 1000, 3}, [&](uint32_t bound) {
    asked = bound;
    return bound - 1;
  });
  auto fx = s.start(clock_.now());
  EXPECT_EQ(asked, 26u);  // 0..25 %
  EXPECT_EQ(*fx.txAt - clock_.now(), milliseconds(750));
}

TEST_F(BfdSession, JitterWithDetectMultOneIsTenToTwentyFivePercent) {
  Session s(1, Profile{1000, 1000, 1}, [](uint32_t) { return 0u; });
  auto fx = s.start(clock_.now());
  EXPECT_EQ(*fx.txAt - clock_.now(), milliseconds(900));
}

TEST_F(BfdSession, DiscardsPacketForAnotherDiscriminator) {
  auto fx = s_.onPacket(peer(State::kInit, 7), clock_.now());
  EXPECT_EQ(s_.state(), State::kDown);
  EXPECT_EQ(s_.lastDiscard(), Discard::kWrongDiscriminator);
}

TEST_F(BfdSession, DiscardsAuthenticatedPacketWithoutConfiguredAuth) {
  auto p = peer(State::kInit);
  p.authPresent = true;
  (void)s_.onPacket(p, clock_.now());
  EXPECT_EQ(s_.state(), State::kDown);
  EXPECT_EQ(s_.lastDiscard(), Discard::kAuthenticationPresent);
}

TEST_F(BfdSession, AdminDownSendsAdminDownAndIgnoresPeer) {
  walkToUp();
  auto fx = s_.adminDown(clock_.now());
  EXPECT_EQ(s_.state(), State::kAdminDown);
  ASSERT_FALSE(fx.send.empty());
  EXPECT_EQ(fx.send.back().state, State::kAdminDown);
  EXPECT_EQ(fx.send.back().diag, Diagnostic::kAdministrativelyDown);
  EXPECT_FALSE(fx.detectAt);
  (void)s_.onPacket(peer(State::kInit), clock_.now());
  EXPECT_EQ(s_.state(), State::kAdminDown);
  (void)s_.adminUp(clock_.now());
  EXPECT_EQ(s_.state(), State::kDown);
}

TEST_F(BfdSession, TwoSessionsHandshakeToUp) {
  Session a(10, Profile{50, 50, 3}, noJitter());
  Session b(20, Profile{50, 50, 3}, noJitter());
  auto fa = a.start(clock_.now());
  auto fb = b.start(clock_.now());
  for (int round = 0; round < 4; ++round) {
    Effects na, nb;
    for (const auto& p : fa.send) nb = b.onPacket(p, clock_.now());
    for (const auto& p : fb.send) na = a.onPacket(p, clock_.now());
    fa = na;
    fb = nb;
  }
  EXPECT_EQ(a.state(), State::kUp);
  EXPECT_EQ(b.state(), State::kUp);
}

}  // namespace
}  // namespace floe::bfd
