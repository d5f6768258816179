#include "net/rtnl_codec.h"

#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <bit>

namespace floe::net::rtnl {
namespace {

// Netlink is in host byte order; the vectors below are little-endian (x86, arm64).
static_assert(std::endian::native == std::endian::little);

Prefix prefix(const char* text) { return *Prefix::parse(text); }
IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST(AddressLabel, KeepsShortDeviceNameWhole) {
  EXPECT_EQ(addressLabel("eth0"), "eth0:floe");
  EXPECT_EQ(addressLabel("enp0s31f6"), "enp0s31f6:floe");
  EXPECT_EQ(addressLabel("enp0s31f6x"), "enp0s31f6x:floe");  // exactly 15
}

TEST(AddressLabel, CutsLongDeviceNameToFitFifteenCharacters) {
  EXPECT_EQ(addressLabel("enp0s31f6x99"), "enp0s31f6x:floe");
  EXPECT_EQ(addressLabel("abcdefghijklmno"), "abcdefghij:floe");
  EXPECT_EQ(addressLabel("abcdefghijklmno").size(), 15u);
}

TEST(AddressLabel, RecognisesFloeSuffixOnly) {
  EXPECT_TRUE(hasFloeLabel("eth0:floe"));
  EXPECT_TRUE(hasFloeLabel("abcdefghij:floe"));
  EXPECT_FALSE(hasFloeLabel("eth0"));
  EXPECT_FALSE(hasFloeLabel("eth0:floe1"));
  EXPECT_FALSE(hasFloeLabel("floe"));
  EXPECT_FALSE(hasFloeLabel(""));
}

AddressMessage vipOnEth0() {
  AddressMessage a;
  a.ifindex = 2;
  a.prefix = prefix("10.10.1.100/32");
  a.label = "eth0:floe";
  a.protocol = 199;
  a.validLifetime = 6;
  a.preferredLifetime = 6;
  return a;
}

const Bytes kNewAddressV4 = {
    0x54, 0x00, 0x00, 0x00,  // nlmsg_len 84
    0x14, 0x00,              // nlmsg_type RTM_NEWADDR
    0x05, 0x06,              // REQUEST | ACK | EXCL | CREATE
    0x00, 0x00, 0x00, 0x00,  // nlmsg_seq (the socket stamps it)
    0x00, 0x00, 0x00, 0x00,  // nlmsg_pid
    0x02,                    // ifa_family AF_INET
    0x20,                    // ifa_prefixlen 32
    0x00,                    // ifa_flags
    0x00,                    // ifa_scope universe
    0x02, 0x00, 0x00, 0x00,  // ifa_index 2
    0x08, 0x00, 0x02, 0x00,  // IFA_LOCAL, 4 bytes
    0x0a, 0x0a, 0x01, 0x64,  //   10.10.1.100
    0x08, 0x00, 0x01, 0x00,  // IFA_ADDRESS, 4 bytes
    0x0a, 0x0a, 0x01, 0x64,  //   10.10.1.100
    0x0e, 0x00, 0x03, 0x00,  // IFA_LABEL, 10 bytes
    'e',  't',  'h',  '0',  ':', 'f', 'l', 'o', 'e', 0x00, 0x00, 0x00,  // "eth0:floe" + pad
    0x14, 0x00, 0x06, 0x00,                                             // IFA_CACHEINFO, 16 bytes
    0x06, 0x00, 0x00, 0x00,                                             //   ifa_prefered 6 s
    0x06, 0x00, 0x00, 0x00,                                             //   ifa_valid 6 s
    0x00, 0x00, 0x00, 0x00,                                             //   cstamp
    0x00, 0x00, 0x00, 0x00,                                             //   tstamp
    0x05, 0x00, 0x0b, 0x00,                                             // IFA_PROTO, 1 byte
    0xc7, 0x00, 0x00, 0x00,                                             //   199 + pad
};

TEST(RtnlCodec, EncodesNewAddressWithLabelLifetimeAndProtocol) {
  EXPECT_EQ(encodeNewAddress(vipOnEth0(), NLM_F_CREATE | NLM_F_EXCL), kNewAddressV4);
}

TEST(RtnlCodec, DecodesTheAddressItEncodes) {
  auto a = decodeAddress(kNewAddressV4);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->ifindex, 2);
  EXPECT_EQ(a->prefix, prefix("10.10.1.100/32"));
  EXPECT_EQ(a->label, "eth0:floe");
  EXPECT_EQ(a->protocol, 199);
  EXPECT_EQ(a->validLifetime, 6u);
  EXPECT_EQ(a->preferredLifetime, 6u);
  EXPECT_EQ(encodeNewAddress(*a, NLM_F_CREATE | NLM_F_EXCL), kNewAddressV4);
}

TEST(RtnlCodec, EncodesIpv6AddressWithoutLocalOrLabel) {
  AddressMessage a;
  a.ifindex = 3;
  a.prefix = prefix("2001:db8::100/128");
  a.label = "ignored:floe";  // IPv6 has no labels
  a.flags = IFA_F_NODAD;
  a.protocol = 199;
  auto bytes = encodeNewAddress(a, NLM_F_CREATE | NLM_F_REPLACE);
  auto back = decodeAddress(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->prefix, a.prefix);
  EXPECT_EQ(back->label, "");
  EXPECT_EQ(back->flags, uint32_t{IFA_F_NODAD});
  EXPECT_EQ(back->protocol, 199);
  EXPECT_EQ(back->validLifetime, kForever);
  EXPECT_EQ(decodeHeader(bytes).flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
}

const Bytes kNewRouteTable1000 = {
    0x2c, 0x00, 0x00, 0x00,  // nlmsg_len 44
    0x18, 0x00,              // nlmsg_type RTM_NEWROUTE
    0x05, 0x06,              // REQUEST | ACK | EXCL | CREATE
    0x00, 0x00, 0x00, 0x00,  // nlmsg_seq
    0x00, 0x00, 0x00, 0x00,  // nlmsg_pid
    0x02,                    // rtm_family AF_INET
    0x00,                    // rtm_dst_len 0 (default route: no RTA_DST)
    0x00,                    // rtm_src_len
    0x00,                    // rtm_tos
    0x00,                    // rtm_table RT_TABLE_UNSPEC: the table is in RTA_TABLE
    0xc7,                    // rtm_protocol 199 (floe)
    0x00,                    // rtm_scope universe
    0x01,                    // rtm_type RTN_UNICAST
    0x00, 0x00, 0x00, 0x00,  // rtm_flags
    0x08, 0x00, 0x05, 0x00,  // RTA_GATEWAY, 4 bytes
    0x0a, 0x0a, 0x01, 0x01,  //   10.10.1.1
    0x08, 0x00, 0x0f, 0x00,  // RTA_TABLE, 4 bytes
    0xe8, 0x03, 0x00, 0x00,  //   1000
};

RouteMessage defaultRouteTable1000() {
  RouteMessage r;
  r.destination = prefix("0.0.0.0/0");
  r.gateway = ip("10.10.1.1");
  r.table = 1000;
  r.protocol = 199;
  return r;
}

TEST(RtnlCodec, EncodesRouteInTableAbove255InRtaTable) {
  EXPECT_EQ(encodeNewRoute(defaultRouteTable1000(), NLM_F_CREATE | NLM_F_EXCL), kNewRouteTable1000);
}

TEST(RtnlCodec, DecodesTheRouteItEncodes) {
  auto r = decodeRoute(kNewRouteTable1000);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->destination, prefix("0.0.0.0/0"));
  EXPECT_EQ(r->gateway, ip("10.10.1.1"));
  EXPECT_EQ(r->table, 1000u);
  EXPECT_EQ(r->protocol, 199);
  EXPECT_EQ(r->type, RTN_UNICAST);
  EXPECT_EQ(r->oif, 0);
}

TEST(RtnlCodec, RouteInMainTableUsesBothTableFields) {
  RouteMessage r;
  r.destination = prefix("2001:db8:2::/64");
  r.oif = 4;
  r.protocol = 199;
  auto bytes = encodeDeleteRoute(r);
  auto back = decodeRoute(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->destination, r.destination);
  EXPECT_EQ(back->oif, 4);
  EXPECT_EQ(back->table, 254u);
  EXPECT_EQ(bytes[NLMSG_HDRLEN + 4], 254);  // rtm_table
}

const Bytes kLinkVeth = {
    0x48, 0x00, 0x00, 0x00,  // nlmsg_len 72
    0x10, 0x00,              // nlmsg_type RTM_NEWLINK
    0x02, 0x00,              // NLM_F_MULTI
    0x07, 0x00, 0x00, 0x00,  // nlmsg_seq 7
    0xd2, 0x04, 0x00, 0x00,  // nlmsg_pid 1234
    0x00, 0x00,              // ifi_family, pad
    0x01, 0x00,              // ifi_type ARPHRD_ETHER
    0x03, 0x00, 0x00, 0x00,  // ifi_index 3
    0x43, 0x10, 0x00, 0x00,  // ifi_flags UP | BROADCAST | RUNNING | MULTICAST
    0x00, 0x00, 0x00, 0x00,  // ifi_change
    0x0b, 0x00, 0x03, 0x00,  // IFLA_IFNAME, 7 bytes
    'v',  'e',  't',  'h',  '-',  'a',  0x00, 0x00,  // "veth-a" + pad
    0x0a, 0x00, 0x01, 0x00,                          // IFLA_ADDRESS, 6 bytes
    0x02, 0x42, 0xac, 0x11, 0x00, 0x02, 0x00, 0x00,  // MAC + pad
    0x10, 0x00, 0x12, 0x00,                          // IFLA_LINKINFO (nested), 12 bytes
    0x09, 0x00, 0x01, 0x00,                          //   IFLA_INFO_KIND, 5 bytes
    'v',  'e',  't',  'h',  0x00, 0x00, 0x00, 0x00,  //   "veth" + pad
};

TEST(RtnlCodec, DecodesLinkNameFlagsMacAndKind) {
  auto l = decodeLink(kLinkVeth);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->ifindex, 3);
  EXPECT_EQ(l->name, "veth-a");
  EXPECT_EQ(l->flags, 0x1043u);
  ASSERT_TRUE(l->mac);
  EXPECT_EQ(*l->mac, (std::array<uint8_t, 6>{0x02, 0x42, 0xac, 0x11, 0x00, 0x02}));
  EXPECT_EQ(l->kind, "veth");
  EXPECT_EQ(decodeHeader(kLinkVeth).seq, 7u);
}

TEST(RtnlCodec, EncodedCreateLinkDecodesAsLink) {
  auto l = decodeLink(encodeCreateLink("floe0", "dummy", 0x81));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->name, "floe0");
  EXPECT_EQ(l->kind, "dummy");
  EXPECT_EQ(l->flags, 0x81u);
}

const Bytes kErrorWithExtendedAck = {
    0x3c, 0x00, 0x00, 0x00,  // nlmsg_len 60
    0x02, 0x00,              // nlmsg_type NLMSG_ERROR
    0x00, 0x03,              // NLM_F_CAPPED | NLM_F_ACK_TLVS
    0x07, 0x00, 0x00, 0x00,  // nlmsg_seq 7
    0xd2, 0x04, 0x00, 0x00,  // nlmsg_pid 1234
    0xa1, 0xff, 0xff, 0xff,  // error -95 (EOPNOTSUPP)
    0x40, 0x00, 0x00, 0x00,  // request's nlmsg_len (capped: header only follows)
    0x10, 0x00, 0x05, 0x06,  //   RTM_NEWLINK, REQUEST | ACK | EXCL | CREATE
    0x07, 0x00, 0x00, 0x00,  //   nlmsg_seq 7
    0x00, 0x00, 0x00, 0x00,  //   nlmsg_pid
    0x18, 0x00, 0x01, 0x00,  // NLMSGERR_ATTR_MSG, 20 bytes
    'U',  'n',  'k',  'n',  'o', 'w', 'n', ' ', 'd', 'e',
    'v',  'i',  'c',  'e',  ' ', 't', 'y', 'p', 'e', 0x00,
};

TEST(RtnlCodec, DecodesErrorAckWithExtendedMessage) {
  auto ack = decodeAck(kErrorWithExtendedAck);
  ASSERT_TRUE(ack) << ack.error().message;
  EXPECT_EQ(ack->seq, 7u);
  EXPECT_EQ(ack->error, 95);
  EXPECT_EQ(ack->message, "Unknown device type");
}

TEST(RtnlCodec, DecodesSuccessAck) {
  Bytes ok = {
      0x24, 0x00, 0x00, 0x00,                          // nlmsg_len 36
      0x02, 0x00, 0x00, 0x01,                          // NLMSG_ERROR, NLM_F_CAPPED
      0x09, 0x00, 0x00, 0x00,                          // nlmsg_seq 9
      0x00, 0x00, 0x00, 0x00,                          // nlmsg_pid
      0x00, 0x00, 0x00, 0x00,                          // error 0: success
      0x20, 0x00, 0x00, 0x00, 0x14, 0x00, 0x05, 0x06,  // request header
      0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  auto ack = decodeAck(ok);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->error, 0);
  EXPECT_EQ(ack->message, "");
}

TEST(RtnlCodec, SplitsDatagramIntoAlignedMessages) {
  Bytes datagram = kLinkVeth;
  datagram.insert(datagram.end(), kErrorWithExtendedAck.begin(), kErrorWithExtendedAck.end());
  auto parts = splitMessages(datagram);
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].size(), kLinkVeth.size());
  EXPECT_EQ(decodeHeader((*parts)[1]).type, NLMSG_ERROR);
}

TEST(RtnlCodec, SplitRejectsLengthPastDatagramNamingOffset) {
  Bytes datagram = kLinkVeth;
  datagram[0] = 0x49;  // one byte more than there is
  auto parts = splitMessages(datagram);
  ASSERT_FALSE(parts);
  EXPECT_EQ(parts.error().message,
            "malformed netlink message: nlmsg_len 73 at offset 0 outside the 72-byte datagram");
}

TEST(RtnlCodec, DecodersRejectTruncatedFamilyHeader) {
  Bytes shortLink(kLinkVeth.begin(), kLinkVeth.begin() + 20);
  shortLink[0] = 20;
  auto l = decodeLink(shortLink);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().message,
            "malformed link message: length 20 shorter than its 32-byte headers");
}

TEST(RtnlCodec, DecodeAddressRejectsWrongAddressLength) {
  Bytes bad = kNewAddressV4;
  bad[24] = 0x07;  // IFA_LOCAL claims 3 bytes of address
  auto a = decodeAddress(bad);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message, "malformed address message: address attribute of the wrong length");
}

}  // namespace
}  // namespace floe::net::rtnl
