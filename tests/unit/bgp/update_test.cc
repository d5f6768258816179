// RFC 4271 UPDATE codec with RFC 7606 error handling: annotated byte vectors, round trips,
// and one test per error rule (the action, the §6.3 subcode, the offset).
#include <gtest/gtest.h>

#include "bgp/message.h"
#include "bytes.h"

namespace floe::bgp {
namespace {

using testing::message;

Prefix pfx(const char* text) { return *Prefix::parse(text); }
IpAddress ip(const char* text) { return *IpAddress::parse(text); }

// An eBGP UPDATE in the shape FRR's bgpd sends on a 4-octet-AS session: ORIGIN IGP, AS_PATH
// 65000, NEXT_HOP, MED 0, one /24. Reconstructed, not captured.
const std::vector<uint8_t> kRouterUpdate =
    message(2, {
                   0x00, 0x00,                                // withdrawn routes length 0
                   0x00, 0x1b,                                // total path attribute length 27
                   0x40, 0x01, 0x01, 0x00,                    // ORIGIN (well-known), IGP
                   0x40, 0x02, 0x06,                          // AS_PATH, 6 octets
                   0x02, 0x01, 0x00, 0x00, 0xfd, 0xe8,        //   AS_SEQUENCE of 1: 65000
                   0x40, 0x03, 0x04, 0x0a, 0x0a, 0x28, 0x03,  // NEXT_HOP 10.10.40.3
                   0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x00,  // MULTI_EXIT_DISC 0 (optional)
                   0x18, 0xc0, 0xa8, 0x01,                    // NLRI 192.168.1.0/24
               });

TEST(BgpUpdate, DecodesRouterUpdateFieldByField) {
  auto m = decodeMessage(kRouterUpdate, {.fourOctetAs = true});
  ASSERT_TRUE(m.ok()) << m.error().describe();
  const auto& u = std::get<UpdateMessage>(*m);
  EXPECT_TRUE(u.errors.empty());
  EXPECT_EQ(u.attributes.origin, Origin::kIgp);
  ASSERT_TRUE(u.attributes.asPath);
  ASSERT_EQ(u.attributes.asPath->size(), 1u);
  EXPECT_EQ((*u.attributes.asPath)[0].asns, (std::vector<uint32_t>{65000}));
  EXPECT_EQ(u.attributes.nextHop, ip("10.10.40.3"));
  EXPECT_EQ(u.attributes.multiExitDisc, 0u);
  EXPECT_EQ(u.nlri, (std::vector<Prefix>{pfx("192.168.1.0/24")}));
  EXPECT_EQ(encodeMessage(*m, true), kRouterUpdate);
}

TEST(BgpUpdate, IbgpVipWithLocalPrefAndCommunitiesRoundTrips) {
  const auto bytes =
      message(2, {
                     0x00, 0x04,                                // withdrawn routes length 4
                     0x18, 0x0a, 0x0a, 0x0b,                    //   10.10.11.0/24
                     0x00, 0x1c,                                // total path attribute length 28
                     0x40, 0x01, 0x01, 0x00,                    // ORIGIN IGP
                     0x40, 0x02, 0x00,                          // AS_PATH empty (iBGP)
                     0x40, 0x03, 0x04, 0x0a, 0x0a, 0x28, 0x0b,  // NEXT_HOP 10.10.40.11
                     0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0x64,  // LOCAL_PREF 100
                     0xc0, 0x08, 0x04, 0xfd, 0xe8, 0x00, 0x01,  // COMMUNITIES 65000:1
                     0x20, 0x0a, 0x0a, 0x0a, 0x64,              // NLRI 10.10.10.100/32
                 });
  auto m = decodeMessage(bytes, {.fourOctetAs = true, .ibgp = true});
  ASSERT_TRUE(m.ok()) << m.error().describe();
  const auto& u = std::get<UpdateMessage>(*m);
  EXPECT_TRUE(u.errors.empty());
  EXPECT_EQ(u.withdrawn, (std::vector<Prefix>{pfx("10.10.11.0/24")}));
  EXPECT_EQ(u.attributes.localPref, 100u);
  EXPECT_EQ(u.attributes.communities, (std::vector<uint32_t>{0xfde80001}));
  EXPECT_EQ(u.nlri, (std::vector<Prefix>{pfx("10.10.10.100/32")}));
  EXPECT_EQ(encodeMessage(*m, true), bytes);
}

TEST(BgpUpdate, Ipv6ViaMpReachRoundTrips) {
  const auto bytes =
      message(2, {
                     0x00, 0x00,              // withdrawn 0
                     0x00, 0x3e,              // total path attribute length 62
                     0x40, 0x01, 0x01, 0x00,  // ORIGIN IGP
                     0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0x00, 0x01,  // AS_PATH 1
                     0x90, 0x0e, 0x00, 0x2d,  // MP_REACH_NLRI, optional + extended length, 45
                     0x00, 0x02, 0x01,        //   AFI 2, SAFI 1
                     0x10,                    //   next hop length 16
                     0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0,
                     0,    0,    0,    0,    0,    0,    0x0b,  // 2001:db8::b
                     0x00,                                      //   reserved
                     0x80, 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,
                     0,    0,    0,    0,    0,    0,    0,    0x64,  // 2001:db8::64/128
                     0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0a,        // 2001:db8:a::/48
                 });
  auto m = decodeMessage(bytes, {.fourOctetAs = true});
  ASSERT_TRUE(m.ok()) << m.error().describe();
  const auto& u = std::get<UpdateMessage>(*m);
  EXPECT_TRUE(u.errors.empty());
  ASSERT_TRUE(u.attributes.mpReach);
  EXPECT_EQ(u.attributes.mpReach->family, (AddressFamily{kAfiIpv6, kSafiUnicast}));
  EXPECT_EQ(u.attributes.mpReach->nextHops, (std::vector<IpAddress>{ip("2001:db8::b")}));
  EXPECT_EQ(u.attributes.mpReach->nlri,
            (std::vector<Prefix>{pfx("2001:db8::64/128"), pfx("2001:db8:a::/48")}));
  EXPECT_EQ(encodeMessage(*m, true), bytes);
}

TEST(BgpUpdate, Ipv6WithdrawalViaMpUnreachRoundTrips) {
  const auto bytes = message(
      2, {
             0x00, 0x00, 0x00, 0x18, 0x90, 0x0f, 0x00, 0x14,  // MP_UNREACH_NLRI, 20 octets
             0x00, 0x02, 0x01,                                //   AFI 2, SAFI 1
             0x80, 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0x64,  // /128
         });
  auto m = decodeMessage(bytes, {.fourOctetAs = true});
  ASSERT_TRUE(m.ok()) << m.error().describe();
  const auto& u = std::get<UpdateMessage>(*m);
  ASSERT_TRUE(u.attributes.mpUnreach);
  EXPECT_EQ(u.attributes.mpUnreach->withdrawn, (std::vector<Prefix>{pfx("2001:db8::64/128")}));
  EXPECT_TRUE(u.errors.empty());  // a pure withdrawal needs no mandatory attributes
  EXPECT_EQ(encodeMessage(*m, true), bytes);
}

TEST(BgpUpdate, TwoOctetSessionCarriesAsTransAndAs4Path) {
  const auto bytes =
      message(2, {
                     0x00, 0x00, 0x00, 0x1b, 0x40, 0x01, 0x01, 0x00,
                     0x40, 0x02, 0x04, 0x02, 0x01, 0x5b, 0xa0,  // AS_PATH: AS_TRANS
                     0x40, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x01, 0xc0,
                     0x11, 0x06, 0x02, 0x01, 0xfa, 0x56, 0xea, 0x01,  // AS4_PATH 4200000001
                     0x20, 0x0a, 0x0a, 0x0a, 0x64,
                 });
  auto m = decodeMessage(bytes, {.fourOctetAs = false});
  ASSERT_TRUE(m.ok()) << m.error().describe();
  const auto& u = std::get<UpdateMessage>(*m);
  EXPECT_TRUE(u.errors.empty());
  EXPECT_EQ((*u.attributes.asPath)[0].asns, (std::vector<uint32_t>{kAsTrans}));
  EXPECT_EQ((*u.attributes.as4Path)[0].asns, (std::vector<uint32_t>{4200000001u}));
  EXPECT_EQ(encodeMessage(*m, false), bytes);
}

TEST(BgpUpdate, KeepsUnknownOptionalTransitiveAttribute) {
  const auto bytes = message(2, {
                                    0x00, 0x00, 0x00, 0x07, 0xc0, 0x63, 0x04, 0xde, 0xad, 0xbe,
                                    0xef,  // type 99, optional transitive
                                });
  auto m = decodeMessage(bytes, {});
  ASSERT_TRUE(m.ok()) << m.error().describe();
  const auto& u = std::get<UpdateMessage>(*m);
  ASSERT_EQ(u.attributes.other.size(), 1u);
  EXPECT_EQ(u.attributes.other[0].type, 99);
  EXPECT_EQ(encodeMessage(*m, false), bytes);
}

// Fuzzer finding (fuzz_bgp_message): unknown attributes in descending type order re-encoded
// in ascending order and decoded to a different value.
TEST(BgpUpdate, UnknownAttributesDecodeInTypeOrder) {
  const auto bytes = message(
      2, {
             0x00, 0x00, 0x00, 0x0b, 0xc0, 0xfe, 0x01, 0x00,  // type 254, optional transitive
             0x80, 0x2f, 0x04, 0x00, 0x00, 0x00, 0x02,        // type 47, optional non-transitive
         });
  auto m = decodeMessage(bytes, {});
  ASSERT_TRUE(m.ok()) << m.error().describe();
  const auto& other = std::get<UpdateMessage>(*m).attributes.other;
  ASSERT_EQ(other.size(), 2u);
  EXPECT_EQ(other[0].type, 47);
  EXPECT_EQ(other[1].type, 254);
  auto back = decodeMessage(encodeMessage(*m, false), {});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *m);
}

// --- RFC 7606 -------------------------------------------------------------------------

// An UPDATE for 10.10.10.100/32 whose attribute list is `attrs` (session with 4-octet AS).
std::vector<uint8_t> withAttrs(std::vector<uint8_t> attrs) {
  std::vector<uint8_t> body = {0x00, 0x00, static_cast<uint8_t>(attrs.size() >> 8),
                               static_cast<uint8_t>(attrs.size())};
  body.insert(body.end(), attrs.begin(), attrs.end());
  body.insert(body.end(), {0x20, 0x0a, 0x0a, 0x0a, 0x64});
  std::vector<uint8_t> out(16, 0xff);
  out.push_back(static_cast<uint8_t>((19 + body.size()) >> 8));
  out.push_back(static_cast<uint8_t>(19 + body.size()));
  out.push_back(2);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

const std::vector<uint8_t> kOrigin = {0x40, 0x01, 0x01, 0x00};
const std::vector<uint8_t> kAsPath = {0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe8};
const std::vector<uint8_t> kNextHop = {0x40, 0x03, 0x04, 0x0a, 0x0a, 0x28, 0x03};

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct SoftCase {
  const char* name;
  std::vector<uint8_t> attrs;
  ErrorAction action;
  uint8_t subcode;
  uint8_t type;
  size_t offset;  // from the message start; attributes start at 23
};

class BgpUpdateRfc7606 : public ::testing::TestWithParam<SoftCase> {};

TEST_P(BgpUpdateRfc7606, HandlesWithoutReset) {
  const auto& c = GetParam();
  auto m = decodeMessage(withAttrs(c.attrs), {.fourOctetAs = true});
  ASSERT_TRUE(m.ok()) << m.error().describe();
  const auto& u = std::get<UpdateMessage>(*m);
  ASSERT_EQ(u.errors.size(), 1u) << (u.errors.empty() ? "" : u.errors[0].reason);
  EXPECT_EQ(u.errors[0].action, c.action);
  EXPECT_EQ(u.errors[0].subcode, c.subcode);
  EXPECT_EQ(u.errors[0].type, c.type);
  EXPECT_EQ(u.errors[0].offset, c.offset);
  EXPECT_EQ(u.action(), c.action);
  EXPECT_EQ(u.nlri.size(), 1u);  // the NLRI is still located, to be withdrawn if need be
}

INSTANTIATE_TEST_SUITE_P(
    Rules, BgpUpdateRfc7606,
    ::testing::Values(
        SoftCase{"OriginLengthTwo_7_1", cat({{0x40, 0x01, 0x02, 0x00, 0x00}, kAsPath, kNextHop}),
                 ErrorAction::kTreatAsWithdraw, update_subcode::kAttributeLengthError, 1, 23},
        SoftCase{"OriginValueThree_7_1", cat({{0x40, 0x01, 0x01, 0x03}, kAsPath, kNextHop}),
                 ErrorAction::kTreatAsWithdraw, update_subcode::kInvalidOriginAttribute, 1, 23},
        SoftCase{"AsPathZeroLengthSegment_7_2",
                 cat({kOrigin, {0x40, 0x02, 0x02, 0x02, 0x00}, kNextHop}),
                 ErrorAction::kTreatAsWithdraw, update_subcode::kMalformedAsPath, 2, 27},
        SoftCase{"AsPathSegmentOverrun_7_2",
                 cat({kOrigin, {0x40, 0x02, 0x04, 0x02, 0x02, 0x00, 0x01}, kNextHop}),
                 ErrorAction::kTreatAsWithdraw, update_subcode::kMalformedAsPath, 2, 27},
        SoftCase{"NextHopLengthFive_7_3",
                 cat({kOrigin, kAsPath, {0x40, 0x03, 0x05, 0x0a, 0x0a, 0x28, 0x03, 0x00}}),
                 ErrorAction::kTreatAsWithdraw, update_subcode::kAttributeLengthError, 3, 36},
        SoftCase{"NextHopMulticast_7_3",
                 cat({kOrigin, kAsPath, {0x40, 0x03, 0x04, 0xe0, 0x00, 0x00, 0x01}}),
                 ErrorAction::kTreatAsWithdraw, update_subcode::kInvalidNextHopAttribute, 3, 36},
        SoftCase{"MedLengthThree_7_4",
                 cat({kOrigin, kAsPath, kNextHop, {0x80, 0x04, 0x03, 0, 0, 0}}),
                 ErrorAction::kTreatAsWithdraw, update_subcode::kAttributeLengthError, 4, 43},
        SoftCase{"LocalPrefFromExternalPeer_7_5",
                 cat({kOrigin, kAsPath, kNextHop, {0x40, 0x05, 0x04, 0, 0, 0, 100}}),
                 ErrorAction::kAttributeDiscard, 0, 5, 43},
        SoftCase{"AtomicAggregateLengthOne_7_6",
                 cat({kOrigin, kAsPath, kNextHop, {0x40, 0x06, 0x01, 0x00}}),
                 ErrorAction::kAttributeDiscard, update_subcode::kAttributeLengthError, 6, 43},
        SoftCase{"AggregatorWrongLength_7_7",
                 cat({kOrigin, kAsPath, kNextHop, {0xc0, 0x07, 0x06, 0, 1, 10, 0, 0, 1}}),
                 ErrorAction::kAttributeDiscard, update_subcode::kAttributeLengthError, 7, 43},
        SoftCase{"CommunitiesLengthThree_7_8",
                 cat({kOrigin, kAsPath, kNextHop, {0xc0, 0x08, 0x03, 0, 0, 1}}),
                 ErrorAction::kTreatAsWithdraw, update_subcode::kOptionalAttributeError, 8, 43},
        SoftCase{"WellKnownMarkedOptional_3c", cat({{0xc0, 0x01, 0x01, 0x00}, kAsPath, kNextHop}),
                 ErrorAction::kTreatAsWithdraw, update_subcode::kAttributeFlagsError, 1, 23},
        SoftCase{"MissingOrigin_3d", cat({kAsPath, kNextHop}), ErrorAction::kTreatAsWithdraw,
                 update_subcode::kMissingWellKnownAttribute, 1, 23},
        SoftCase{"MissingNextHop_3d", cat({kOrigin, kAsPath}), ErrorAction::kTreatAsWithdraw,
                 update_subcode::kMissingWellKnownAttribute, 3, 23},
        SoftCase{"RepeatedAttribute_3g", cat({kOrigin, kOrigin, kAsPath, kNextHop}),
                 ErrorAction::kAttributeDiscard, update_subcode::kMalformedAttributeList, 1, 27},
        SoftCase{"AttributeOverrunsList_4",
                 cat({kOrigin, kAsPath, kNextHop, {0x80, 0x04, 0x09, 0, 0}}),
                 ErrorAction::kTreatAsWithdraw, update_subcode::kAttributeLengthError, 4, 43}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(BgpUpdateRfc7606, TreatAsWithdrawKeepsParsingLaterAttributes) {
  auto m = decodeMessage(withAttrs(cat({{0x40, 0x01, 0x01, 0x07}, kAsPath, kNextHop})),
                         {.fourOctetAs = true});
  ASSERT_TRUE(m.ok());
  const auto& u = std::get<UpdateMessage>(*m);
  EXPECT_EQ(u.action(), ErrorAction::kTreatAsWithdraw);
  EXPECT_TRUE(u.attributes.nextHop.has_value());
}

struct ResetCase {
  const char* name;
  std::vector<uint8_t> message;
  uint8_t subcode;
  size_t offset;
};

class BgpUpdateReset : public ::testing::TestWithParam<ResetCase> {};

TEST_P(BgpUpdateReset, FailsWithNotificationFields) {
  auto m = decodeMessage(GetParam().message, {.fourOctetAs = true});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kUpdateMessageError);
  EXPECT_EQ(m.error().subcode, GetParam().subcode);
  EXPECT_EQ(m.error().offset, GetParam().offset);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, BgpUpdateReset,
    ::testing::Values(
        ResetCase{"UnrecognizedWellKnown",
                  withAttrs(cat({kOrigin, kAsPath, kNextHop, {0x40, 0x63, 0x00}})),
                  update_subcode::kUnrecognizedWellKnownAttribute, 43},
        ResetCase{"MpReachNextHopLengthFive",
                  withAttrs(cat({kOrigin,
                                 kAsPath,
                                 {0x80, 0x0e, 0x0a, 0x00, 0x01, 0x01, 0x05, 1, 2, 3, 4, 5, 0}})),
                  update_subcode::kOptionalAttributeError, 36},
        ResetCase{"MpReachPrefixOverrun",
                  withAttrs(cat({kOrigin,
                                 kAsPath,
                                 {0x80, 0x0e, 0x0a, 0x00, 0x01, 0x01, 0x04, 1, 2, 3, 4, 0, 0x20}})),
                  update_subcode::kOptionalAttributeError, 36},
        ResetCase{"RepeatedMpUnreach",
                  withAttrs(cat({{0x80, 0x0f, 0x03, 0, 1, 1}, {0x80, 0x0f, 0x03, 0, 1, 1}})),
                  update_subcode::kMalformedAttributeList, 29},
        ResetCase{"TotalAttributeLengthOverrun",
                  message(2, {0x00, 0x00, 0x00, 0x10, 0x40, 0x01, 0x01, 0x00}),
                  update_subcode::kMalformedAttributeList, 21},
        ResetCase{"WithdrawnLengthOverrun", message(2, {0x00, 0x09, 0x00, 0x00}),
                  update_subcode::kMalformedAttributeList, 19},
        ResetCase{"NlriPrefixLength33", message(2, {0x00, 0x00, 0x00, 0x00, 0x21, 1, 2, 3, 4, 5}),
                  update_subcode::kInvalidNetworkField, 23}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace floe::bgp
