#include "proxy/health_state.h"

#include <algorithm>

namespace floe::proxy {

HealthState::HealthState(uint32_t successfulChecks, uint32_t failedChecks)
    : rise_(std::max<uint32_t>(1, successfulChecks)), fall_(std::max<uint32_t>(1, failedChecks)) {}

bool HealthState::onResult(bool success) {
  if (success) {
    ++successes_;
    failures_ = 0;
  } else {
    ++failures_;
    successes_ = 0;
  }
  Verdict next = verdict_;
  switch (verdict_) {
    case Verdict::kUnknown:
      next = success ? Verdict::kUp : Verdict::kDown;
      break;
    case Verdict::kUp:
      if (failures_ >= fall_) next = Verdict::kDown;
      break;
    case Verdict::kDown:
      if (successes_ >= rise_) next = Verdict::kUp;
      break;
  }
  const bool changed = next != verdict_;
  verdict_ = next;
  return changed;
}

ServerState aggregate(ServerState previous, std::span<const Verdict> verdicts) {
  bool anyUnknown = false;
  for (Verdict v : verdicts) {
    if (v == Verdict::kDown) return ServerState::kDown;
    if (v == Verdict::kUnknown) anyUnknown = true;
  }
  if (!anyUnknown) return ServerState::kUp;
  return previous == ServerState::kUp ? ServerState::kUp : ServerState::kUnknown;
}

}  // namespace floe::proxy
