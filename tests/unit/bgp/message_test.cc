// RFC 4271 header, OPEN (RFC 5492 capabilities), KEEPALIVE, NOTIFICATION, ROUTE-REFRESH:
// annotated byte vectors, decode -> fields -> encode -> identical bytes, and each header/OPEN
// error with its RFC 4271 §6 code, subcode, offset and data.
#include "bgp/message.h"

#include <gtest/gtest.h>

#include "bytes.h"

namespace floe::bgp {
namespace {

using testing::message;

// An OPEN in the shape FRR 8's bgpd sends for an IPv4 unicast eBGP peer: AS 65000, hold 180,
// router id 10.10.40.3, one capability per optional parameter, including ones floe does not
// interpret (Cisco route refresh 128, enhanced route refresh 70, add-path 69, FQDN 73,
// graceful restart 64). Reconstructed from FRR's encoder, not captured from the wire.
const std::vector<uint8_t> kFrrOpen = message(
    1,
    {
        0x04,                                            // version 4
        0xfd, 0xe8,                                      // my AS 65000
        0x00, 0xb4,                                      // hold time 180 s
        0x0a, 0x0a, 0x28, 0x03,                          // BGP identifier 10.10.40.3
        0x36,                                            // opt parm len 54
        0x02, 0x06, 0x01, 0x04, 0x00, 0x01, 0x00, 0x01,  // cap MP: AFI 1, SAFI 1
        0x02, 0x02, 0x80, 0x00,                          // cap 128 (old route refresh)
        0x02, 0x02, 0x02, 0x00,                          // cap route refresh
        0x02, 0x02, 0x46, 0x00,                          // cap enhanced route refresh
        0x02, 0x06, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe8,  // cap 4-octet AS 65000
        0x02, 0x06, 0x45, 0x04, 0x00, 0x01, 0x01, 0x01,  // cap add-path IPv4 unicast receive
        0x02, 0x0a, 0x49, 0x08, 0x06, 'r',  'o',  'u',  't', 'e', 'r', 0x00,  // cap FQDN "router"
        0x02, 0x04, 0x40, 0x02, 0xc0, 0x78,  // cap graceful restart, 120 s
    });

TEST(BgpOpen, DecodesRouterOpenFieldByField) {
  auto m = decodeMessage(kFrrOpen, {});
  ASSERT_TRUE(m.ok()) << m.error().describe();
  const auto& open = std::get<OpenMessage>(*m);
  EXPECT_EQ(open.version, 4);
  EXPECT_EQ(open.myAutonomousSystem, 65000);
  EXPECT_EQ(open.holdTime, 180);
  EXPECT_EQ(open.bgpIdentifier, 0x0a0a2803u);
  EXPECT_EQ(open.parameters.size(), 8u);
  const auto caps = open.capabilities();
  ASSERT_EQ(caps.multiprotocol.size(), 1u);
  EXPECT_EQ(caps.multiprotocol[0], (AddressFamily{kAfiIpv4, kSafiUnicast}));
  EXPECT_TRUE(caps.routeRefresh);
  EXPECT_TRUE(caps.gracefulRestart);
  EXPECT_EQ(caps.fourOctetAs, 65000u);
  EXPECT_EQ(open.autonomousSystem(), 65000u);
  EXPECT_EQ(encodeMessage(*m, true), kFrrOpen);
}

TEST(BgpOpen, FloeOpenCarriesAsTransAndTheRealAsInACapability) {
  const auto open =
      makeOpen(4200000001u, 90, 0x0a0a2802, {{kAfiIpv4, kSafiUnicast}, {kAfiIpv6, kSafiUnicast}});
  const auto expected = message(1, {
                                       0x04,        // version
                                       0x5b, 0xa0,  // my AS = AS_TRANS 23456 (RFC 6793 §4.2.2)
                                       0x00, 0x5a,  // hold 90
                                       0x0a, 0x0a, 0x28, 0x02,  // identifier
                                       0x16,                    // opt parm len 22
                                       0x02, 0x14,  // one capabilities parameter, 20 octets
                                       0x01, 0x04, 0x00, 0x01, 0x00, 0x01,  // MP IPv4 unicast
                                       0x01, 0x04, 0x00, 0x02, 0x00, 0x01,  // MP IPv6 unicast
                                       0x02, 0x00,                          // route refresh
                                       0x41, 0x04, 0xfa, 0x56, 0xea, 0x01,  // 4-octet AS 4200000001
                                   });
  EXPECT_EQ(encodeMessage(open, true), expected);
  auto back = decodeMessage(expected, {});
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(std::get<OpenMessage>(*back), open);
  EXPECT_EQ(open.autonomousSystem(), 4200000001u);
}

TEST(BgpOpen, RejectsVersionThreeWithSupportedVersionAsData) {
  auto bytes = kFrrOpen;
  bytes[19] = 3;
  auto m = decodeMessage(bytes, {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kOpenMessageError);
  EXPECT_EQ(m.error().subcode, open_subcode::kUnsupportedVersionNumber);
  EXPECT_EQ(m.error().offset, 19u);
  EXPECT_EQ(m.error().data, (std::vector<uint8_t>{0, 4}));
}

TEST(BgpOpen, RejectsHoldTimeOfOne) {
  auto bytes = kFrrOpen;
  bytes[22] = 0;
  bytes[23] = 1;
  auto m = decodeMessage(bytes, {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().subcode, open_subcode::kUnacceptableHoldTime);
  EXPECT_EQ(m.error().offset, 22u);
}

TEST(BgpOpen, AcceptsHoldTimeZero) {
  auto bytes = kFrrOpen;
  bytes[22] = 0;
  bytes[23] = 0;
  EXPECT_TRUE(decodeMessage(bytes, {}).ok());
}

TEST(BgpOpen, RejectsZeroBgpIdentifier) {
  auto bytes = kFrrOpen;
  std::fill(bytes.begin() + 24, bytes.begin() + 28, 0);
  auto m = decodeMessage(bytes, {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().subcode, open_subcode::kBadBgpIdentifier);
  EXPECT_EQ(m.error().offset, 24u);
}

TEST(BgpOpen, RejectsUnknownOptionalParameterType) {
  auto bytes = kFrrOpen;
  bytes[29] = 1;  // RFC 4271 deprecated authentication parameter
  auto m = decodeMessage(bytes, {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().subcode, open_subcode::kUnsupportedOptionalParameter);
  EXPECT_EQ(m.error().offset, 29u);
}

TEST(BgpOpen, RejectsCapabilityOverrunningItsParameter) {
  auto bytes = kFrrOpen;
  bytes[32] = 0x05;  // MP capability claims 5 octets inside a 6-octet parameter
  auto m = decodeMessage(bytes, {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kOpenMessageError);
  EXPECT_EQ(m.error().offset, 31u);
}

TEST(BgpHeader, KeepaliveRoundTrips) {
  const auto bytes = message(4, {});
  auto m = decodeMessage(bytes, {});
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(std::holds_alternative<KeepaliveMessage>(*m));
  EXPECT_EQ(encodeMessage(*m, false), bytes);
}

TEST(BgpHeader, NotificationRoundTrips) {
  const auto bytes = message(3, {
                                    0x06,                 // Cease
                                    0x02,                 // Administrative Shutdown
                                    0x03, 'b', 'y', 'e',  // RFC 8203 shutdown communication
                                });
  auto m = decodeMessage(bytes, {});
  ASSERT_TRUE(m.ok());
  const auto& n = std::get<NotificationMessage>(*m);
  EXPECT_EQ(n.code, ErrorCode::kCease);
  EXPECT_EQ(n.subcode, cease_subcode::kAdministrativeShutdown);
  EXPECT_EQ(n.data.size(), 4u);
  EXPECT_EQ(encodeMessage(*m, false), bytes);
}

TEST(BgpHeader, RouteRefreshRoundTrips) {
  const auto bytes = message(5, {0x00, 0x02,  // AFI IPv6
                                 0x00,        // reserved / subtype
                                 0x01});      // SAFI unicast
  auto m = decodeMessage(bytes, {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(std::get<RouteRefreshMessage>(*m).family, (AddressFamily{kAfiIpv6, kSafiUnicast}));
  EXPECT_EQ(encodeMessage(*m, false), bytes);
}

TEST(BgpHeader, RejectsBrokenMarker) {
  auto bytes = message(4, {});
  bytes[5] = 0;
  auto m = decodeMessage(bytes, {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kMessageHeaderError);
  EXPECT_EQ(m.error().subcode, header_subcode::kConnectionNotSynchronized);
  EXPECT_EQ(m.error().offset, 5u);
}

TEST(BgpHeader, RejectsUnknownTypeWithTypeAsData) {
  auto m = decodeMessage(message(9, {}), {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().subcode, header_subcode::kBadMessageType);
  EXPECT_EQ(m.error().data, (std::vector<uint8_t>{9}));
}

TEST(BgpHeader, RejectsKeepaliveWithABody) {
  auto m = decodeMessage(message(4, {0x00}), {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().subcode, header_subcode::kBadMessageLength);
  EXPECT_EQ(m.error().offset, 16u);
  EXPECT_EQ(m.error().data, (std::vector<uint8_t>{0x00, 0x14}));  // the Length field
}

TEST(BgpHeader, RejectsLengthAbove4096) {
  auto bytes = message(2, {0, 0, 0, 0});
  bytes[16] = 0x10;
  bytes[17] = 0x01;
  auto f = frameLength(bytes);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().subcode, header_subcode::kBadMessageLength);
}

TEST(BgpHeader, FramesAStreamMessageByMessage) {
  auto stream = message(4, {});
  const auto open = kFrrOpen;
  stream.insert(stream.end(), open.begin(), open.end());
  auto first = frameLength(stream);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 19u);
  std::span<const uint8_t> rest(stream.data() + 19, 30);  // a partial OPEN
  auto partial = frameLength(rest);
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(*partial, 0u);
  auto whole = frameLength(std::span<const uint8_t>(stream.data() + 19, open.size()));
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, open.size());
}

}  // namespace
}  // namespace floe::bgp
