// libFuzzer target for the ARP frame decoder (src/net/arp.h): whatever decodes re-encodes to
// the same first 42 bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "net/arp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto frame = floe::net::decodeArpFrame(std::span<const uint8_t>(data, size));
  if (!frame) return 0;
  const auto bytes = floe::net::encodeArpFrame(*frame);
  if (bytes.size() != floe::net::kArpFrameSize ||
      std::memcmp(bytes.data(), data, bytes.size()) != 0) {
    std::abort();  // decode -> encode must give identical bytes
  }
  return 0;
}
