// libFuzzer target for the BGP message decoder (src/bgp/message.h), under both AS-number
// widths: a message that decodes cleanly (no RFC 7606 handling applied) re-encodes to a
// message that decodes to the same value. Framing must agree with the decoder.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "bgp/message.h"

namespace {

void check(std::span<const uint8_t> bytes, bool fourOctetAs, bool ibgp) {
  const floe::bgp::DecodeOptions options{fourOctetAs, ibgp};
  auto m = floe::bgp::decodeMessage(bytes, options);
  if (!m) return;
  if (const auto* u = std::get_if<floe::bgp::UpdateMessage>(&*m); u && !u->errors.empty()) return;
  const auto again = floe::bgp::encodeMessage(*m, fourOctetAs);
  if (again.size() > floe::bgp::kMaxMessageSize) return;  // MP attributes gained a length octet
  auto back = floe::bgp::decodeMessage(again, options);
  if (!back || !(*back == *m)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  auto framed = floe::bgp::frameLength(bytes);
  if (framed && *framed != 0) {
    // A framed message must decode or fail with a NOTIFICATION error, never crash.
    check(bytes.first(*framed), true, true);
    check(bytes.first(*framed), false, false);
  }
  check(bytes, true, false);
  return 0;
}
