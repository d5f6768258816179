#include "net/arp.h"

#include <gtest/gtest.h>

namespace floe::net {
namespace {

const MacAddress kMac = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};
const IpAddress kVip = *IpAddress::parse("10.10.1.100");

// RFC 5227 §3 announcement for 10.10.1.100 from 02:42:ac:11:00:02.
const std::vector<uint8_t> kGratuitous = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // Ethernet destination: broadcast
    0x02, 0x42, 0xac, 0x11, 0x00, 0x02,  // Ethernet source: the device's MAC
    0x08, 0x06,                          // ethertype ARP
    0x00, 0x01,                          // hardware type Ethernet
    0x08, 0x00,                          // protocol type IPv4
    0x06,                                // hardware address length
    0x04,                                // protocol address length
    0x00, 0x01,                          // operation: request
    0x02, 0x42, 0xac, 0x11, 0x00, 0x02,  // sender MAC
    0x0a, 0x0a, 0x01, 0x64,              // sender IP 10.10.1.100
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // target MAC: zero (announcement)
    0x0a, 0x0a, 0x01, 0x64,              // target IP = sender IP
};

TEST(Arp, EncodesGratuitousArpAsRfc5227Announcement) {
  EXPECT_EQ(encodeGratuitousArp(kMac, kVip), kGratuitous);
  EXPECT_EQ(kGratuitous.size(), kArpFrameSize);
}

TEST(Arp, DecodesGratuitousArpFields) {
  auto f = decodeArpFrame(kGratuitous);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->destination, kBroadcastMac);
  EXPECT_EQ(f->source, kMac);
  EXPECT_EQ(f->operation, kArpRequest);
  EXPECT_EQ(f->senderMac, kMac);
  EXPECT_EQ(f->senderIp, kVip);
  EXPECT_EQ(f->targetMac, MacAddress{});
  EXPECT_EQ(f->targetIp, kVip);
  EXPECT_EQ(*f, gratuitousArp(kMac, kVip));
}

TEST(Arp, DecodeThenEncodeGivesIdenticalBytes) {
  auto f = decodeArpFrame(kGratuitous);
  ASSERT_TRUE(f);
  EXPECT_EQ(encodeArpFrame(*f), kGratuitous);
}

TEST(Arp, DecodeIgnoresEthernetPadding) {
  auto padded = kGratuitous;
  padded.resize(60, 0);  // as received from a NIC: padded to the minimum frame
  auto f = decodeArpFrame(padded);
  ASSERT_TRUE(f);
  EXPECT_EQ(*f, gratuitousArp(kMac, kVip));
}

TEST(Arp, RejectsShortFrame) {
  std::vector<uint8_t> shortFrame(kGratuitous.begin(), kGratuitous.end() - 1);
  auto f = decodeArpFrame(shortFrame);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().message, "ARP frame: 41 bytes, expected at least 42");
}

TEST(Arp, RejectsOtherEthertypeNamingOffset) {
  auto ipv4 = kGratuitous;
  ipv4[12] = 0x08;
  ipv4[13] = 0x00;
  auto f = decodeArpFrame(ipv4);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().message, "ARP frame: ethertype 2048 at offset 12, expected 0x0806 (ARP)");
}

TEST(Arp, RejectsArpForOtherProtocolAddressLength) {
  auto frame = kGratuitous;
  frame[19] = 16;
  auto f = decodeArpFrame(frame);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().message, "ARP frame: protocol address length 16 at offset 19, expected 4");
}

}  // namespace
}  // namespace floe::net

namespace floe::net {
namespace {

TEST(Arp, ProbeHasZeroSenderIpAndAsksForTheAddress) {
  const MacAddress mac = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};
  const auto bytes = encodeArpFrame(arpProbe(mac, *IpAddress::parse("10.10.1.100")));
  ASSERT_EQ(bytes.size(), kArpFrameSize);
  const std::vector<uint8_t> senderIp(bytes.begin() + 28, bytes.begin() + 32);
  const std::vector<uint8_t> targetIp(bytes.begin() + 38, bytes.begin() + 42);
  EXPECT_EQ(senderIp, (std::vector<uint8_t>{0, 0, 0, 0}));  // RFC 5227 §2.1.1
  EXPECT_EQ(targetIp, (std::vector<uint8_t>{10, 10, 1, 100}));
}

}  // namespace
}  // namespace floe::net
