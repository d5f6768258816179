#include "ha/replay.h"

namespace floe::ha {

bool accepted(ReplayVerdict v) {
  return v == ReplayVerdict::kAccepted || v == ReplayVerdict::kNewBoot;
}

std::string_view verdictName(ReplayVerdict v) {
  switch (v) {
    case ReplayVerdict::kAccepted:
      return "accepted";
    case ReplayVerdict::kNewBoot:
      return "new boot";
    case ReplayVerdict::kReplayed:
      return "replayed";
    case ReplayVerdict::kOldBoot:
      return "old boot";
  }
  return "unknown";
}

ReplayVerdict ReplayWindow::check(uint64_t boot_id, uint64_t sequence, SteadyTime now) {
  ReplayVerdict v = ReplayVerdict::kAccepted;
  if (!seen_) {
    v = ReplayVerdict::kAccepted;
  } else if (boot_id == boot_id_) {
    if (sequence <= sequence_) return ReplayVerdict::kReplayed;
  } else if (boot_id > boot_id_) {
    v = ReplayVerdict::kNewBoot;
  } else if (now - last_accepted_ >= silence_) {
    v = ReplayVerdict::kNewBoot;  // the peer's clock went back across a reboot
  } else {
    return ReplayVerdict::kOldBoot;
  }
  seen_ = true;
  boot_id_ = boot_id;
  sequence_ = sequence;
  last_accepted_ = now;
  return v;
}

}  // namespace floe::ha
