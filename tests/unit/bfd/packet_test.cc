// RFC 5880 §4.1 codec: annotated byte vectors, decode -> fields -> encode -> same bytes, and
// each §6.8.6 validity check as a decode error naming field and offset.
#include "bfd/packet.h"

#include <gtest/gtest.h>

#include <vector>

namespace floe::bfd {
namespace {

// A Down packet before the peer is known, with FRR's default timers (300 ms TX/RX, 50 ms
// echo). Hand-written from RFC 5880 §4.1; what FRR really sends while Down (1 s, slow start)
// is in frr_capture_test.cc.
const std::vector<uint8_t> kDownPacket = {
    0x20,                    // vers 1, diag 0 (No Diagnostic)
    0x40,                    // sta 1 (Down), P F C A D M = 0
    0x03,                    // detect mult 3
    0x18,                    // length 24
    0x00, 0x00, 0x00, 0x2a,  // my discriminator 42
    0x00, 0x00, 0x00, 0x00,  // your discriminator 0 (unknown yet)
    0x00, 0x04, 0x93, 0xe0,  // desired min tx 300000 us
    0x00, 0x04, 0x93, 0xe0,  // required min rx 300000 us
    0x00, 0x00, 0xc3, 0x50,  // required min echo rx 50000 us
};

TEST(BfdPacket, DecodesDownPacketFieldByField) {
  auto p = decodeControlPacket(kDownPacket);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->version, 1);
  EXPECT_EQ(p->diag, Diagnostic::kNoDiagnostic);
  EXPECT_EQ(p->state, State::kDown);
  EXPECT_FALSE(p->poll);
  EXPECT_FALSE(p->final);
  EXPECT_EQ(p->detectMult, 3);
  EXPECT_EQ(p->myDiscriminator, 42u);
  EXPECT_EQ(p->yourDiscriminator, 0u);
  EXPECT_EQ(p->desiredMinTxIntervalUs, 300000u);
  EXPECT_EQ(p->requiredMinRxIntervalUs, 300000u);
  EXPECT_EQ(p->requiredMinEchoRxIntervalUs, 50000u);
  EXPECT_EQ(encodeControlPacket(*p), kDownPacket);
}

TEST(BfdPacket, UpPacketWithPollAndDiagRoundTrips) {
  const std::vector<uint8_t> bytes = {
      0x23,                    // vers 1, diag 3 (Neighbor Signaled Session Down)
      0xe8,                    // sta 3 (Up), P=1, C=1
      0x05, 0x18,              // detect mult 5, length 24
      0x11, 0x22, 0x33, 0x44,  // my discriminator
      0x55, 0x66, 0x77, 0x88,  // your discriminator
      0x00, 0x00, 0xc3, 0x50,  // desired min tx 50 ms
      0x00, 0x00, 0xc3, 0x50,  // required min rx 50 ms
      0x00, 0x00, 0x00, 0x00,  // no echo
  };
  auto p = decodeControlPacket(bytes);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->diag, Diagnostic::kNeighborSignaledSessionDown);
  EXPECT_EQ(p->state, State::kUp);
  EXPECT_TRUE(p->poll);
  EXPECT_TRUE(p->controlPlaneIndependent);
  EXPECT_EQ(p->yourDiscriminator, 0x55667788u);
  EXPECT_EQ(encodeControlPacket(*p), bytes);
}

TEST(BfdPacket, AuthenticationSectionIsCarriedVerbatim) {
  std::vector<uint8_t> bytes = kDownPacket;
  bytes[1] |= 0x04;  // A
  bytes[3] = 24 + 4;
  bytes.insert(bytes.end(), {0x01, 0x04, 0x01, 'k'});  // simple password: type, len, key id, pw
  auto p = decodeControlPacket(bytes);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_TRUE(p->authPresent);
  EXPECT_EQ(p->auth, (std::vector<uint8_t>{0x01, 0x04, 0x01, 'k'}));
  EXPECT_EQ(encodeControlPacket(*p), bytes);
}

TEST(BfdPacket, IgnoresBytesAfterLength) {
  std::vector<uint8_t> bytes = kDownPacket;
  bytes.push_back(0xff);
  auto p = decodeControlPacket(bytes);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(encodeControlPacket(*p), kDownPacket);
}

struct Bad {
  const char* name;
  size_t at;
  uint8_t value;
  int offset;
  const char* field;
};

class BfdPacketRejects : public testing::TestWithParam<Bad> {};

TEST_P(BfdPacketRejects, NamesFieldAndOffset) {
  std::vector<uint8_t> bytes = kDownPacket;
  bytes[GetParam().at] = GetParam().value;
  auto p = decodeControlPacket(bytes);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, GetParam().offset);
  EXPECT_NE(p.error().message.find(GetParam().field), std::string::npos) << p.error().message;
}

// RFC 5880 §6.8.6, one row per "MUST be discarded" that the codec can judge alone.
INSTANTIATE_TEST_SUITE_P(
    Rfc5880Section686, BfdPacketRejects,
    testing::Values(Bad{"Version2", 0, 0x40, 0, "vers"}, Bad{"LengthBelow24", 3, 23, 3, "length"},
                    Bad{"LengthBeyondPayload", 3, 25, 3, "length"},
                    Bad{"AuthBitWithLength24", 1, 0x44, 3, "length"},
                    Bad{"ZeroDetectMult", 2, 0, 2, "detect_mult"},
                    Bad{"MultipointBit", 1, 0x41, 1, "m at"},
                    Bad{"ZeroMyDiscriminator", 7, 0, 4, "my_discriminator"},
                    Bad{"ZeroYourDiscriminatorWhileUp", 1, 0xc0, 8, "your_discriminator"},
                    Bad{"ZeroYourDiscriminatorWhileInit", 1, 0x80, 8, "your_discriminator"}),
    [](const auto& info) { return std::string(info.param.name); });

// Fuzzer finding (fuzz_bfd_packet): Length 27 with A clear. §6.8.6 bounds Length only from
// below and by the payload, so it decodes; encoding normalises it to 24.
TEST(BfdPacket, AcceptsLengthAboveMinimumWithoutAuthAndNormalisesIt) {
  std::vector<uint8_t> bytes = kDownPacket;
  bytes[3] = 27;
  bytes.insert(bytes.end(), {0x1b, 0x1b, 0x1b});
  auto p = decodeControlPacket(bytes);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(encodeControlPacket(*p), kDownPacket);
}

TEST(BfdPacket, RejectsTruncatedPacket) {
  std::vector<uint8_t> bytes(kDownPacket.begin(), kDownPacket.begin() + 23);
  auto p = decodeControlPacket(bytes);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("truncated"), std::string::npos);
}

TEST(BfdPacket, AcceptsZeroYourDiscriminatorInAdminDown) {
  std::vector<uint8_t> bytes = kDownPacket;
  bytes[1] = 0x00;  // AdminDown
  EXPECT_TRUE(decodeControlPacket(bytes).ok());
}

TEST(BfdPacket, RejectsAuthLenThatDoesNotFillThePacket) {
  std::vector<uint8_t> bytes = kDownPacket;
  bytes[1] |= 0x04;
  bytes[3] = 24 + 4;
  bytes.insert(bytes.end(), {0x01, 0x03, 0x01, 'k'});  // Auth Len 3, but 4 bytes follow
  auto p = decodeControlPacket(bytes);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, 25);
}

}  // namespace
}  // namespace floe::bfd
