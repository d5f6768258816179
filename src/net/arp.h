// ARP over Ethernet frames (RFC 826) and the gratuitous form floe announces after a takeover
// (RFC 5227 §3). Pure: bytes in, bytes out; garp.cc puts them on the wire.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "common/ip.h"
#include "common/result.h"

namespace floe::net {

using MacAddress = std::array<uint8_t, 6>;

inline constexpr MacAddress kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr uint16_t kEthertypeArp = 0x0806;
inline constexpr uint16_t kArpRequest = 1;
inline constexpr uint16_t kArpReply = 2;
// Ethernet header (14) + ARP for Ethernet/IPv4 (28). The NIC pads to the 60-byte minimum.
inline constexpr size_t kArpFrameSize = 42;

// An Ethernet frame carrying ARP for IPv4 over Ethernet.
struct ArpFrame {
  MacAddress destination{};  // Ethernet
  MacAddress source{};       // Ethernet
  uint16_t operation = kArpRequest;
  MacAddress senderMac{};
  IpAddress senderIp;  // IPv4
  MacAddress targetMac{};
  IpAddress targetIp;  // IPv4
  auto operator<=>(const ArpFrame&) const = default;
};

std::vector<uint8_t> encodeArpFrame(const ArpFrame& f);  // both IPs IPv4 (asserted)
// Fails on a short frame, another ethertype, or ARP for something other than Ethernet/IPv4;
// the message names the field and its offset. Bytes past the ARP packet (padding) are ignored.
Result<ArpFrame> decodeArpFrame(std::span<const uint8_t> frame);

// RFC 5227 §3 ARP Announcement: a broadcast ARP request with sender IP = target IP = `ip`,
// sender MAC = `mac`, target MAC zero. Neighbours that have `ip` cached update it to `mac`.
ArpFrame gratuitousArp(const MacAddress& mac, const IpAddress& ip);
std::vector<uint8_t> encodeGratuitousArp(const MacAddress& mac, const IpAddress& ip);

// RFC 5227 §2.1.1 ARP Probe: a broadcast ARP request for `ip` with sender IP 0.0.0.0 (so no
// neighbour caches anything), sender MAC `mac`, target MAC zero. A host that holds `ip` answers
// it with a reply.
ArpFrame arpProbe(const MacAddress& mac, const IpAddress& ip);

}  // namespace floe::net
