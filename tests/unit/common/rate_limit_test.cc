#include "common/rate_limit.h"

#include <gtest/gtest.h>

namespace floe {
namespace {

using namespace std::chrono_literals;
using Clock = LogRateLimiter::Clock;

TEST(LogRateLimiter, LetsABurstThroughPerWindowAndCountsTheRest) {
  LogRateLimiter limiter(3, 10s);
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.check("k", t0 + i * 1s).emit);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(limiter.check("k", t0 + 5s).emit);
  const auto next = limiter.check("k", t0 + 10s);  // a new window
  EXPECT_TRUE(next.emit);
  EXPECT_EQ(next.suppressed, 4u);
  const auto after = limiter.check("k", t0 + 11s);
  EXPECT_TRUE(after.emit);
  EXPECT_EQ(after.suppressed, 0u);
}

TEST(LogRateLimiter, LimitsEachKeyOnItsOwn) {
  LogRateLimiter limiter(1, 10s);
  const auto t0 = Clock::time_point{} + 1h;
  EXPECT_TRUE(limiter.check("server_down web 10.0.0.1", t0).emit);
  EXPECT_FALSE(limiter.check("server_down web 10.0.0.1", t0).emit);
  EXPECT_TRUE(limiter.check("server_down web 10.0.0.2", t0).emit);
}

TEST(LogRateLimiter, StaysBoundedUnderAFloodOfKeys) {
  LogRateLimiter limiter(1, 10s, 4);
  const auto t0 = Clock::time_point{} + 1h;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.check("k" + std::to_string(i), t0).emit);
  // Full, nothing expired: new keys share one limit.
  EXPECT_TRUE(limiter.check("k4", t0).emit);
  EXPECT_FALSE(limiter.check("k5", t0).emit);
  EXPECT_EQ(limiter.keys(), 4u);
  // Later, expired keys are forgotten and a new key gets its own entry.
  EXPECT_TRUE(limiter.check("k6", t0 + 11s).emit);
  EXPECT_LE(limiter.keys(), 4u);
}

}  // namespace
}  // namespace floe
