// Adj-RIB-Out builder: the UPDATEs floe sends for VIPs, subnets and withdrawals, checked as
// annotated bytes and by decoding them back.
#include "bgp/adj_rib_out.h"

#include <gtest/gtest.h>

#include "bytes.h"

namespace floe::bgp {
namespace {

Prefix pfx(const char* text) { return *Prefix::parse(text); }
IpAddress ip(const char* text) { return *IpAddress::parse(text); }

AdvertisePolicy ibgp() {
  AdvertisePolicy p;
  p.localAs = 1;
  p.ibgp = true;
  p.nextHopV4 = ip("10.10.40.11");
  p.nextHopV6 = ip("2001:db8::b");
  return p;
}

AdvertisePolicy ebgp(uint32_t as = 65010) {
  AdvertisePolicy p = ibgp();
  p.ibgp = false;
  p.localAs = as;
  return p;
}

UpdateMessage roundTrip(const UpdateMessage& u, bool fourOctetAs, bool ibgpSession) {
  auto m = decodeMessage(encodeMessage(u, fourOctetAs), {fourOctetAs, ibgpSession});
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().describe());
  return m.ok() ? std::get<UpdateMessage>(*m) : UpdateMessage{};
}

TEST(AdjRibOut, IbgpVipAdvertisementBytes) {
  auto u = buildAdvertisements({pfx("10.10.10.100/32")}, ibgp());
  ASSERT_TRUE(u.ok()) << u.error().message;
  ASSERT_EQ(u->size(), 1u);
  const auto expected = testing::message(
      2, {
             0x00, 0x00,                                // no withdrawn routes
             0x00, 0x15,                                // total path attribute length 21
             0x40, 0x01, 0x01, 0x00,                    // ORIGIN IGP
             0x40, 0x02, 0x00,                          // AS_PATH empty (iBGP)
             0x40, 0x03, 0x04, 0x0a, 0x0a, 0x28, 0x0b,  // NEXT_HOP 10.10.40.11 (the SE)
             0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0x64,  // LOCAL_PREF 100
             0x20, 0x0a, 0x0a, 0x0a, 0x64,              // NLRI 10.10.10.100/32
         });
  EXPECT_EQ(encodeMessage((*u)[0], true), expected);
}

TEST(AdjRibOut, EbgpPrependsLocalAsAndSendsNoLocalPref) {
  auto policy = ebgp();
  policy.asPathPrepend = 2;
  auto u = buildAdvertisements({pfx("10.10.10.0/24")}, policy);
  ASSERT_TRUE(u.ok());
  const auto back = roundTrip((*u)[0], true, false);
  EXPECT_TRUE(back.errors.empty());
  ASSERT_EQ(back.attributes.asPath->size(), 1u);
  EXPECT_EQ((*back.attributes.asPath)[0].asns, (std::vector<uint32_t>{65010, 65010, 65010}));
  EXPECT_FALSE((*u)[0].attributes.localPref);
}

TEST(AdjRibOut, IbgpIgnoresPrependAndCarriesConfiguredLocalPref) {
  auto policy = ibgp();
  policy.asPathPrepend = 3;
  policy.localPreference = 50;
  auto u = buildAdvertisements({pfx("10.10.10.100/32")}, policy);
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE((*u)[0].attributes.asPath->empty());
  EXPECT_EQ((*u)[0].attributes.localPref, 50u);
}

TEST(AdjRibOut, CommunitiesAreAttached) {
  auto policy = ibgp();
  policy.communities = {(65000u << 16) | 100u};
  auto u = buildAdvertisements({pfx("10.10.10.100/32")}, policy);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(roundTrip((*u)[0], true, true).attributes.communities,
            (std::vector<uint32_t>{0xfde80064}));
}

TEST(AdjRibOut, Ipv6GoesInMpReachWithTheV6NextHop) {
  auto u = buildAdvertisements({pfx("2001:db8::64/128"), pfx("10.10.10.100/32")}, ibgp());
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u->size(), 2u);  // one per family
  EXPECT_EQ((*u)[0].nlri, (std::vector<Prefix>{pfx("10.10.10.100/32")}));
  const auto back = roundTrip((*u)[1], true, true);
  ASSERT_TRUE(back.attributes.mpReach);
  EXPECT_TRUE(back.nlri.empty());
  EXPECT_FALSE(back.attributes.nextHop);
  EXPECT_EQ(back.attributes.mpReach->nextHops, (std::vector<IpAddress>{ip("2001:db8::b")}));
  EXPECT_EQ(back.attributes.mpReach->nlri, (std::vector<Prefix>{pfx("2001:db8::64/128")}));
  EXPECT_TRUE(back.errors.empty());
}

TEST(AdjRibOut, TwoOctetPeerGetsAsTransAndAs4Path) {
  auto policy = ebgp(4200000001u);
  policy.fourOctetAs = false;
  auto u = buildAdvertisements({pfx("10.10.10.100/32")}, policy);
  ASSERT_TRUE(u.ok());
  const auto back = roundTrip((*u)[0], false, false);
  EXPECT_EQ((*back.attributes.asPath)[0].asns, (std::vector<uint32_t>{kAsTrans}));
  EXPECT_EQ((*back.attributes.as4Path)[0].asns, (std::vector<uint32_t>{4200000001u}));
}

TEST(AdjRibOut, MissingNextHopIsAnError) {
  auto policy = ibgp();
  policy.nextHopV6.reset();
  auto u = buildAdvertisements({pfx("2001:db8::64/128")}, policy);
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.error().message.find("2001:db8::64/128"), std::string::npos);
}

TEST(AdjRibOut, ThousandVipsPackIntoFewMessagesUnder4096Bytes) {
  std::vector<Prefix> vips;
  for (uint32_t i = 0; i < 1000; ++i) {
    vips.push_back(Prefix::host(IpAddress::fromV4(0x0a140000u + i)));
  }
  auto u = buildAdvertisements(vips, ibgp());
  ASSERT_TRUE(u.ok());
  size_t total = 0;
  for (const auto& m : *u) {
    const auto bytes = encodeMessage(m, true);
    EXPECT_LE(bytes.size(), kMaxMessageSize);
    total += roundTrip(m, true, true).nlri.size();
  }
  EXPECT_EQ(total, 1000u);
  EXPECT_EQ(u->size(), 2u);  // 5 bytes per /32, about 810 per message
}

TEST(AdjRibOut, WithdrawalsUseTheClassicFieldAndMpUnreach) {
  auto w = buildWithdrawals({pfx("10.10.10.100/32"), pfx("2001:db8::64/128")}, true);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].withdrawn, (std::vector<Prefix>{pfx("10.10.10.100/32")}));
  const auto back = roundTrip(w[1], true, true);
  ASSERT_TRUE(back.attributes.mpUnreach);
  EXPECT_EQ(back.attributes.mpUnreach->withdrawn, (std::vector<Prefix>{pfx("2001:db8::64/128")}));
  EXPECT_TRUE(back.errors.empty());
}

TEST(AdjRibOut, SyncSendsOnlyTheDifference) {
  AdjRibOut rib;
  auto first = rib.sync({pfx("10.10.10.100/32"), pfx("10.10.10.0/24")}, ibgp());
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].nlri.size(), 2u);

  auto same = rib.sync({pfx("10.10.10.100/32"), pfx("10.10.10.0/24")}, ibgp());
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->empty());

  auto fewer = rib.sync({pfx("10.10.10.0/24")}, ibgp());  // the VS went down
  ASSERT_TRUE(fewer.ok());
  ASSERT_EQ(fewer->size(), 1u);
  EXPECT_EQ((*fewer)[0].withdrawn, (std::vector<Prefix>{pfx("10.10.10.100/32")}));
  EXPECT_TRUE((*fewer)[0].nlri.empty());
  EXPECT_EQ(rib.advertised().size(), 1u);
}

TEST(AdjRibOut, PolicyChangeReadvertisesEverything) {
  AdjRibOut rib;
  ASSERT_TRUE(rib.sync({pfx("10.10.10.100/32"), pfx("10.10.10.0/24")}, ibgp()).ok());
  auto standby = ibgp();
  standby.localPreference = 50;  // e.g. the SE became standby and pre-advertises worse
  auto again = rib.sync({pfx("10.10.10.100/32"), pfx("10.10.10.0/24")}, standby);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].nlri.size(), 2u);
  EXPECT_EQ((*again)[0].attributes.localPref, 50u);
}

TEST(AdjRibOut, FailedSyncChangesNothing) {
  AdjRibOut rib;
  ASSERT_TRUE(rib.sync({pfx("10.10.10.100/32")}, ibgp()).ok());
  auto policy = ibgp();
  policy.nextHopV6.reset();
  EXPECT_FALSE(rib.sync({pfx("2001:db8::64/128")}, policy).ok());
  EXPECT_EQ(rib.advertised(), (std::set<Prefix>{pfx("10.10.10.100/32")}));
}

TEST(AdjRibOut, FullResendsAndResetForgets) {
  AdjRibOut rib;
  ASSERT_TRUE(rib.sync({pfx("10.10.10.100/32")}, ibgp()).ok());
  auto all = rib.full();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].nlri.size(), 1u);
  rib.reset();
  EXPECT_TRUE(rib.advertised().empty());
  auto after = rib.sync({pfx("10.10.10.100/32")}, ibgp());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 1u);  // a new session gets everything
}

}  // namespace
}  // namespace floe::bgp
