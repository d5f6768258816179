#include "ha/inbound.h"

namespace floe::ha {

Result<Heartbeat> Inbound::receive(std::span<const uint8_t> bytes, size_t path, SteadyTime now) {
  if (path >= config_.paths) {
    return makeError("heartbeat: path " + std::to_string(path) + " out of range (" +
                         std::to_string(config_.paths) + " paths)",
                     static_cast<int>(InboundError::kBadPath));
  }
  auto hb = decodeHeartbeat(bytes, config_.secret);
  if (!hb) {
    if (hb.error().code == static_cast<int>(DecodeError::kBadMac)) {
      ++counters_.bad_mac;
    } else {
      ++counters_.malformed;
    }
    return hb.error();
  }
  // Filter before the replay window, so foreign traffic never moves a window.
  if (hb->group != config_.group) {
    ++counters_.wrong_group;
    return makeError("heartbeat: group \"" + hb->group + "\" from " + hb->engine + " is not \"" +
                         config_.group + "\"",
                     static_cast<int>(InboundError::kWrongGroup));
  }
  if (hb->engine == config_.self) {
    return makeError("heartbeat: carries our own engine name \"" + hb->engine + "\"",
                     static_cast<int>(InboundError::kSelf));
  }
  auto key = std::make_pair(hb->engine, path);
  auto it = windows_.find(key);
  const bool unknown = !config_.peer.empty()
                           ? hb->engine != config_.peer
                           : it == windows_.end() && windows_.size() >= kMaxWindows;
  if (unknown) {
    ++counters_.wrong_group;
    return makeError("heartbeat: engine \"" + hb->engine + "\" is not this SE's peer",
                     static_cast<int>(InboundError::kOtherEngine));
  }
  if (it == windows_.end())
    it = windows_.emplace(std::move(key), ReplayWindow(config_.silence)).first;
  const ReplayVerdict v = it->second.check(hb->boot_id, hb->sequence, now);
  if (!accepted(v)) {
    ++counters_.replayed;
    return makeError("heartbeat: " + std::string(verdictName(v)) + " from " + hb->engine +
                         " on path " + std::to_string(path) + " (boot " +
                         std::to_string(hb->boot_id) + ", sequence " +
                         std::to_string(hb->sequence) + ")",
                     static_cast<int>(InboundError::kReplayed));
  }
  ++counters_.received;
  return hb;
}

}  // namespace floe::ha
