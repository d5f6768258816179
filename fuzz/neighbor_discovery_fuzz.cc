// libFuzzer target for the neighbor discovery frame decoder (src/net/ndisc.h): any input
// decodes or fails cleanly; what decodes as a DAD probe from this MAC re-encodes identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "net/ndisc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto nd = floe::net::decodeNeighborDiscovery(std::span<const uint8_t>(data, size));
  if (!nd) return 0;
  if (nd->type == floe::net::kIcmp6NeighborSolicitation && nd->target.isV6() &&
      size == floe::net::kDadFrameSize) {
    const auto again = floe::net::encodeDadProbe(nd->ethernetSource, nd->target);
    // Same frame except fields the decoder does not keep (flow label, checksum, reserved,
    // source address): compare the ones it does.
    if (std::memcmp(again.data() + 6, data + 6, 6) != 0 ||
        std::memcmp(again.data() + 62, data + 62, 16) != 0) {
      std::abort();
    }
  }
  return 0;
}
