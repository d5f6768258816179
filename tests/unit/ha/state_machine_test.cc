// The HA state machine (src/ha/state_machine.h), one test per table row at least: walk to a
// state with a ManualClock and hand-delivered heartbeats (no sockets, threads or sleeps), then
// check the row that ran and the invariants (role, effects, next timer).
#include "ha/state_machine.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/clock.h"

namespace floe::ha {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kInterval{100};
constexpr int kDeadCount = 10;
constexpr milliseconds kDead = kInterval * kDeadCount;

// One SE: its machine, its boot and heartbeat sequence (the caller's part of a heartbeat).
struct Se {
  Se(std::string name, bool first, uint8_t priority = 0, size_t paths = 1, uint64_t boot = 1)
      : sm(StateMachine::Config{name, priority, first, kInterval, kDeadCount, paths, "g", ""}),
        boot_id(boot) {}
  Heartbeat hb() {
    Heartbeat h = sm.outgoing();
    h.boot_id = boot_id;
    h.sequence = ++sequence;
    return h;
  }
  StateMachine sm;
  uint64_t boot_id;
  uint64_t sequence = 0;
};

// Invariants every effect keeps: the next timer is no later than one interval away.
void checkTimer(const Effects& e, SteadyTime now) {
  EXPECT_GE(e.next_timer, now);
  EXPECT_LE(e.next_timer, now + kInterval);
}

Effects deliver(Se& from, Se& to, ManualClock& clock, size_t path = 0) {
  Effects e = to.sm.onHeartbeat(from.hb(), path, clock.now());
  checkTimer(e, clock.now());
  return e;
}

class HaTest : public ::testing::Test {
 protected:
  // se1 listed first; se2 second. Both all up (1 of 1).
  void SetUp() override {
    for (Se* s : {&a, &b}) (void)s->sm.onLocalHealth(1, 1, false, clock.now());
  }
  // a active (listened alone), b standby after hearing it.
  void activeStandby() {
    (void)a.sm.start(clock.now());
    clock.advance(kDead);
    ASSERT_EQ(a.sm.onTimer(clock.now()).become, Role::kActive);
    (void)b.sm.start(clock.now());
    ASSERT_EQ(deliver(a, b, clock).become, Role::kStandby);
    (void)deliver(b, a, clock);
  }
  ManualClock clock;
  Se a{"se1", true};
  Se b{"se2", false, 0, 1, 2};
};

TEST_F(HaTest, InitStartListensAndAnnounces) {
  Effects e = a.sm.start(clock.now());
  EXPECT_EQ(e.row, "init-start");
  EXPECT_TRUE(e.send_now);
  EXPECT_FALSE(e.become.has_value());
  EXPECT_EQ(a.sm.role(), Role::kInit);
  EXPECT_EQ(a.sm.outgoing().role, Role::kInit);
  checkTimer(e, clock.now());
}

// A heartbeat that arrives before start() (the socket opened first) starts the machine; the
// later start() changes nothing.
TEST_F(HaTest, HeartbeatBeforeStartThenStartIsHarmless) {
  (void)a.sm.start(clock.now());
  EXPECT_EQ(deliver(a, b, clock).row, "init-loses-election");
  Effects e = b.sm.start(clock.now());
  EXPECT_EQ(e.row, "any-start-again");
  EXPECT_FALSE(e.become.has_value());
  EXPECT_EQ(b.sm.role(), Role::kStandby);
}

TEST_F(HaTest, InitListensForDeadIntervalBeforeClaimingActive) {
  (void)a.sm.start(clock.now());
  for (int i = 1; i < kDeadCount; ++i) {
    clock.advance(kInterval);
    Effects e = a.sm.onTimer(clock.now());
    EXPECT_EQ(e.row, "init-listening");
    EXPECT_EQ(a.sm.state(), State::kInit);
  }
  clock.advance(kInterval);
  Effects e = a.sm.onTimer(clock.now());
  EXPECT_EQ(e.row, "init-listen-expired");
  EXPECT_EQ(e.become, Role::kActive);
  EXPECT_TRUE(e.send_now);
  EXPECT_EQ(a.sm.term(), 1u);
  EXPECT_EQ(a.sm.status(clock.now()).cause, Cause::kNoPeerHeard);
}

TEST_F(HaTest, InitHearingActivePeerBecomesStandby) {
  activeStandby();
  EXPECT_EQ(b.sm.state(), State::kStandby);
  EXPECT_EQ(b.sm.status(clock.now()).cause, Cause::kPeerActive);
}

TEST_F(HaTest, InitHearingGoodbyeClaimsAtOnce) {
  (void)a.sm.start(clock.now());
  (void)b.sm.start(clock.now());
  (void)b.sm.onShutdown(clock.now());
  Effects e = deliver(b, a, clock);
  EXPECT_EQ(e.row, "init-peer-goodbye");
  EXPECT_EQ(e.become, Role::kActive);
}

// Both start at once: whatever order the first heartbeats cross in, exactly se1 ends active.
TEST_F(HaTest, SimultaneousStartElectsFirstListed) {
  (void)a.sm.start(clock.now());
  (void)b.sm.start(clock.now());
  Heartbeat from_a = a.hb();
  Heartbeat from_b = b.hb();
  Effects ea = a.sm.onHeartbeat(from_b, 0, clock.now());
  Effects eb = b.sm.onHeartbeat(from_a, 0, clock.now());
  EXPECT_EQ(ea.row, "init-wins-election");
  EXPECT_EQ(eb.row, "init-loses-election");
  EXPECT_EQ(ea.become, Role::kActive);
  EXPECT_EQ(eb.become, Role::kStandby);
  for (int i = 0; i < 30; ++i) {
    clock.advance(kInterval);
    (void)deliver(a, b, clock);
    (void)deliver(b, a, clock);
    (void)a.sm.onTimer(clock.now());
    (void)b.sm.onTimer(clock.now());
  }
  EXPECT_EQ(a.sm.role(), Role::kActive);
  EXPECT_EQ(b.sm.role(), Role::kStandby);
}

TEST_F(HaTest, LowerHaPriorityWinsOverFirstListed) {
  Se low{"se2", false, /*priority=*/1};
  Se high{"se1", true, /*priority=*/9};
  (void)low.sm.start(clock.now());
  (void)high.sm.start(clock.now());
  EXPECT_EQ(deliver(high, low, clock).become, Role::kActive);
  EXPECT_EQ(deliver(low, high, clock).become, Role::kStandby);
}

TEST_F(HaTest, DegradedSeLosesElection) {
  (void)a.sm.onLocalHealth(0, 1, true, clock.now());
  (void)a.sm.start(clock.now());
  (void)b.sm.start(clock.now());
  EXPECT_EQ(deliver(a, b, clock).become, Role::kActive);
  EXPECT_EQ(deliver(b, a, clock).become, Role::kStandby);
}

TEST_F(HaTest, SwitchoverRefusedWhenNotActive) {
  (void)a.sm.start(clock.now());
  Effects e = a.sm.onSwitchover(clock.now());
  EXPECT_EQ(e.row, "init-switchover-refused");
  EXPECT_TRUE(e.refused);
  EXPECT_NE(e.cause.find("not ACTIVE"), std::string::npos);
  activeStandby();
  e = b.sm.onSwitchover(clock.now());
  EXPECT_EQ(e.row, "standby-switchover-refused");
  EXPECT_TRUE(e.refused);
  EXPECT_EQ(b.sm.role(), Role::kStandby);
}

TEST_F(HaTest, ShutdownFromAnyStateSaysGoodbye) {
  activeStandby();
  Effects e = a.sm.onShutdown(clock.now());
  EXPECT_EQ(e.row, "any-shutdown");
  EXPECT_EQ(e.become, Role::kLeaving);
  EXPECT_TRUE(e.send_now);
  EXPECT_EQ(a.sm.outgoing().role, Role::kLeaving);
  e = b.sm.onShutdown(clock.now());
  EXPECT_EQ(e.become, Role::kLeaving);
}

TEST_F(HaTest, LeavingIgnoresEverything) {
  activeStandby();
  (void)a.sm.onShutdown(clock.now());
  for (Effects e : {deliver(b, a, clock), a.sm.onTimer(clock.now()), a.sm.onSwitchover(clock.now()),
                    a.sm.onLocalHealth(0, 1, true, clock.now())}) {
    EXPECT_EQ(e.row, "leaving-ignores-all");
    EXPECT_FALSE(e.become.has_value());
  }
  EXPECT_EQ(a.sm.state(), State::kLeaving);
}

TEST_F(HaTest, HealthChangeSendsAtOnceAndIsCarried) {
  activeStandby();
  Effects e = a.sm.onLocalHealth(1, 2, true, clock.now());
  EXPECT_EQ(e.row, "any-health-changed");
  EXPECT_TRUE(e.send_now);
  EXPECT_FALSE(e.become.has_value());
  EXPECT_TRUE(a.sm.outgoing().degraded);
  EXPECT_EQ(a.sm.outgoing().interfaces_up, 1);
  e = a.sm.onLocalHealth(1, 2, true, clock.now());
  EXPECT_EQ(e.row, "any-health-same");
  EXPECT_FALSE(e.send_now);
}

TEST_F(HaTest, OutOfOrderHeartbeatDecidesNothing) {
  activeStandby();
  // b hears a (active) with sequence 10, then a delayed one from another path saying LEAVING.
  Heartbeat old = a.hb();
  old.role = Role::kLeaving;
  (void)deliver(a, b, clock);
  Effects e = b.sm.onHeartbeat(old, 0, clock.now());
  EXPECT_EQ(e.row, "any-stale-heartbeat");
  EXPECT_EQ(b.sm.role(), Role::kStandby);
}

TEST_F(HaTest, StandbyTakesOverAtOnceOnGoodbye) {
  activeStandby();
  clock.advance(milliseconds(30));
  (void)a.sm.onShutdown(clock.now());
  Effects e = deliver(a, b, clock);
  EXPECT_EQ(e.row, "standby-peer-goodbye");
  EXPECT_EQ(e.become, Role::kActive);
  EXPECT_EQ(b.sm.status(clock.now()).cause, Cause::kPeerGoodbye);
}

TEST_F(HaTest, StandbyStaysWhileActiveHeard) {
  activeStandby();
  for (int i = 0; i < 50; ++i) {
    clock.advance(kInterval);
    EXPECT_EQ(deliver(a, b, clock).row, "standby-peer-active");
    Effects t = b.sm.onTimer(clock.now());
    EXPECT_EQ(t.row, "standby-waiting");
    checkTimer(t, clock.now());
  }
  EXPECT_EQ(b.sm.role(), Role::kStandby);
}

TEST_F(HaTest, StandbyTakesOverAfterDeadIntervalOfSilence) {
  activeStandby();
  const SteadyTime last = clock.now();
  for (int i = 1; i < kDeadCount; ++i) {
    clock.advance(kInterval);
    EXPECT_EQ(b.sm.onTimer(clock.now()).row, "standby-waiting");
  }
  clock.advance(kInterval - milliseconds(1));
  EXPECT_EQ(b.sm.onTimer(clock.now()).row, "standby-waiting");
  clock.advance(milliseconds(1));
  ASSERT_EQ(clock.now() - last, kDead);
  Effects e = b.sm.onTimer(clock.now());
  EXPECT_EQ(e.row, "standby-peer-dead");
  EXPECT_EQ(e.become, Role::kActive);
  EXPECT_EQ(b.sm.term(), 2u);  // a claimed term 1
}

TEST_F(HaTest, StandbyNextTimerIsTheDeadline) {
  activeStandby();
  clock.advance(kDead - milliseconds(30));
  Effects e = b.sm.onTimer(clock.now());
  EXPECT_EQ(e.next_timer, clock.now() + milliseconds(30));
}

TEST_F(HaTest, OnePathCutNoTakeoverBothCutTakeover) {
  Se a2{"se1", true, 0, 2, 1};
  Se b2{"se2", false, 0, 2, 2};
  (void)a2.sm.start(clock.now());
  clock.advance(kDead);
  ASSERT_EQ(a2.sm.onTimer(clock.now()).become, Role::kActive);
  (void)b2.sm.start(clock.now());
  ASSERT_EQ(deliver(a2, b2, clock, 0).become, Role::kStandby);
  for (int i = 0; i < 30; ++i) {  // path 0 cut: only path 1 carries heartbeats
    clock.advance(kInterval);
    (void)deliver(a2, b2, clock, 1);
    EXPECT_FALSE(b2.sm.onTimer(clock.now()).become.has_value());
  }
  const auto status = b2.sm.status(clock.now());
  EXPECT_EQ(toJson(status, clock.now())["peer"]["paths"][0]["ms_since"], 3000);
  EXPECT_EQ(toJson(status, clock.now())["peer"]["paths"][1]["ms_since"], 0);
  clock.advance(kDead);  // both cut
  EXPECT_EQ(b2.sm.onTimer(clock.now()).become, Role::kActive);
}

TEST_F(HaTest, SwitchoverHandsOverWithinOneExchange) {
  activeStandby();
  Effects e = a.sm.onSwitchover(clock.now());
  EXPECT_EQ(e.row, "active-switchover");
  EXPECT_TRUE(e.send_now);
  EXPECT_FALSE(e.become.has_value());  // still holds the addresses
  EXPECT_EQ(a.sm.state(), State::kHandingOver);
  EXPECT_TRUE(a.sm.outgoing().takeover_request);
  EXPECT_EQ(a.sm.outgoing().role, Role::kActive);
  e = deliver(a, b, clock);
  EXPECT_EQ(e.row, "standby-takeover-request");
  EXPECT_EQ(e.become, Role::kActive);
  EXPECT_TRUE(e.send_now);
  e = deliver(b, a, clock);
  EXPECT_EQ(e.row, "handover-peer-active");
  EXPECT_EQ(e.become, Role::kStandby);
  EXPECT_EQ(a.sm.status(clock.now()).cause, Cause::kSwitchoverDone);
  // No failback afterwards.
  for (int i = 0; i < 30; ++i) {
    clock.advance(kInterval);
    (void)deliver(a, b, clock);
    (void)deliver(b, a, clock);
  }
  EXPECT_EQ(a.sm.role(), Role::kStandby);
  EXPECT_EQ(b.sm.role(), Role::kActive);
}

TEST_F(HaTest, SwitchoverRefusedWithoutHealthyStandby) {
  (void)a.sm.start(clock.now());
  clock.advance(kDead);
  (void)a.sm.onTimer(clock.now());
  Effects e = a.sm.onSwitchover(clock.now());
  EXPECT_EQ(e.row, "active-switchover-refused");
  EXPECT_TRUE(e.refused);
  EXPECT_NE(e.cause.find("no healthy standby"), std::string::npos);
  EXPECT_EQ(a.sm.state(), State::kActive);
  (void)b.sm.onLocalHealth(0, 1, true, clock.now());
  (void)b.sm.start(clock.now());
  (void)deliver(a, b, clock);
  (void)deliver(b, a, clock);  // b standby but degraded
  EXPECT_TRUE(a.sm.onSwitchover(clock.now()).refused);
}

TEST_F(HaTest, SwitchoverExpiresWhenPeerNeverTakesOver) {
  activeStandby();
  (void)a.sm.onSwitchover(clock.now());
  for (int i = 1; i < kDeadCount; ++i) {
    clock.advance(kInterval);
    EXPECT_EQ(a.sm.onTimer(clock.now()).row, "handover-waiting");
    EXPECT_EQ(deliver(b, a, clock).row, "handover-peer-not-active");  // b still standby
  }
  EXPECT_EQ(a.sm.onSwitchover(clock.now()).row, "handover-switchover-again");
  clock.advance(kInterval);
  Effects e = a.sm.onTimer(clock.now());
  EXPECT_EQ(e.row, "handover-expired");
  EXPECT_FALSE(e.become.has_value());  // was active all along
  EXPECT_EQ(a.sm.state(), State::kActive);
  EXPECT_FALSE(a.sm.outgoing().takeover_request);
  EXPECT_EQ(a.sm.status(clock.now()).cause, Cause::kSwitchoverFailed);
}

TEST_F(HaTest, DegradedActiveHandsOverToFullyUpStandby) {
  activeStandby();
  (void)a.sm.onLocalHealth(0, 1, true, clock.now());
  Effects e = deliver(a, b, clock);
  EXPECT_EQ(e.row, "standby-peer-degraded");
  EXPECT_EQ(e.become, Role::kActive);
  e = deliver(b, a, clock);
  EXPECT_EQ(e.row, "active-split-brain-yields");
  EXPECT_EQ(e.become, Role::kStandby);
  // Link back up: a stays standby (no failback).
  (void)a.sm.onLocalHealth(1, 1, false, clock.now());
  EXPECT_EQ(deliver(b, a, clock).row, "standby-peer-active");
}

TEST_F(HaTest, StandbyNeverTakesOverFromHealthierOrEquallyDegradedActive) {
  activeStandby();
  (void)b.sm.onLocalHealth(0, 1, true, clock.now());
  EXPECT_EQ(deliver(a, b, clock).row, "standby-peer-active");  // active healthy, we are not
  (void)a.sm.onLocalHealth(0, 1, true, clock.now());
  EXPECT_EQ(deliver(a, b, clock).row, "standby-peer-active");  // both degraded
  EXPECT_EQ(b.sm.role(), Role::kStandby);
}

TEST_F(HaTest, StandbyElectionAgainstStandbyPeer) {
  // Both standby (e.g. after a switchover that then failed on the other side): se1 wins.
  activeStandby();
  (void)a.sm.onSwitchover(clock.now());
  (void)deliver(a, b, clock);  // b active
  (void)deliver(b, a, clock);  // a standby
  (void)b.sm.onShutdown(clock.now());
  Se c{"se2", false, 0, 1, 3};  // se2 restarted, comes back in INIT
  (void)c.sm.start(clock.now());
  Effects e = deliver(c, a, clock);
  // a hears a new boot of se2 in INIT: neither active, a wins the election.
  EXPECT_EQ(e.row, "standby-wins-election");
  EXPECT_EQ(e.become, Role::kActive);
  EXPECT_EQ(deliver(a, c, clock).become, Role::kStandby);
}

TEST_F(HaTest, StandbyLosesElectionStaysStandby) {
  Se s1{"se1", true, 0, 1, 1};
  Se s2{"se2", false, 0, 1, 2};
  (void)s2.sm.start(clock.now());
  (void)s1.sm.start(clock.now());
  (void)deliver(s1, s2, clock);  // s2 loses: standby
  ASSERT_EQ(s2.sm.state(), State::kStandby);
  Heartbeat standby_s1 = s1.hb();
  standby_s1.role = Role::kStandby;
  EXPECT_EQ(s2.sm.onHeartbeat(standby_s1, 0, clock.now()).row, "standby-loses-election");
}

TEST_F(HaTest, ActiveIgnoresStandbyPeerAndTimers) {
  activeStandby();
  EXPECT_EQ(deliver(b, a, clock).row, "active-peer-not-active");
  clock.advance(kDead * 5);  // peer silent: an active stays active
  Effects e = a.sm.onTimer(clock.now());
  EXPECT_EQ(e.row, "active-timer");
  EXPECT_EQ(a.sm.role(), Role::kActive);
}

// Partition: b takes over (term 2) while a stays active (term 1). Heal: the newer claim holds,
// a yields at once (removing its addresses first), b re-announces.
TEST_F(HaTest, PartitionHealNewerClaimKeepsActive) {
  activeStandby();
  clock.advance(kDead);
  ASSERT_EQ(b.sm.onTimer(clock.now()).become, Role::kActive);
  ASSERT_EQ(a.sm.role(), Role::kActive);
  Heartbeat from_a = a.hb();
  Heartbeat from_b = b.hb();
  Effects eb = b.sm.onHeartbeat(from_a, 0, clock.now());
  Effects ea = a.sm.onHeartbeat(from_b, 0, clock.now());
  EXPECT_EQ(eb.row, "active-split-brain-holds");
  EXPECT_TRUE(eb.announce);
  EXPECT_TRUE(eb.send_now);
  EXPECT_EQ(ea.row, "active-split-brain-yields");
  EXPECT_EQ(ea.become, Role::kStandby);
  EXPECT_EQ(a.sm.status(clock.now()).cause, Cause::kSplitBrain);
  EXPECT_EQ(deliver(b, a, clock).row, "standby-peer-active");
}

// Partitioned from the start: both claim term 1. Heal: equal claims, the election decides.
TEST_F(HaTest, PartitionHealEqualClaimsElectionDecides) {
  (void)a.sm.start(clock.now());
  (void)b.sm.start(clock.now());
  clock.advance(kDead);
  ASSERT_EQ(a.sm.onTimer(clock.now()).become, Role::kActive);
  ASSERT_EQ(b.sm.onTimer(clock.now()).become, Role::kActive);
  ASSERT_EQ(a.sm.term(), b.sm.term());
  Heartbeat from_a = a.hb();
  Heartbeat from_b = b.hb();
  EXPECT_EQ(a.sm.onHeartbeat(from_b, 0, clock.now()).row, "active-split-brain-holds");
  Effects eb = b.sm.onHeartbeat(from_a, 0, clock.now());
  EXPECT_EQ(eb.row, "active-split-brain-yields");
  EXPECT_EQ(eb.become, Role::kStandby);
}

// SIGSTOP on the active for 3 s: b takes over; SIGCONT: a's first timer finds itself active,
// then hears b's newer claim and yields; b never yields.
TEST_F(HaTest, HungThenResumedActiveYieldsNotFights) {
  activeStandby();
  for (int i = 0; i < 30; ++i) {  // a hung: no calls into a at all
    clock.advance(kInterval);
    Effects e = b.sm.onTimer(clock.now());
    if (e.become) {
      EXPECT_EQ(*e.become, Role::kActive);
    }
  }
  ASSERT_EQ(b.sm.role(), Role::kActive);
  EXPECT_EQ(a.sm.onTimer(clock.now()).row, "active-timer");  // resumed
  Effects eb = deliver(a, b, clock);
  EXPECT_EQ(eb.row, "active-split-brain-holds");
  EXPECT_FALSE(eb.become.has_value());
  Effects ea = deliver(b, a, clock);
  EXPECT_EQ(ea.row, "active-split-brain-yields");
  EXPECT_EQ(ea.become, Role::kStandby);
  for (int i = 0; i < 30; ++i) {
    clock.advance(kInterval);
    (void)deliver(a, b, clock);
    (void)deliver(b, a, clock);
  }
  EXPECT_EQ(a.sm.role(), Role::kStandby);
  EXPECT_EQ(b.sm.role(), Role::kActive);
}

// The standby's own loop stalls longer than the dead interval (overload): on resume it does not
// count the silence it did not watch; it listens a full dead interval again.
TEST_F(HaTest, StalledStandbyDoesNotTakeOverOnResume) {
  activeStandby();
  clock.advance(kDead * 2);
  Effects e = b.sm.onTimer(clock.now());
  EXPECT_EQ(e.row, "standby-waiting");
  EXPECT_EQ(b.sm.role(), Role::kStandby);
  (void)deliver(a, b, clock);  // queued heartbeat from the live active
  clock.advance(kDead - milliseconds(1));
  EXPECT_EQ(b.sm.onTimer(clock.now()).row, "standby-waiting");
}

TEST_F(HaTest, IgnoresOtherGroupSelfOtherEngineAndBadPath) {
  activeStandby();
  Heartbeat h = a.hb();
  h.group = "other";
  h.role = Role::kLeaving;
  EXPECT_EQ(b.sm.onHeartbeat(h, 0, clock.now()).ignored, Ignored::kWrongGroup);
  Heartbeat self = b.hb();
  self.role = Role::kLeaving;
  EXPECT_EQ(b.sm.onHeartbeat(self, 0, clock.now()).ignored, Ignored::kSelf);
  Heartbeat third = a.hb();
  third.engine = "se3";
  third.role = Role::kLeaving;
  EXPECT_EQ(b.sm.onHeartbeat(third, 0, clock.now()).ignored, Ignored::kOtherEngine);
  Heartbeat leave = a.hb();
  leave.role = Role::kLeaving;
  EXPECT_EQ(b.sm.onHeartbeat(leave, 1, clock.now()).ignored, Ignored::kBadPath);
  EXPECT_EQ(b.sm.role(), Role::kStandby);
  // Ignored heartbeats do not keep a dead peer alive.
  for (int i = 0; i < kDeadCount; ++i) {
    clock.advance(kInterval);
    Heartbeat g = a.hb();
    g.group = "other";
    (void)b.sm.onHeartbeat(g, 0, clock.now());
  }
  EXPECT_EQ(b.sm.onTimer(clock.now()).become, Role::kActive);
}

TEST_F(HaTest, StatusJsonShowsStatePeerPathsAndLastTransition) {
  activeStandby();
  Heartbeat h = a.hb();
  h.config_generation = 12;
  (void)b.sm.onHeartbeat(h, 0, clock.now());
  clock.advance(milliseconds(250));
  const auto j = toJson(b.sm.status(clock.now()), clock.now());
  EXPECT_EQ(j["ha_state"], "STANDBY");
  EXPECT_EQ(j["peer"]["name"], "se1");
  EXPECT_EQ(j["peer"]["role"], "ACTIVE");
  EXPECT_EQ(j["peer"]["alive"], true);
  EXPECT_EQ(j["peer"]["config_generation"], 12);
  EXPECT_EQ(j["peer"]["paths"][0]["role"], "ACTIVE");
  EXPECT_EQ(j["peer"]["paths"][0]["ms_since"], 250);
  EXPECT_EQ(j["last_transition"]["cause"], "PEER_ACTIVE");
  EXPECT_EQ(j["last_transition"]["ms_ago"], 250);
  const auto c = toJson(Counters{1, 2, 3, 4, 5, 6});
  EXPECT_EQ(c["bad_hmac"], 3);
  EXPECT_EQ(c["wrong_group"], 5);
}

// The table itself: unique row names; every (state, event) pair an input can produce ends in an
// unguarded row, so no input falls through; every row is exercised by a test above (listed).
TEST(HaTable, EveryStateEventPairHasAFallbackRowAndNamesAreUnique) {
  std::set<std::string_view> names;
  for (const Row& r : transitionTable()) EXPECT_TRUE(names.insert(r.name).second) << r.name;
  for (State s :
       {State::kInit, State::kStandby, State::kActive, State::kHandingOver, State::kLeaving}) {
    for (Event e : {Event::kStart, Event::kHeartbeat, Event::kStaleHeartbeat, Event::kTimer,
                    Event::kLocalHealth, Event::kSwitchover, Event::kShutdown}) {
      bool fallback = false;
      for (const Row& r : transitionTable()) {
        const bool state_ok = r.any_state ? s != State::kLeaving : r.from == s;
        if (state_ok && (r.event == e || r.event == Event::kAny) && r.guard == nullptr) {
          fallback = true;
          break;
        }
      }
      EXPECT_TRUE(fallback) << stateName(s) << " x " << eventName(e);
    }
  }
}

TEST(HaTable, EveryRowIsCoveredByANamedTest) {
  // Rows this file checks by name (EXPECT_EQ(e.row, ...)); a new row must get a test.
  const std::set<std::string_view> covered = {"leaving-ignores-all",
                                              "any-stale-heartbeat",
                                              "any-health-changed",
                                              "any-health-same",
                                              "any-shutdown",
                                              "init-start",
                                              "any-start-again",
                                              "init-peer-goodbye",
                                              "init-peer-active",
                                              "init-wins-election",
                                              "init-loses-election",
                                              "init-listen-expired",
                                              "init-listening",
                                              "init-switchover-refused",
                                              "standby-peer-goodbye",
                                              "standby-takeover-request",
                                              "standby-peer-degraded",
                                              "standby-peer-active",
                                              "standby-wins-election",
                                              "standby-loses-election",
                                              "standby-peer-dead",
                                              "standby-waiting",
                                              "standby-switchover-refused",
                                              "active-split-brain-yields",
                                              "active-split-brain-holds",
                                              "active-peer-not-active",
                                              "active-timer",
                                              "active-switchover",
                                              "active-switchover-refused",
                                              "handover-peer-active",
                                              "handover-peer-not-active",
                                              "handover-expired",
                                              "handover-waiting",
                                              "handover-switchover-again"};
  for (const Row& r : transitionTable()) EXPECT_TRUE(covered.count(r.name)) << r.name;
  EXPECT_EQ(covered.size(), transitionTable().size());
}

}  // namespace
}  // namespace floe::ha
