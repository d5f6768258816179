// Time as an injected dependency (STYLE.md: "time comes from an injected clock"): product code
// takes a Clock&, tests a ManualClock they move by hand. No sleeps in tests.
#pragma once

#include <chrono>
#include <string>

namespace floe {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime now() const = 0;   // for intervals, timeouts, backoff
  virtual WallTime wallNow() const = 0;  // for what a user reads ("since 2026-11-29T16:01:02Z")
};

class SystemClock final : public Clock {
 public:
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
};

class ManualClock final : public Clock {
 public:
  SteadyTime now() const override { return steady_; }
  WallTime wallNow() const override { return wall_; }
  void advance(std::chrono::milliseconds d) {
    steady_ += d;
    wall_ += d;
  }

 private:
  SteadyTime steady_{std::chrono::hours(1)};
  WallTime wall_{std::chrono::seconds(1'800'000'000)};
};

// RFC 3339 UTC with milliseconds: "2026-11-29T16:01:02.345Z".
std::string formatUtc(WallTime t);

}  // namespace floe
