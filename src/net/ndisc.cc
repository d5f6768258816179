#include "net/ndisc.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <string>

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

namespace {

constexpr uint8_t kNextHeaderIcmp6 = 58;
constexpr size_t kEthernetHeader = 14;
constexpr size_t kIpv6Header = 40;

void putU16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xFF));
}

// RFC 4443 §2.3: one's complement sum over the IPv6 pseudo-header and the ICMPv6 message.
uint16_t icmp6Checksum(std::span<const uint8_t> src, std::span<const uint8_t> dst,
                       std::span<const uint8_t> message) {
  uint32_t sum = 0;
  auto add = [&](std::span<const uint8_t> b) {
    for (size_t i = 0; i + 1 < b.size(); i += 2) sum += (uint32_t{b[i]} << 8) | b[i + 1];
    if (b.size() % 2 != 0) sum += uint32_t{b.back()} << 8;
  };
  add(src);
  add(dst);
  sum += static_cast<uint32_t>(message.size());
  sum += kNextHeaderIcmp6;
  add(message);
  while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xFFFF);
}

Error bad(const std::string& field, size_t offset, unsigned got, const std::string& expected) {
  return makeError("neighbor discovery frame: " + field + " " + std::to_string(got) +
                       " at offset " + std::to_string(offset) + ", expected " + expected,
                   EBADMSG);
}

IpAddress ipv6At(std::span<const uint8_t> b, size_t at) {
  std::array<uint8_t, 16> bytes{};
  std::copy(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + 16),
            bytes.begin());
  return IpAddress::fromV6(bytes);
}

}  // namespace

std::vector<uint8_t> encodeDadProbe(const MacAddress& mac, const IpAddress& target) {
  assert(target.isV6());
  const auto& t = target.bytes();
  // Solicited-node multicast address (RFC 4291 §2.7.1) and its MAC (RFC 2464 §7).
  std::array<uint8_t, 16> group = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, t[13], t[14], t[15]};
  const std::array<uint8_t, 16> unspecified{};
  std::vector<uint8_t> message = {kIcmp6NeighborSolicitation, 0, 0, 0, 0, 0, 0, 0};
  message.insert(message.end(), t.begin(), t.end());
  const uint16_t sum = icmp6Checksum(unspecified, group, message);
  message[2] = static_cast<uint8_t>(sum >> 8);
  message[3] = static_cast<uint8_t>(sum & 0xFF);

  std::vector<uint8_t> out;
  out.reserve(kDadFrameSize);
  const MacAddress dstMac = {0x33, 0x33, 0xff, t[13], t[14], t[15]};
  out.insert(out.end(), dstMac.begin(), dstMac.end());
  out.insert(out.end(), mac.begin(), mac.end());
  putU16(out, kEthertypeIpv6);
  out.push_back(0x60);  // version 6, traffic class 0, flow label 0
  out.push_back(0);
  out.push_back(0);
  out.push_back(0);
  putU16(out, static_cast<uint16_t>(message.size()));  // payload length
  out.push_back(kNextHeaderIcmp6);
  out.push_back(255);  // hop limit (RFC 4861 §7.1.1)
  out.insert(out.end(), unspecified.begin(), unspecified.end());
  out.insert(out.end(), group.begin(), group.end());
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

Result<NeighborDiscovery> decodeNeighborDiscovery(std::span<const uint8_t> frame) {
  constexpr size_t kIcmp = kEthernetHeader + kIpv6Header;
  if (frame.size() < kIcmp + 24) {
    return bad("length", 0, static_cast<unsigned>(frame.size()), "at least 78");
  }
  const unsigned ethertype = (unsigned{frame[12]} << 8) | frame[13];
  if (ethertype != kEthertypeIpv6) return bad("ethertype", 12, ethertype, "0x86dd");
  if ((frame[14] >> 4) != 6) return bad("IP version", 14, frame[14] >> 4, "6");
  const size_t payload = (size_t{frame[18]} << 8) | frame[19];
  if (payload < 24 || kIcmp + payload > frame.size()) {
    return bad("payload length", 18, static_cast<unsigned>(payload),
               "24 to " + std::to_string(frame.size() - kIcmp));
  }
  if (frame[20] != kNextHeaderIcmp6) return bad("next header", 20, frame[20], "58 (ICMPv6)");
  if (frame[21] != 255) return bad("hop limit", 21, frame[21], "255");
  const uint8_t type = frame[kIcmp];
  if (type != kIcmp6NeighborSolicitation && type != kIcmp6NeighborAdvertisement) {
    return bad("ICMPv6 type", kIcmp, type, "135 or 136");
  }
  if (frame[kIcmp + 1] != 0) return bad("ICMPv6 code", kIcmp + 1, frame[kIcmp + 1], "0");
  NeighborDiscovery nd;
  nd.type = type;
  std::copy(frame.begin() + 6, frame.begin() + 12, nd.ethernetSource.begin());
  nd.ipSource = ipv6At(frame, 22);
  nd.target = ipv6At(frame, kIcmp + 8);
  return nd;
}

}  // namespace floe::net
