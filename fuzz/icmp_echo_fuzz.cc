// libFuzzer target for the ICMP/ICMPv6 echo reply decoder (src/proxy/icmp.h): whatever a raw
// socket hands us must decode or be rejected, never crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>

#include "proxy/icmp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace floe::proxy::icmp;
  if (size == 0) return 0;
  // The first byte picks the family, the rest is the packet.
  const Family family = (data[0] & 1) != 0 ? Family::kV6 : Family::kV4;
  const std::span<const uint8_t> packet(data + 1, size - 1);
  auto reply = decodeEchoReply(family, packet);
  if (reply.ok()) {
    if (reply->payload_size + kHeaderSize > packet.size()) __builtin_trap();
    // A decoded reply goes through the tracker exactly like in the prober.
    EchoTracker tracker(reply->id);
    const auto source = *floe::IpAddress::parse(family == Family::kV4 ? "127.0.0.1" : "::1");
    tracker.add(source, 1);
    (void)tracker.match(*reply, source);
  }
  (void)checksum(packet);
  return 0;
}
