// ReplayWindow (src/ha/replay.h): the replay and restart rule of docs/ha-protocol.md "Replay".
#include "ha/replay.h"

#include <gtest/gtest.h>

#include "common/clock.h"

namespace floe::ha {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kDead{1000};

TEST(ReplayWindow, AcceptsFirstThenOnlyNewerSequences) {
  ManualClock clock;
  ReplayWindow w(kDead);
  EXPECT_EQ(w.check(100, 5, clock.now()), ReplayVerdict::kAccepted);
  EXPECT_EQ(w.check(100, 6, clock.now()), ReplayVerdict::kAccepted);
  EXPECT_EQ(w.check(100, 9, clock.now()), ReplayVerdict::kAccepted);  // gaps: other paths
  EXPECT_EQ(w.check(100, 9, clock.now()), ReplayVerdict::kReplayed);
  EXPECT_EQ(w.check(100, 7, clock.now()), ReplayVerdict::kReplayed);
  EXPECT_EQ(w.check(100, 10, clock.now()), ReplayVerdict::kAccepted);
}

TEST(ReplayWindow, LaterBootResetsAtOnce) {
  ManualClock clock;
  ReplayWindow w(kDead);
  EXPECT_EQ(w.check(100, 500, clock.now()), ReplayVerdict::kAccepted);
  EXPECT_EQ(w.check(200, 1, clock.now()), ReplayVerdict::kNewBoot);
  EXPECT_EQ(w.check(200, 2, clock.now()), ReplayVerdict::kAccepted);
}

TEST(ReplayWindow, ReplayedOldBootIsRefusedWhileCurrentBootIsAlive) {
  ManualClock clock;
  ReplayWindow w(kDead);
  EXPECT_EQ(w.check(100, 500, clock.now()), ReplayVerdict::kAccepted);
  EXPECT_EQ(w.check(200, 1, clock.now()), ReplayVerdict::kNewBoot);
  clock.advance(milliseconds(999));
  EXPECT_EQ(w.check(100, 501, clock.now()), ReplayVerdict::kOldBoot);
  EXPECT_EQ(w.check(200, 2, clock.now()), ReplayVerdict::kAccepted);
}

TEST(ReplayWindow, EarlierBootAcceptedOnlyAfterCurrentBootWasSilentForDeadInterval) {
  ManualClock clock;
  ReplayWindow w(kDead);
  EXPECT_EQ(w.check(200, 7, clock.now()), ReplayVerdict::kAccepted);
  clock.advance(milliseconds(500));
  EXPECT_EQ(w.check(100, 1, clock.now()), ReplayVerdict::kOldBoot);  // refused: no update
  clock.advance(milliseconds(500));  // 1000 ms since the last accepted one
  EXPECT_EQ(w.check(100, 1, clock.now()), ReplayVerdict::kNewBoot);  // clock went back
  EXPECT_EQ(w.check(200, 8, clock.now()), ReplayVerdict::kNewBoot);  // a later boot still wins
}

TEST(ReplayWindow, RefusedHeartbeatDoesNotMoveTheWindow) {
  ManualClock clock;
  ReplayWindow w(kDead);
  EXPECT_EQ(w.check(100, 5, clock.now()), ReplayVerdict::kAccepted);
  EXPECT_EQ(w.check(100, 3, clock.now()), ReplayVerdict::kReplayed);
  EXPECT_EQ(w.check(100, 4, clock.now()), ReplayVerdict::kReplayed);
  EXPECT_TRUE(accepted(ReplayVerdict::kNewBoot));
  EXPECT_FALSE(accepted(ReplayVerdict::kOldBoot));
}

}  // namespace
}  // namespace floe::ha
