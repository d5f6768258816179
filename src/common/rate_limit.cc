#include "common/rate_limit.h"

#include <iterator>

namespace floe {

LogRateLimiter::LogRateLimiter(uint32_t burst, Clock::duration window, size_t maxKeys)
    : burst_(burst), window_(window), maxKeys_(maxKeys) {}

LogRateLimiter::Decision LogRateLimiter::checkEntry(Entry& e, Clock::time_point now) {
  if (e.count == 0 || now - e.windowStart >= window_) {
    e.windowStart = now;
    e.count = 0;
  }
  if (e.count >= burst_) {
    ++e.suppressed;
    return {false, 0};
  }
  ++e.count;
  Decision d{true, e.suppressed};
  e.suppressed = 0;
  return d;
}

LogRateLimiter::Decision LogRateLimiter::check(const std::string& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end() && entries_.size() >= maxKeys_) {
    // Forget keys whose window has passed and that owe no suppressed count.
    for (auto i = entries_.begin(); i != entries_.end();) {
      i = (now - i->second.windowStart >= window_ && i->second.suppressed == 0) ? entries_.erase(i)
                                                                                : std::next(i);
    }
    if (entries_.size() >= maxKeys_) return checkEntry(overflow_, now);
    it = entries_.end();
  }
  if (it == entries_.end()) it = entries_.emplace(key, Entry{now, 0, 0}).first;
  return checkEntry(it->second, now);
}

}  // namespace floe
