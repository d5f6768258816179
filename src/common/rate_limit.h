// A log rate limiter for events that can flood (a flapping server, a refused connection per
// client): per key, at most `burst` lines per `window`; the lines beyond are counted, and
// the next line let through for that key reports how many were suppressed. Sans-IO: the
// caller passes the time. Not thread-safe: one per thread (or per loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace floe {

class LogRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `maxKeys` bounds memory under a flood of distinct keys: beyond it, keys whose window has
  // passed are forgotten, and if none has, new keys share one limit.
  LogRateLimiter(uint32_t burst, Clock::duration window, size_t maxKeys = 1024);

  struct Decision {
    bool emit = false;        // log this line
    uint64_t suppressed = 0;  // when emit: lines of this key dropped since the last one logged
  };
  Decision check(const std::string& key, Clock::time_point now);

  size_t keys() const { return entries_.size(); }

 private:
  struct Entry {
    Clock::time_point windowStart;
    uint32_t count = 0;
    uint64_t suppressed = 0;
  };
  Decision checkEntry(Entry& e, Clock::time_point now);

  uint32_t burst_;
  Clock::duration window_;
  size_t maxKeys_;
  std::unordered_map<std::string, Entry> entries_;
  Entry overflow_;
};

}  // namespace floe
