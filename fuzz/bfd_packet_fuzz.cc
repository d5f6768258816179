// libFuzzer target for the BFD control packet decoder (src/bfd/packet.h): whatever decodes
// re-encodes to a packet that decodes to the same fields, and to the same bytes when Length
// was the canonical 24 + auth (a longer Length without A is accepted and normalised).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "bfd/packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto packet = floe::bfd::decodeControlPacket(std::span<const uint8_t>(data, size));
  if (!packet) return 0;
  const auto bytes = floe::bfd::encodeControlPacket(*packet);
  auto again = floe::bfd::decodeControlPacket(bytes);
  if (!again || !(*again == *packet)) std::abort();  // encode must give a decodable twin
  if (bytes.size() == data[3] && std::memcmp(bytes.data(), data, bytes.size()) != 0) {
    std::abort();  // decode -> encode must give identical bytes
  }
  return 0;
}
