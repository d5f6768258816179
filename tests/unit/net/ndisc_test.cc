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
