// libFuzzer target for the HA heartbeat decoder (src/ha/heartbeat.h), unkeyed and keyed:
// whatever decodes re-encodes to identical bytes, and feeding it to a ReplayWindow and a
// StateMachine (and the Inbound receive path) never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "common/clock.h"
#include "ha/heartbeat.h"
#include "ha/inbound.h"
#include "ha/replay.h"
#include "ha/state_machine.h"

namespace {

const std::vector<uint8_t> kSecret = {'f', 'u', 'z', 'z', '-', 's', 'e', 'c', 'r', 'e', 't'};

void check(std::span<const uint8_t> in, std::span<const uint8_t> secret) {
  auto hb = floe::ha::decodeHeartbeat(in, secret);
  if (!hb) return;
  const auto bytes = floe::ha::encodeHeartbeat(*hb, secret);
  if (bytes.size() != in.size() || !std::equal(bytes.begin(), bytes.end(), in.begin())) {
    std::abort();  // decode -> encode must give identical bytes
  }
  floe::ManualClock clock;
  floe::ha::ReplayWindow window(std::chrono::milliseconds(1000));
  floe::ha::StateMachine sm({"se1", 0, true, std::chrono::milliseconds(100), 10, 2, "", ""});
  (void)sm.start(clock.now());
  if (floe::ha::accepted(window.check(hb->boot_id, hb->sequence, clock.now()))) {
    (void)sm.onHeartbeat(*hb, hb->sequence % 3, clock.now());  // path 2 is out of range
    clock.advance(std::chrono::milliseconds(100));
    (void)sm.onTimer(clock.now());
    (void)sm.onSwitchover(clock.now());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  check(in, {});
  check(in, kSecret);
  floe::ManualClock clock;
  floe::ha::Inbound inbound({"se1", "g", "", {}, 2, std::chrono::milliseconds(1000)});
  (void)inbound.receive(in, size % 3, clock.now());
  return 0;
}
