// IPv6's counterpart of a gratuitous ARP: the unsolicited Neighbor Advertisement
// (RFC 4861 §7.2.6). Pure; garp.cc sends it from a raw ICMPv6 socket.
#pragma once

#include <cstdint>
#include <vector>

#include "common/ip.h"
#include "net/arp.h"

namespace floe::net {

inline constexpr uint8_t kIcmp6NeighborAdvertisement = 136;
inline constexpr size_t kNeighborAdvertisementSize = 32;  // RFC 4861 §4.4 + one 8-byte option

// ICMPv6 message (no IPv6 header): type 136, Override set, Router and Solicited clear, target
// `ip`, Target Link-Layer Address option `mac`. The checksum is left 0: for ICMPv6 raw sockets
// the kernel fills it in (RFC 3542 §3.1).
std::vector<uint8_t> encodeUnsolicitedNeighborAdvertisement(const MacAddress& mac,
                                                            const IpAddress& ip);

}  // namespace floe::net
