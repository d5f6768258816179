// Control packets captured from a real router: FRR 8.4.4 bfdd (Debian 12), peer configured
// with transmit/receive 300 ms and multiplier 3, answered by a small Python peer
// (tests/unit/bfd/capture/, run on 2026-11-29). Each decodes and re-encodes identically, and
// floe's Session, fed the sequence, walks Down -> Init -> Up and answers the poll.
#include <gtest/gtest.h>

#include <vector>

#include "bfd/packet.h"
#include "bfd/session.h"

namespace floe::bfd {
namespace {

const std::vector<uint8_t> kFrrDown = {
    0x20, 0x40, 0x03, 0x18,  // vers 1, diag 0; Down; mult 3; length 24
    0x48, 0x39, 0x23, 0x53,  // my discriminator
    0x00, 0x00, 0x00, 0x00,  // your discriminator: not known yet
    0x00, 0x0f, 0x42, 0x40,  // desired min tx 1 s (slow start, RFC 5880 §6.8.3)
    0x00, 0x0f, 0x42, 0x40,  // required min rx 1 s
    0x00, 0x00, 0xc3, 0x50,  // required min echo rx 50 ms
};
const std::vector<uint8_t> kFrrInit = {
    0x20, 0x80, 0x03, 0x18,                          // Init
    0x48, 0x39, 0x23, 0x53, 0x00, 0x00, 0x00, 0x11,  // your discriminator 0x11 (ours)
    0x00, 0x0f, 0x42, 0x40, 0x00, 0x0f, 0x42, 0x40, 0x00, 0x00, 0xc3, 0x50,
};
const std::vector<uint8_t> kFrrUpPoll = {
    0x20, 0xe0, 0x03, 0x18,  // Up, Poll: FRR leaves slow start with a poll sequence
    0x48, 0x39, 0x23, 0x53, 0x00, 0x00,
    0x00, 0x11, 0x00, 0x04, 0x93, 0xe0,  // desired min tx 300 ms
    0x00, 0x04, 0x93, 0xe0,              // required min rx 300 ms
    0x00, 0x00, 0xc3, 0x50,
};
const std::vector<uint8_t> kFrrUp = {
    0x20, 0xc0, 0x03, 0x18,  // Up, poll done
    0x48, 0x39, 0x23, 0x53, 0x00, 0x00, 0x00, 0x11, 0x00, 0x04,
    0x93, 0xe0, 0x00, 0x04, 0x93, 0xe0, 0x00, 0x00, 0xc3, 0x50,
};

TEST(BfdFrrCapture, PacketsRoundTripIdentically) {
  for (const auto* bytes : {&kFrrDown, &kFrrInit, &kFrrUpPoll, &kFrrUp}) {
    auto p = decodeControlPacket(*bytes);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(encodeControlPacket(*p), *bytes);
  }
  auto poll = decodeControlPacket(kFrrUpPoll);
  EXPECT_EQ(poll->state, State::kUp);
  EXPECT_TRUE(poll->poll);
  EXPECT_EQ(poll->desiredMinTxIntervalUs, 300'000u);
  EXPECT_EQ(poll->myDiscriminator, 0x48392353u);
}

TEST(BfdFrrCapture, SessionFollowsFrrToUpAndAnswersItsPoll) {
  ManualClock clock;
  Session s(0x11, Profile{300, 300, 3}, [](uint32_t) { return 0u; });
  (void)s.start(clock.now());
  (void)s.onPacket(*decodeControlPacket(kFrrDown), clock.now());
  EXPECT_EQ(s.state(), State::kInit);
  auto fx = s.onPacket(*decodeControlPacket(kFrrInit), clock.now());
  EXPECT_EQ(s.state(), State::kUp);
  ASSERT_FALSE(fx.send.empty());
  EXPECT_EQ(fx.send.back().yourDiscriminator, 0x48392353u);
  fx = s.onPacket(*decodeControlPacket(kFrrUpPoll), clock.now());
  ASSERT_FALSE(fx.send.empty());
  EXPECT_TRUE(fx.send.front().final);
  (void)s.onPacket(*decodeControlPacket(kFrrUp), clock.now());
  EXPECT_EQ(s.detectionTimeUs(), 900'000u);  // 3 x max(300 ms, 300 ms)
  EXPECT_EQ(s.txIntervalUs(), 300'000u);
}

}  // namespace
}  // namespace floe::bfd
