// Heartbeat codec (src/ha/heartbeat.h) against annotated byte vectors: decode → fields →
// encode → identical bytes; every DecodeError with its field and offset.
#include "ha/heartbeat.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace floe::ha {
namespace {

const std::vector<uint8_t> kSecret = {'k', '3', 'y'};

// group "g1", engine "se1", ACTIVE, degraded + first listed, keyed with "k3y".
const std::vector<uint8_t> kKeyed = {
    0x46, 0x4c, 0x48, 0x42,                          // magic "FLHB"
    0x01,                                            // version 1
    0x01,                                            // role ACTIVE
    0x05,                                            // flags: degraded | first_listed
    0x05,                                            // priority 5
    0x02,                                            // interfaces_up 2
    0x03,                                            // interfaces_total 3
    0x00, 0x02,                                      // group_len 2
    0x00, 0x03,                                      // engine_len 3
    0x00, 0x00,                                      // reserved
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // boot_id
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  // sequence 42
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,  // term 3
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  // config_generation 7
    'g', '1',                                        // group
    's', 'e', '1',                                   // engine
    // HMAC-SHA256("k3y", bytes 0..52), computed independently (Python hmac)
    0xfd, 0x5d, 0xd7, 0x18, 0x90, 0xc2, 0x28, 0x0a, 0x02, 0xae, 0x7c, 0x0e, 0x9c, 0x6b, 0xe4, 0x2a,
    0x47, 0xef, 0x98, 0x62, 0x4f, 0x43, 0x19, 0x67, 0x42, 0xb2, 0xa5, 0x46, 0xa6, 0x24, 0xd2, 0xfb};

Heartbeat expected() {
  Heartbeat hb;
  hb.group = "g1";
  hb.engine = "se1";
  hb.boot_id = 0x0102030405060708;
  hb.sequence = 42;
  hb.role = Role::kActive;
  hb.priority = 5;
  hb.interfaces_up = 2;
  hb.interfaces_total = 3;
  hb.degraded = true;
  hb.first_listed = true;
  hb.config_generation = 7;
  hb.term = 3;
  return hb;
}

std::vector<uint8_t> unkeyed() {
  auto b = kKeyed;
  std::fill(b.end() - kMacSize, b.end(), 0);
  return b;
}

int code(const Result<Heartbeat>& r) { return r.ok() ? 0 : r.error().code; }

TEST(HeartbeatCodec, DecodesAnnotatedKeyedVector) {
  auto r = decodeHeartbeat(kKeyed, kSecret);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Heartbeat want = expected();
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->group, want.group);
  EXPECT_EQ(r->engine, want.engine);
  EXPECT_EQ(r->boot_id, want.boot_id);
  EXPECT_EQ(r->sequence, want.sequence);
  EXPECT_EQ(r->role, Role::kActive);
  EXPECT_EQ(r->priority, 5);
  EXPECT_EQ(r->interfaces_up, 2);
  EXPECT_EQ(r->interfaces_total, 3);
  EXPECT_TRUE(r->degraded);
  EXPECT_FALSE(r->takeover_request);
  EXPECT_TRUE(r->first_listed);
  EXPECT_EQ(r->config_generation, 7u);
  EXPECT_EQ(r->term, 3u);
}

TEST(HeartbeatCodec, EncodesFieldsToTheAnnotatedVector) {
  EXPECT_EQ(encodeHeartbeat(expected(), kSecret), kKeyed);
}

TEST(HeartbeatCodec, DecodeThenEncodeGivesIdenticalBytes) {
  auto r = decodeHeartbeat(kKeyed, kSecret);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(encodeHeartbeat(*r, kSecret), kKeyed);
}

TEST(HeartbeatCodec, UnkeyedHasAllZeroMac) {
  EXPECT_EQ(encodeHeartbeat(expected(), {}), unkeyed());
  auto r = decodeHeartbeat(unkeyed(), {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->engine, "se1");
}

TEST(HeartbeatCodec, TakeoverRequestIsFlagBitOne) {
  Heartbeat hb = expected();
  hb.degraded = false;
  hb.first_listed = false;
  hb.takeover_request = true;
  const auto b = encodeHeartbeat(hb, {});
  EXPECT_EQ(b[6], 0x02);
  auto r = decodeHeartbeat(b, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->takeover_request);
  EXPECT_FALSE(r->degraded);
}

TEST(HeartbeatCodec, CarriesNamesOf256Bytes) {
  Heartbeat hb = expected();
  hb.group = std::string(256, 'g');
  hb.engine = std::string(256, 'e');
  const auto b = encodeHeartbeat(hb, kSecret);
  ASSERT_EQ(b.size(), kMaxMessageSize);
  auto r = decodeHeartbeat(b, kSecret);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->group, hb.group);
  EXPECT_EQ(r->engine, hb.engine);
}

TEST(HeartbeatCodec, RefusesToEncodeNameOver256BytesOrEmpty) {
  Heartbeat hb = expected();
  hb.engine = std::string(257, 'e');
  EXPECT_TRUE(encodeHeartbeat(hb, kSecret).empty());
  hb.engine.clear();
  EXPECT_TRUE(encodeHeartbeat(hb, kSecret).empty());
}

TEST(HeartbeatCodec, TruncatedHeader) {
  auto r = decodeHeartbeat(std::span(kKeyed).first(47), kSecret);
  ASSERT_EQ(code(r), static_cast<int>(DecodeError::kTruncated));
  EXPECT_NE(r.error().message.find("header at offset 47"), std::string::npos) << r.error().message;
  EXPECT_EQ(code(decodeHeartbeat({}, kSecret)), static_cast<int>(DecodeError::kTruncated));
}

TEST(HeartbeatCodec, TruncatedMac) {
  auto r = decodeHeartbeat(std::span(kKeyed).first(kKeyed.size() - 1), kSecret);
  ASSERT_EQ(code(r), static_cast<int>(DecodeError::kTruncated));
  EXPECT_NE(r.error().message.find("mac"), std::string::npos);
}

TEST(HeartbeatCodec, BadVersionBeforeMac) {
  auto b = kKeyed;
  b[4] = 2;  // version 2: its MAC may sit elsewhere, so it is refused before the MAC check
  auto r = decodeHeartbeat(b, kSecret);
  ASSERT_EQ(code(r), static_cast<int>(DecodeError::kBadVersion));
  EXPECT_NE(r.error().message.find("version at offset 4"), std::string::npos);
}

TEST(HeartbeatCodec, BadMagicIsMalformed) {
  auto b = kKeyed;
  b[1] = 'X';
  auto r = decodeHeartbeat(b, kSecret);
  ASSERT_EQ(code(r), static_cast<int>(DecodeError::kMalformed));
  EXPECT_NE(r.error().message.find("magic at offset 1"), std::string::npos);
}

TEST(HeartbeatCodec, WrongSecretIsBadMac) {
  const std::vector<uint8_t> other = {'k', '3', 'z'};
  auto r = decodeHeartbeat(kKeyed, other);
  ASSERT_EQ(code(r), static_cast<int>(DecodeError::kBadMac));
  EXPECT_NE(r.error().message.find("mac at offset 53"), std::string::npos) << r.error().message;
}

TEST(HeartbeatCodec, AlteredByteIsBadMac) {
  auto b = kKeyed;
  b[31] = 43;  // sequence 42 -> 43 (a replay with a forged sequence)
  EXPECT_EQ(code(decodeHeartbeat(b, kSecret)), static_cast<int>(DecodeError::kBadMac));
}

TEST(HeartbeatCodec, KeyedMessageWithoutLocalSecretIsBadMac) {
  EXPECT_EQ(code(decodeHeartbeat(kKeyed, {})), static_cast<int>(DecodeError::kBadMac));
}

TEST(HeartbeatCodec, UnkeyedMessageWithLocalSecretIsBadMac) {
  EXPECT_EQ(code(decodeHeartbeat(unkeyed(), kSecret)), static_cast<int>(DecodeError::kBadMac));
}

// Field errors after the MAC: build them unkeyed so the MAC stays valid (all zero).
TEST(HeartbeatCodec, UnknownRoleIsMalformed) {
  auto b = unkeyed();
  b[5] = 4;
  auto r = decodeHeartbeat(b, {});
  ASSERT_EQ(code(r), static_cast<int>(DecodeError::kMalformed));
  EXPECT_NE(r.error().message.find("role at offset 5"), std::string::npos);
}

TEST(HeartbeatCodec, ReservedFlagBitIsMalformed) {
  auto b = unkeyed();
  b[6] |= 0x80;
  auto r = decodeHeartbeat(b, {});
  ASSERT_EQ(code(r), static_cast<int>(DecodeError::kMalformed));
  EXPECT_NE(r.error().message.find("flags at offset 6"), std::string::npos);
}

TEST(HeartbeatCodec, MoreInterfacesUpThanTotalIsMalformed) {
  auto b = unkeyed();
  b[8] = 4;
  auto r = decodeHeartbeat(b, {});
  ASSERT_EQ(code(r), static_cast<int>(DecodeError::kMalformed));
  EXPECT_NE(r.error().message.find("interfaces_up at offset 8"), std::string::npos);
}

TEST(HeartbeatCodec, NonZeroReservedIsMalformed) {
  auto b = unkeyed();
  b[15] = 1;
  auto r = decodeHeartbeat(b, {});
  ASSERT_EQ(code(r), static_cast<int>(DecodeError::kMalformed));
  EXPECT_NE(r.error().message.find("reserved at offset 14"), std::string::npos);
}

TEST(HeartbeatCodec, ZeroOrOversizeNameLengthIsMalformed) {
  auto b = unkeyed();
  b[11] = 0;  // group_len 0
  auto r = decodeHeartbeat(b, {});
  ASSERT_EQ(code(r), static_cast<int>(DecodeError::kMalformed));
  EXPECT_NE(r.error().message.find("group_len at offset 10"), std::string::npos);
  b = unkeyed();
  b[12] = 0x01;  // engine_len 259
  r = decodeHeartbeat(b, {});
  ASSERT_EQ(code(r), static_cast<int>(DecodeError::kMalformed));
  EXPECT_NE(r.error().message.find("engine_len at offset 12"), std::string::npos);
}

TEST(HeartbeatCodec, TrailingBytesAreMalformed) {
  auto b = kKeyed;
  b.push_back(0);
  auto r = decodeHeartbeat(b, kSecret);
  ASSERT_EQ(code(r), static_cast<int>(DecodeError::kMalformed));
  EXPECT_NE(r.error().message.find("trailing"), std::string::npos);
}

TEST(HeartbeatCodec, BootIdIsWallClockNanoseconds) {
  const WallTime t{std::chrono::seconds(1'800'000'000)};
  EXPECT_EQ(newBootId(t), 1'800'000'000'000'000'000ull);
  EXPECT_LT(newBootId(t), newBootId(t + std::chrono::milliseconds(1)));
}

}  // namespace
}  // namespace floe::ha
