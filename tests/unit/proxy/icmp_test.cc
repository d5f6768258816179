#include "proxy/icmp.h"

#include <gtest/gtest.h>

#include <vector>

namespace floe::proxy::icmp {
namespace {

// An IPv4 echo reply as a raw socket returns it: IP header, then ICMP.
std::vector<uint8_t> v4Reply() {
  return {
      0x45, 0x00, 0x00, 0x24,  // version 4, IHL 5 (20 bytes), total length 36
      0x00, 0x01, 0x00, 0x00,  // identification, flags/fragment offset
      0x40, 0x01, 0x00, 0x00,  // TTL 64, protocol 1 (ICMP), header checksum (not checked)
      0x7f, 0x00, 0x00, 0x01,  // source 127.0.0.1
      0x7f, 0x00, 0x00, 0x01,  // destination 127.0.0.1
      0x00, 0x00, 0x15, 0xef,  // ICMP type 0 (echo reply), code 0, checksum
      0x12, 0x34, 0x00, 0x07,  // identifier 0x1234, sequence 7
      'f',  'l',  'o',  'e',   // payload
      0x00, 0x01, 0x02, 0x03,
  };
}

std::vector<uint8_t> v6Reply() {
  return {
      0x81, 0x00, 0x00, 0x00,  // ICMPv6 type 129 (echo reply), code 0, checksum (kernel-checked)
      0xbe, 0xef, 0x01, 0x00,  // identifier 0xbeef, sequence 256
      'p',  'i',  'n',  'g',   // payload
  };
}

TEST(IcmpChecksum, MatchesRfc1071Example) {
  // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its complement.
  const std::vector<uint8_t> b{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum(b), 0x220d);
}

TEST(IcmpChecksum, PadsOddLengthWithZero) {
  const std::vector<uint8_t> odd{0x01, 0x02, 0x03};
  const std::vector<uint8_t> even{0x01, 0x02, 0x03, 0x00};
  EXPECT_EQ(checksum(odd), checksum(even));
}

TEST(IcmpEncode, EncodesV4EchoRequestWithValidChecksum) {
  const std::vector<uint8_t> payload{'f', 'l', 'o', 'e', 0x00, 0x01, 0x02, 0x03};
  const auto req = encodeEchoRequest(Family::kV4, 0x1234, 7, payload);
  const std::vector<uint8_t> expected{
      0x08, 0x00, 0x0d, 0xef,  // type 8 (echo request), code 0, checksum
      0x12, 0x34, 0x00, 0x07,  // identifier, sequence
      'f',  'l',  'o',  'e',  0x00, 0x01, 0x02, 0x03,
  };
  EXPECT_EQ(req, expected);
  EXPECT_EQ(checksum(req), 0);
}

TEST(IcmpEncode, LeavesV6ChecksumToTheKernel) {
  const auto req = encodeEchoRequest(Family::kV6, 0xbeef, 256, {});
  const std::vector<uint8_t> expected{0x80, 0x00, 0x00, 0x00, 0xbe, 0xef, 0x01, 0x00};
  EXPECT_EQ(req, expected);
}

TEST(IcmpDecode, DecodesV4EchoReply) {
  const auto pkt = v4Reply();
  auto r = decodeEchoReply(Family::kV4, pkt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id, 0x1234);
  EXPECT_EQ(r->seq, 7);
  EXPECT_EQ(r->payload_size, 8U);
}

TEST(IcmpDecode, DecodesV6EchoReply) {
  const auto pkt = v6Reply();
  auto r = decodeEchoReply(Family::kV6, pkt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id, 0xbeef);
  EXPECT_EQ(r->seq, 256);
  EXPECT_EQ(r->payload_size, 4U);
}

TEST(IcmpDecode, HonoursIpOptionsInHeaderLength) {
  auto pkt = v4Reply();
  pkt[0] = 0x46;                                           // IHL 6: 4 bytes of options
  pkt.insert(pkt.begin() + 20, {0x01, 0x01, 0x01, 0x01});  // NOP options
  pkt[3] = 0x28;                                           // total length 40
  auto r = decodeEchoReply(Family::kV4, pkt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->seq, 7);
}

TEST(IcmpDecode, IgnoresTrailingBytesBeyondTotalLength) {
  auto pkt = v4Reply();
  pkt.push_back(0xff);
  auto r = decodeEchoReply(Family::kV4, pkt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->payload_size, 8U);
}

TEST(IcmpDecode, RejectsEchoRequestSeenOnLoopback) {
  auto pkt = v4Reply();
  pkt[20] = 0x08;  // our own request, which a raw socket also sees
  auto r = decodeEchoReply(Family::kV4, pkt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "ICMP type 8, not an echo reply at offset 20");
}

TEST(IcmpDecode, RejectsTruncatedIpHeader) {
  auto pkt = v4Reply();
  pkt.resize(19);
  auto r = decodeEchoReply(Family::kV4, pkt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "truncated IPv4 header: 19 bytes at offset 0");
}

TEST(IcmpDecode, RejectsTruncatedIcmpHeader) {
  auto pkt = v4Reply();
  pkt.resize(26);
  pkt[3] = 26;  // total length consistent with the truncation
  auto r = decodeEchoReply(Family::kV4, pkt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "truncated ICMP header: 6 bytes at offset 20");
}

TEST(IcmpDecode, RejectsTotalLengthBeyondPacket) {
  auto pkt = v4Reply();
  pkt[3] = 0x40;  // claims 64 bytes, has 36
  EXPECT_FALSE(decodeEchoReply(Family::kV4, pkt).ok());
}

TEST(IcmpDecode, RejectsHeaderLengthBelowMinimum) {
  auto pkt = v4Reply();
  pkt[0] = 0x44;  // IHL 4 = 16 bytes
  auto r = decodeEchoReply(Family::kV4, pkt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "bad IPv4 header length 16 at offset 0");
}

TEST(IcmpDecode, RejectsNonIcmpProtocol) {
  auto pkt = v4Reply();
  pkt[9] = 6;  // TCP
  EXPECT_FALSE(decodeEchoReply(Family::kV4, pkt).ok());
}

TEST(IcmpDecode, RejectsBadChecksum) {
  auto pkt = v4Reply();
  pkt[30] ^= 0x01;  // flip a payload bit
  auto r = decodeEchoReply(Family::kV4, pkt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "bad ICMP checksum at offset 22");
}

TEST(IcmpDecode, RejectsV6DestinationUnreachable) {
  auto pkt = v6Reply();
  pkt[0] = 1;  // ICMPv6 destination unreachable
  EXPECT_FALSE(decodeEchoReply(Family::kV6, pkt).ok());
}

TEST(IcmpDecode, RejectsEmptyPacket) {
  EXPECT_FALSE(decodeEchoReply(Family::kV4, {}).ok());
  EXPECT_FALSE(decodeEchoReply(Family::kV6, {}).ok());
}

TEST(EchoTracker, MatchesReplyBySequenceAndSource) {
  EchoTracker t(0x1234);
  const auto target = *IpAddress::parse("127.0.0.1");
  const uint16_t seq = t.add(target, 42);
  auto token = t.match(EchoReply{0x1234, seq, 0}, target);
  ASSERT_TRUE(token.has_value());
  EXPECT_EQ(*token, 42U);
  EXPECT_EQ(t.pending(), 0U);
}

TEST(EchoTracker, IgnoresReplyWithWrongIdentifier) {
  EchoTracker t(0x1234);
  const auto target = *IpAddress::parse("127.0.0.1");
  const uint16_t seq = t.add(target, 1);
  EXPECT_FALSE(t.match(EchoReply{0x4321, seq, 0}, target));
  EXPECT_EQ(t.pending(), 1U);
}

TEST(EchoTracker, IgnoresReplyFromAnotherAddress) {
  EchoTracker t(7);
  const uint16_t seq = t.add(*IpAddress::parse("127.0.0.1"), 1);
  EXPECT_FALSE(t.match(EchoReply{7, seq, 0}, *IpAddress::parse("127.0.0.2")));
}

TEST(EchoTracker, IgnoresDuplicateReply) {
  EchoTracker t(7);
  const auto target = *IpAddress::parse("::1");
  const uint16_t seq = t.add(target, 1);
  EXPECT_TRUE(t.match(EchoReply{7, seq, 0}, target));
  EXPECT_FALSE(t.match(EchoReply{7, seq, 0}, target));
}

TEST(EchoTracker, GivesConcurrentRequestsDistinctSequenceNumbers) {
  EchoTracker t(7);
  const auto target = *IpAddress::parse("127.0.0.1");
  EXPECT_NE(t.add(target, 1), t.add(target, 2));
}

}  // namespace
}  // namespace floe::proxy::icmp
