#include "net/ndisc.h"

#include <cassert>

namespace floe::net {

namespace {
constexpr uint8_t kFlagOverride = 0x20;       // RFC 4861 §4.4 O
constexpr uint8_t kOptionTargetLinkAddr = 2;  // RFC 4861 §4.6.1
}  // namespace

std::vector<uint8_t> encodeUnsolicitedNeighborAdvertisement(const MacAddress& mac,
                                                            const IpAddress& ip) {
  assert(ip.isV6());
  std::vector<uint8_t> out;
  out.reserve(kNeighborAdvertisementSize);
  out.push_back(kIcmp6NeighborAdvertisement);  // type
  out.push_back(0);                            // code
  out.push_back(0);                            // checksum (the kernel's)
  out.push_back(0);
  // Unsolicited: S clear; O set so caches replace the old holder's MAC (§7.2.6). R clear:
  // floe does not send Router Advertisements, so no host lists it as a default router.
  out.push_back(kFlagOverride);
  out.push_back(0);  // reserved
  out.push_back(0);
  out.push_back(0);
  out.insert(out.end(), ip.bytes().begin(), ip.bytes().end());  // target address
  out.push_back(kOptionTargetLinkAddr);
  out.push_back(1);  // option length in units of 8 bytes
  out.insert(out.end(), mac.begin(), mac.end());
  return out;
}

}  // namespace floe::net
