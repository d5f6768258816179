#include "net/ndisc.h"

#include <gtest/gtest.h>

namespace floe::net {
namespace {

TEST(Ndisc, EncodesUnsolicitedNeighborAdvertisement) {
  const MacAddress mac = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};
  const std::vector<uint8_t> expected = {
      0x88,                                            // type 136: Neighbor Advertisement
      0x00,                                            // code
      0x00, 0x00,                                      // checksum: filled in by the kernel
      0x20, 0x00, 0x00, 0x00,                          // R=0 S=0 O=1, reserved
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,  // target 2001:db8:1::100
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,  //
      0x02,                                            // option: Target Link-Layer Address
      0x01,                                            // length 1 (8 bytes)
      0x02, 0x42, 0xac, 0x11, 0x00, 0x02,              // MAC
  };
  EXPECT_EQ(encodeUnsolicitedNeighborAdvertisement(mac, *IpAddress::parse("2001:db8:1::100")),
            expected);
  EXPECT_EQ(expected.size(), kNeighborAdvertisementSize);
}

}  // namespace
}  // namespace floe::net

namespace floe::net {
namespace {

const MacAddress kProbeMac = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};

// RFC 4862 §5.4.2 DAD probe for 2001:db8:1::100 from 02:42:ac:11:00:02. The checksum was
// computed independently of floe (RFC 4443 §2.3 over the pseudo-header).
const std::vector<uint8_t> kDadProbe = {
    0x33, 0x33, 0xff, 0x00, 0x01, 0x00,  // Ethernet destination: 33:33 + solicited-node group
    0x02, 0x42, 0xac, 0x11, 0x00, 0x02,  // Ethernet source
    0x86, 0xdd,                          // ethertype IPv6
    0x60, 0x00, 0x00, 0x00,              // version 6, traffic class 0, flow label 0
    0x00, 0x18,                          // payload length 24
    0x3a,                                // next header ICMPv6
    0xff,                                // hop limit 255
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // source :: (unspecified)
    0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0x00, 0x01, 0x00,  // ff02::1:ff00:100
    0x87,                                // type 135 Neighbor Solicitation
    0x00,                                // code 0
    0x4a, 0xee,                          // checksum
    0x00, 0x00, 0x00, 0x00,              // reserved
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00,  // target
};

TEST(DadProbe, EncodesRfc4862SolicitationFromUnspecifiedAddress) {
  EXPECT_EQ(encodeDadProbe(kProbeMac, *IpAddress::parse("2001:db8:1::100")), kDadProbe);
  EXPECT_EQ(kDadProbe.size(), kDadFrameSize);
}

TEST(DadProbe, DecodesItsOwnProbe) {
  auto nd = decodeNeighborDiscovery(kDadProbe);
  ASSERT_TRUE(nd) << nd.error().message;
  EXPECT_EQ(nd->type, kIcmp6NeighborSolicitation);
  EXPECT_EQ(nd->ethernetSource, kProbeMac);
  EXPECT_EQ(nd->ipSource, *IpAddress::parse("::"));
  EXPECT_EQ(nd->target, *IpAddress::parse("2001:db8:1::100"));
}

TEST(DadProbe, RejectsAHopLimitBelow255WithItsOffset) {
  auto frame = kDadProbe;
  frame[21] = 64;  // a router forwarded it: RFC 4861 §7.1.1 says drop
  auto nd = decodeNeighborDiscovery(frame);
  ASSERT_FALSE(nd);
  EXPECT_NE(nd.error().message.find("hop limit 64 at offset 21"), std::string::npos)
      << nd.error().message;
}

TEST(DadProbe, RejectsShortFramesAndOtherTypes) {
  EXPECT_FALSE(decodeNeighborDiscovery(std::span(kDadProbe).first(60)));
  auto echo = kDadProbe;
  echo[54] = 128;  // echo request
  EXPECT_FALSE(decodeNeighborDiscovery(echo));
  auto longer = kDadProbe;
  longer[19] = 200;  // payload length past the frame
  EXPECT_FALSE(decodeNeighborDiscovery(longer));
}

}  // namespace
}  // namespace floe::net
