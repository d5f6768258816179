// Messages captured from a real router: FRR 8.4.4 bgpd (Debian 12) peering over a veth pair
// with a small Python harness (tests/unit/bgp/capture/, run on 2026-11-29). Each decodes
// field by field and re-encodes to the identical bytes.
#include <gtest/gtest.h>

#include "bgp/message.h"
#include "bytes.h"

namespace floe::bgp {
namespace {

using testing::message;

// router bgp 65000, router-id 10.10.40.3, neighbor with IPv4 and IPv6 unicast activated.
const std::vector<uint8_t> kFrrOpen =
    message(1, {
                   0x04,                    // version 4
                   0xfd, 0xe8,              // my AS 65000
                   0x00, 0xb4,              // hold time 180
                   0x0a, 0x0a, 0x28, 0x03,  // BGP identifier 10.10.40.3
                   0x5c,                    // opt parm len 92: one parameter per capability
                   0x02, 0x06, 0x01, 0x04, 0x00, 0x01, 0x00, 0x01,  // MP IPv4 unicast
                   0x02, 0x06, 0x01, 0x04, 0x00, 0x02, 0x00, 0x01,  // MP IPv6 unicast
                   0x02, 0x02, 0x80, 0x00,                          // route refresh (Cisco, 128)
                   0x02, 0x02, 0x02, 0x00,                          // route refresh (RFC 2918)
                   0x02, 0x02, 0x46, 0x00,                          // enhanced route refresh (70)
                   0x02, 0x06, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe8,  // 4-octet AS 65000
                   0x02, 0x02, 0x06, 0x00,                          // extended message (6)
                   0x02, 0x0a, 0x45, 0x08,                          // add-path (69), 2 families:
                   0x00, 0x01, 0x01, 0x01,                          //   IPv4 unicast, receive
                   0x00, 0x02, 0x01, 0x01,                          //   IPv6 unicast, receive
                   0x02, 0x0e, 0x49, 0x0c, 0x0a,                    // FQDN (73): hostname len 10
                   'l',  'a',  'b',  '-',  'r',  'o',  'u',  't',  'e', 'r',  //   "lab-router"
                   0x00,                                                      //   domain len 0
                   0x02, 0x04, 0x40, 0x02, 0xc0, 0x78,        // graceful restart, 120 s
                   0x02, 0x10, 0x47, 0x0e,                    // long-lived GR (71), 14 octets
                   0x00, 0x01, 0x01, 0x80, 0x00, 0x00, 0x00,  //   IPv4 unicast
                   0x00, 0x02, 0x01, 0x80, 0x00, 0x00, 0x00,  //   IPv6 unicast
               });

// network 192.168.1.0/24, to the eBGP peer 10.255.0.2 (AS 65010), sent from 10.255.0.1.
const std::vector<uint8_t> kFrrUpdateV4 =
    message(2, {
                   0x00, 0x00,                                // withdrawn routes length 0
                   0x00, 0x1c,                                // total path attribute length 28
                   0x40, 0x01, 0x01, 0x00,                    // ORIGIN IGP
                   0x50, 0x02, 0x00, 0x06,                    // AS_PATH, Extended Length, 6 octets
                   0x02, 0x01, 0x00, 0x00, 0xfd, 0xe8,        //   AS_SEQUENCE 65000
                   0x40, 0x03, 0x04, 0x0a, 0xff, 0x00, 0x01,  // NEXT_HOP 10.255.0.1
                   0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x00,  // MULTI_EXIT_DISC 0
                   0x18, 0xc0, 0xa8, 0x01,                    // NLRI 192.168.1.0/24
               });

// network 2001:db8:a::/48 over the IPv4 session: MP_REACH_NLRI first, next hop v4-mapped.
const std::vector<uint8_t> kFrrUpdateV6 =
    message(2, {
                   0x00, 0x00,              // withdrawn routes length 0
                   0x00, 0x35,              // total path attribute length 53
                   0x90, 0x0e, 0x00, 0x1c,  // MP_REACH_NLRI, Extended Length, 28 octets
                   0x00, 0x02, 0x01,        //   AFI IPv6, SAFI unicast
                   0x10,                    //   next hop length 16: ::ffff:10.255.0.1
                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                   0x00, 0x00, 0xff, 0xff, 0x0a, 0xff, 0x00, 0x01,
                   0x00,                                      //   reserved
                   0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0a,  //   2001:db8:a::/48
                   0x40, 0x01, 0x01, 0x00,                    // ORIGIN IGP
                   0x50, 0x02, 0x00, 0x06,                    // AS_PATH, Extended Length
                   0x02, 0x01, 0x00, 0x00, 0xfd, 0xe8,        //   AS_SEQUENCE 65000
                   0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x00,  // MULTI_EXIT_DISC 0
               });

TEST(FrrCapture, OpenDecodesAndReencodesIdentically) {
  auto m = decodeMessage(kFrrOpen, {});
  ASSERT_TRUE(m.ok()) << m.error().describe();
  const auto& open = std::get<OpenMessage>(*m);
  EXPECT_EQ(open.autonomousSystem(), 65000u);
  EXPECT_EQ(open.holdTime, 180);
  EXPECT_EQ(open.parameters.size(), 11u);
  const auto caps = open.capabilities();
  EXPECT_EQ(caps.multiprotocol,
            (std::vector<AddressFamily>{{kAfiIpv4, kSafiUnicast}, {kAfiIpv6, kSafiUnicast}}));
  EXPECT_TRUE(caps.routeRefresh);
  EXPECT_TRUE(caps.gracefulRestart);
  EXPECT_EQ(caps.fourOctetAs, 65000u);
  EXPECT_EQ(encodeMessage(*m, true), kFrrOpen);
}

TEST(FrrCapture, Ipv4UpdateDecodesAndReencodesIdentically) {
  auto m = decodeMessage(kFrrUpdateV4, {.fourOctetAs = true});
  ASSERT_TRUE(m.ok()) << m.error().describe();
  const auto& u = std::get<UpdateMessage>(*m);
  EXPECT_TRUE(u.errors.empty());
  EXPECT_EQ(u.attributes.origin, Origin::kIgp);
  EXPECT_EQ((*u.attributes.asPath)[0].asns, (std::vector<uint32_t>{65000}));
  EXPECT_EQ(u.attributes.nextHop, IpAddress::parse("10.255.0.1"));
  EXPECT_EQ(u.attributes.multiExitDisc, 0u);
  EXPECT_EQ(u.nlri, (std::vector<Prefix>{*Prefix::parse("192.168.1.0/24")}));
  EXPECT_EQ(encodeMessage(*m, true), kFrrUpdateV4);
}

TEST(FrrCapture, Ipv6UpdateDecodesAndReencodesIdentically) {
  auto m = decodeMessage(kFrrUpdateV6, {.fourOctetAs = true});
  ASSERT_TRUE(m.ok()) << m.error().describe();
  const auto& u = std::get<UpdateMessage>(*m);
  EXPECT_TRUE(u.errors.empty());
  ASSERT_TRUE(u.attributes.mpReach);
  EXPECT_EQ(u.attributes.mpReach->nextHops,
            (std::vector<IpAddress>{*IpAddress::parse("::ffff:10.255.0.1")}));
  EXPECT_EQ(u.attributes.mpReach->nlri, (std::vector<Prefix>{*Prefix::parse("2001:db8:a::/48")}));
  EXPECT_FALSE(u.attributes.nextHop);
  EXPECT_EQ(encodeMessage(*m, true), kFrrUpdateV6);
}

TEST(FrrCapture, WithoutTheLayoutFloeWritesTypeOrder) {
  auto m = decodeMessage(kFrrUpdateV6, {.fourOctetAs = true});
  ASSERT_TRUE(m.ok());
  auto u = std::get<UpdateMessage>(*m);
  u.attributes.wireLayout.clear();
  const auto bytes = encodeMessage(u, true);
  EXPECT_EQ(bytes[23 + 1], attr::kOrigin);  // first attribute's type code
  auto back = decodeMessage(bytes, {.fourOctetAs = true});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<UpdateMessage>(*back).attributes.mpReach, u.attributes.mpReach);
}

}  // namespace
}  // namespace floe::bgp
