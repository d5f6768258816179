// Inbound (src/ha/inbound.h): every bad heartbeat is refused with its reason and counted, and
// never moves a replay window; good ones pass once.
#include "ha/inbound.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/clock.h"

namespace floe::ha {
namespace {

const std::vector<uint8_t> kSecret = {'s', '3'};

class InboundTest : public ::testing::Test {
 protected:
  Inbound in{{"se2", "g", "se1", kSecret, 2, std::chrono::milliseconds(1000)}};
  ManualClock clock;

  std::vector<uint8_t> from(const std::string& engine, uint64_t seq, const std::string& group = "g",
                            const std::vector<uint8_t>& secret = kSecret) {
    Heartbeat hb;
    hb.group = group;
    hb.engine = engine;
    hb.boot_id = 1000;
    hb.sequence = seq;
    hb.role = Role::kActive;
    return encodeHeartbeat(hb, secret);
  }
  int code(const Result<Heartbeat>& r) { return r.ok() ? 0 : r.error().code; }
};

TEST_F(InboundTest, AcceptsPeerOncePerSequenceAndPath) {
  auto r = in.receive(from("se1", 1), 0, clock.now());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->engine, "se1");
  EXPECT_EQ(code(in.receive(from("se1", 1), 0, clock.now())),
            static_cast<int>(InboundError::kReplayed));
  EXPECT_TRUE(in.receive(from("se1", 1), 1, clock.now()).ok());  // other path: own window
  EXPECT_EQ(in.counters().received, 2u);
  EXPECT_EQ(in.counters().replayed, 1u);
}

TEST_F(InboundTest, CountsBadMacMalformedAndWrongGroup) {
  EXPECT_EQ(code(in.receive(from("se1", 1, "g", {'x'}), 0, clock.now())),
            static_cast<int>(DecodeError::kBadMac));
  const std::vector<uint8_t> garbage = {1, 2, 3};
  EXPECT_EQ(code(in.receive(garbage, 0, clock.now())), static_cast<int>(DecodeError::kTruncated));
  EXPECT_EQ(code(in.receive(from("se1", 1, "other"), 0, clock.now())),
            static_cast<int>(InboundError::kWrongGroup));
  EXPECT_EQ(code(in.receive(from("se9", 1), 0, clock.now())),
            static_cast<int>(InboundError::kOtherEngine));
  EXPECT_EQ(code(in.receive(from("se2", 1), 0, clock.now())),
            static_cast<int>(InboundError::kSelf));
  EXPECT_EQ(code(in.receive(from("se1", 1), 2, clock.now())),
            static_cast<int>(InboundError::kBadPath));
  const Counters& c = in.counters();
  EXPECT_EQ(c.bad_mac, 1u);
  EXPECT_EQ(c.malformed, 1u);
  EXPECT_EQ(c.wrong_group, 2u);
  EXPECT_EQ(c.received, 0u);
  // None of them moved the window: sequence 1 from se1 is still fresh.
  EXPECT_TRUE(in.receive(from("se1", 1), 0, clock.now()).ok());
}

TEST_F(InboundTest, BadHeartbeatMessageSaysWhatWasWrong) {
  auto r = in.receive(from("se1", 1, "other"), 0, clock.now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "heartbeat: group \"other\" from se1 is not \"g\"");
}

TEST_F(InboundTest, SentCounter) {
  in.countSent(3);
  EXPECT_EQ(toJson(in.counters())["sent"], 3);
}

}  // namespace
}  // namespace floe::ha
