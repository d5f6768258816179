#include "proxy/health_state.h"

#include <gtest/gtest.h>

#include <vector>

namespace floe::proxy {
namespace {

TEST(HealthState, StartsUnknown) {
  HealthState h(2, 2);
  EXPECT_EQ(h.verdict(), Verdict::kUnknown);
}

TEST(HealthState, FirstSuccessDecidesUpImmediately) {
  HealthState h(3, 3);
  EXPECT_TRUE(h.onResult(true));
  EXPECT_EQ(h.verdict(), Verdict::kUp);
}

TEST(HealthState, FirstFailureDecidesDownImmediately) {
  HealthState h(3, 3);
  EXPECT_TRUE(h.onResult(false));
  EXPECT_EQ(h.verdict(), Verdict::kDown);
}

TEST(HealthState, GoesDownAfterFailedChecksConsecutiveFailures) {
  HealthState h(2, 3);
  h.onResult(true);
  EXPECT_FALSE(h.onResult(false));
  EXPECT_FALSE(h.onResult(false));
  EXPECT_EQ(h.verdict(), Verdict::kUp);
  EXPECT_TRUE(h.onResult(false));
  EXPECT_EQ(h.verdict(), Verdict::kDown);
  EXPECT_EQ(h.consecutiveFailures(), 3U);
}

TEST(HealthState, SuccessResetsTheFailureCount) {
  HealthState h(2, 2);
  h.onResult(true);
  h.onResult(false);
  h.onResult(true);
  EXPECT_FALSE(h.onResult(false));
  EXPECT_EQ(h.verdict(), Verdict::kUp);
}

TEST(HealthState, ComesBackUpAfterSuccessfulChecksConsecutiveSuccesses) {
  HealthState h(2, 1);
  h.onResult(false);
  EXPECT_FALSE(h.onResult(true));
  EXPECT_EQ(h.verdict(), Verdict::kDown);
  EXPECT_TRUE(h.onResult(true));
  EXPECT_EQ(h.verdict(), Verdict::kUp);
}

TEST(HealthState, TreatsZeroChecksAsOne) {
  HealthState h(0, 0);
  h.onResult(true);
  EXPECT_TRUE(h.onResult(false));
  EXPECT_TRUE(h.onResult(true));
}

TEST(Aggregate, UpOnlyWhenEveryMonitorSaysUp) {
  const std::vector<Verdict> both{Verdict::kUp, Verdict::kUp};
  const std::vector<Verdict> one{Verdict::kUp, Verdict::kDown};
  EXPECT_EQ(aggregate(ServerState::kUnknown, both), ServerState::kUp);
  EXPECT_EQ(aggregate(ServerState::kUp, one), ServerState::kDown);
}

TEST(Aggregate, DownAsSoonAsOneMonitorSaysDownEvenWithOthersPending) {
  const std::vector<Verdict> v{Verdict::kUnknown, Verdict::kDown};
  EXPECT_EQ(aggregate(ServerState::kUnknown, v), ServerState::kDown);
}

TEST(Aggregate, StaysUnknownUntilEveryMonitorHasAnswered) {
  const std::vector<Verdict> v{Verdict::kUp, Verdict::kUnknown};
  EXPECT_EQ(aggregate(ServerState::kUnknown, v), ServerState::kUnknown);
  EXPECT_EQ(aggregate(ServerState::kDown, v), ServerState::kUnknown);
}

TEST(Aggregate, UpServerStaysUpWhileANewMonitorIsPending) {
  const std::vector<Verdict> v{Verdict::kUp, Verdict::kUnknown};
  EXPECT_EQ(aggregate(ServerState::kUp, v), ServerState::kUp);
}

TEST(Aggregate, NoMonitorsMeansUp) {
  EXPECT_EQ(aggregate(ServerState::kUnknown, {}), ServerState::kUp);
}

}  // namespace
}  // namespace floe::proxy
