#include "net/arp.h"

#include <cassert>
#include <cerrno>
#include <cstring>
#include <string>

namespace floe::net {

namespace {

constexpr uint16_t kHardwareEthernet = 1;
constexpr uint16_t kProtocolIpv4 = 0x0800;

void putU16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xFF));
}
void putMac(std::vector<uint8_t>& out, const MacAddress& m) {
  out.insert(out.end(), m.begin(), m.end());
}
void putIp(std::vector<uint8_t>& out, const IpAddress& ip) {
  assert(ip.isV4());
  out.insert(out.end(), ip.bytes().begin(), ip.bytes().begin() + 4);
}

uint16_t getU16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}
MacAddress getMac(std::span<const uint8_t> b, size_t at) {
  MacAddress m;
  std::memcpy(m.data(), b.data() + at, 6);
  return m;
}
IpAddress getIp(std::span<const uint8_t> b, size_t at) {
  return IpAddress::fromV4((uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) |
                           (uint32_t{b[at + 2]} << 8) | b[at + 3]);
}

Error bad(const std::string& field, size_t offset, unsigned got, const std::string& expected) {
  return makeError("ARP frame: " + field + " " + std::to_string(got) + " at offset " +
                       std::to_string(offset) + ", expected " + expected,
                   EBADMSG);
}

}  // namespace

std::vector<uint8_t> encodeArpFrame(const ArpFrame& f) {
  std::vector<uint8_t> out;
  out.reserve(kArpFrameSize);
  putMac(out, f.destination);
  putMac(out, f.source);
  putU16(out, kEthertypeArp);
  putU16(out, kHardwareEthernet);  // RFC 826 ar$hrd
  putU16(out, kProtocolIpv4);      // ar$pro
  out.push_back(6);                // ar$hln
  out.push_back(4);                // ar$pln
  putU16(out, f.operation);        // ar$op
  putMac(out, f.senderMac);
  putIp(out, f.senderIp);
  putMac(out, f.targetMac);
  putIp(out, f.targetIp);
  return out;
}

Result<ArpFrame> decodeArpFrame(std::span<const uint8_t> b) {
  if (b.size() < kArpFrameSize) {
    return makeError("ARP frame: " + std::to_string(b.size()) + " bytes, expected at least " +
                         std::to_string(kArpFrameSize),
                     EBADMSG);
  }
  if (getU16(b, 12) != kEthertypeArp) return bad("ethertype", 12, getU16(b, 12), "0x0806 (ARP)");
  if (getU16(b, 14) != kHardwareEthernet) {
    return bad("hardware type", 14, getU16(b, 14), "1 (Ethernet)");
  }
  if (getU16(b, 16) != kProtocolIpv4) {
    return bad("protocol type", 16, getU16(b, 16), "0x0800 (IPv4)");
  }
  if (b[18] != 6) return bad("hardware address length", 18, b[18], "6");
  if (b[19] != 4) return bad("protocol address length", 19, b[19], "4");
  ArpFrame f;
  f.destination = getMac(b, 0);
  f.source = getMac(b, 6);
  f.operation = getU16(b, 20);
  f.senderMac = getMac(b, 22);
  f.senderIp = getIp(b, 28);
  f.targetMac = getMac(b, 32);
  f.targetIp = getIp(b, 38);
  return f;
}

ArpFrame gratuitousArp(const MacAddress& mac, const IpAddress& ip) {
  ArpFrame f;
  f.destination = kBroadcastMac;
  f.source = mac;
  f.operation = kArpRequest;
  f.senderMac = mac;
  f.senderIp = ip;
  f.targetMac = {};
  f.targetIp = ip;
  return f;
}

std::vector<uint8_t> encodeGratuitousArp(const MacAddress& mac, const IpAddress& ip) {
  return encodeArpFrame(gratuitousArp(mac, ip));
}

ArpFrame arpProbe(const MacAddress& mac, const IpAddress& ip) {
  ArpFrame f = gratuitousArp(mac, ip);
  f.senderIp = IpAddress::fromV4(0);
  return f;
}

}  // namespace floe::net
