// IPv6 neighbor discovery, the parts floe sends and reads. Pure: bytes in, bytes out.
// - The unsolicited Neighbor Advertisement (RFC 4861 §7.2.6), IPv6's counterpart of a gratuitous
//   ARP; garp.cc sends it from a raw ICMPv6 socket.
// - The duplicate address detection probe (RFC 4862 §5.4.2): a Neighbor Solicitation from the
//   unspecified address, as a whole Ethernet frame (probe.cc sends it from an AF_PACKET socket
//   before the address exists on the host), and the decoder for the answers it looks for.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/ip.h"
#include "common/result.h"
#include "net/arp.h"

namespace floe::net {

inline constexpr uint8_t kIcmp6NeighborAdvertisement = 136;
inline constexpr size_t kNeighborAdvertisementSize = 32;  // RFC 4861 §4.4 + one 8-byte option

// ICMPv6 message (no IPv6 header): type 136, Override set, Router and Solicited clear, target
// `ip`, Target Link-Layer Address option `mac`. The checksum is left 0: for ICMPv6 raw sockets
// the kernel fills it in (RFC 3542 §3.1).
std::vector<uint8_t> encodeUnsolicitedNeighborAdvertisement(const MacAddress& mac,
                                                            const IpAddress& ip);

inline constexpr uint8_t kIcmp6NeighborSolicitation = 135;
inline constexpr uint16_t kEthertypeIpv6 = 0x86DD;
// Ethernet (14) + IPv6 header (40) + Neighbor Solicitation without options (24).
inline constexpr size_t kDadFrameSize = 78;

// RFC 4862 §5.4.2: Ethernet frame from `mac` to the solicited-node multicast MAC of `target`
// (33:33:ff + its last 24 bits); IPv6 from :: to ff02::1:ffXX:XXXX, hop limit 255; ICMPv6
// type 135 code 0 with the checksum computed (RFC 4443 §2.3), target `target`, no Source
// Link-Layer Address option (§7.2.2 forbids it from ::). `target` must be IPv6 (asserted).
std::vector<uint8_t> encodeDadProbe(const MacAddress& mac, const IpAddress& target);

// What a received Ethernet frame carrying ICMPv6 neighbor discovery says.
struct NeighborDiscovery {
  uint8_t type = 0;  // kIcmp6NeighborSolicitation or kIcmp6NeighborAdvertisement
  MacAddress ethernetSource{};
  IpAddress ipSource;  // :: for a DAD probe
  IpAddress target;    // the address solicited or advertised
};
// Decodes an Ethernet frame with an IPv6 header directly followed by ICMPv6 type 135 or 136
// (extension headers are not followed). Fails with code EBADMSG naming the field and offset on
// a short frame, another ethertype, another next header, another ICMPv6 type, a hop limit other
// than 255 (RFC 4861 §7.1.1) or code other than 0. The checksum is not verified (the NIC and
// the kernel's own stack do; a forged frame could only make floe refuse an address).
Result<NeighborDiscovery> decodeNeighborDiscovery(std::span<const uint8_t> frame);

}  // namespace floe::net
