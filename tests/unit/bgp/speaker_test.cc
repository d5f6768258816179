// Two floe Speakers over loopback (127.0.0.1 <-> 127.0.0.2, an unprivileged port), each
// connecting and listening: one session comes up; routes set on one side arrive on the other
// and a withdrawal follows; BFD Down takes the session down with Cease/BFD Down and it comes
// back; shutdown sends Cease/Administrative Shutdown; a wrong remote AS says so.
#include "bgp/speaker.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace floe::bgp {
namespace {

using namespace std::chrono_literals;

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

template <class Pred>
bool waitFor(Pred pred, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

PeerSettings settings(const char* local, const char* peer, uint32_t localAs, uint32_t remoteAs,
                      uint16_t port) {
  PeerSettings s;
  s.local = ip(local);
  s.peer = ip(peer);
  s.localAs = localAs;
  s.remoteAs = remoteAs;
  s.bgpIdentifier = ip(local).v4HostOrder();
  s.holdTime = 9;
  s.keepaliveInterval = 3;
  s.connectRetryTime = 1;
  s.ebgpMultihop = 0;
  s.port = port;
  return s;
}

class SpeakerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    a_.shutdown();
    b_.shutdown();
    work_.reset();
    io_.stop();
    thread_.join();
  }
  nlohmann::json peerOf(Speaker& s) {
    auto st = s.status();
    return st.empty() ? nlohmann::json::object() : st[0];
  }
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread thread_;
  SystemClock clock_;
  Speaker a_{io_, clock_};
  Speaker b_{io_, clock_};
  // A port per test process and loopback addresses per test: ctest runs the tests in
  // parallel, and a lingering TIME_WAIT from an earlier run does not matter.
  uint16_t port_ = static_cast<uint16_t>(20000 + (::getpid() % 20000));
};

TEST_F(SpeakerTest, EstablishesOneSessionAndCarriesRoutes) {
  ASSERT_TRUE(a_.configure({settings("127.0.0.1", "127.0.0.2", 65001, 65002, port_)}).empty());
  ASSERT_TRUE(b_.configure({settings("127.0.0.2", "127.0.0.1", 65002, 65001, port_)}).empty());
  ASSERT_TRUE(waitFor(
      [&] { return peerOf(a_)["state"] == "Established" && peerOf(b_)["state"] == "Established"; },
      10s))
      << peerOf(a_) << "\n"
      << peerOf(b_);
  EXPECT_EQ(peerOf(a_)["hold_time"], 9);
  EXPECT_TRUE(peerOf(a_)["four_octet_as"].get<bool>());

  AdvertisePolicy policy;
  policy.localAs = 65001;
  policy.nextHopV4 = ip("127.0.0.1");
  a_.setRoutes(ip("127.0.0.2"),
               {*Prefix::parse("10.10.50.100/32"), *Prefix::parse("10.10.50.101/32")}, policy);
  ASSERT_TRUE(waitFor([&] { return peerOf(b_)["routes_received"] == 2; }, 5s)) << peerOf(b_);
  EXPECT_EQ(peerOf(a_)["routes_advertised"], 2);
  // One withdrawn: only the difference goes out.
  a_.setRoutes(ip("127.0.0.2"), {*Prefix::parse("10.10.50.101/32")}, policy);
  ASSERT_TRUE(waitFor([&] { return peerOf(b_)["routes_received"] == 1; }, 5s)) << peerOf(b_);
  EXPECT_EQ(peerOf(b_)["received"][0], "10.10.50.101/32");
  EXPECT_EQ(peerOf(a_)["established_transitions"], 1);

  // BFD Down: the session goes down at once, the peer hears Cease/BFD Down (RFC 9384).
  a_.bfdDown(ip("127.0.0.2"), "Control Detection Time Expired");
  ASSERT_TRUE(waitFor([&] { return peerOf(b_)["state"] != "Established"; }, 2s));
  EXPECT_EQ(peerOf(b_)["last_notification"], "received Cease/10") << peerOf(b_);
  EXPECT_EQ(peerOf(a_)["last_notification"], "sent Cease/10") << peerOf(a_);
  EXPECT_EQ(peerOf(b_)["routes_received"], 0);

  // Both restart after the idle hold time (5 s, RFC 4271 §8.1.1) within a millisecond of each
  // other: one session comes up again and carries the routes.
  ASSERT_TRUE(waitFor(
      [&] { return peerOf(a_)["state"] == "Established" && peerOf(b_)["state"] == "Established"; },
      15s))
      << peerOf(a_) << "\n"
      << peerOf(b_);
  EXPECT_TRUE(waitFor([&] { return peerOf(b_)["routes_received"] == 1; }, 5s)) << peerOf(b_);
  EXPECT_EQ(peerOf(a_)["established_transitions"], 2);
  EXPECT_EQ(peerOf(b_)["established_transitions"], 2);
}

TEST_F(SpeakerTest, ShutdownSendsCease) {
  ASSERT_TRUE(a_.configure({settings("127.0.2.1", "127.0.2.2", 65001, 65001, port_)}).empty());
  ASSERT_TRUE(b_.configure({settings("127.0.2.2", "127.0.2.1", 65001, 65001, port_)}).empty());
  ASSERT_TRUE(waitFor([&] { return peerOf(b_)["state"] == "Established"; }, 10s))
      << peerOf(a_) << "\n"
      << peerOf(b_);
  EXPECT_EQ(peerOf(b_)["type"], "iBGP");
  a_.shutdown();
  ASSERT_TRUE(waitFor([&] { return peerOf(b_)["state"] != "Established"; }, 2s));
  EXPECT_EQ(peerOf(b_)["last_notification"], "received Cease/2") << peerOf(b_);
}

TEST_F(SpeakerTest, WrongRemoteAsNeverEstablishesAndSaysWhy) {
  ASSERT_TRUE(a_.configure({settings("127.0.3.1", "127.0.3.2", 65001, 65009, port_)}).empty());
  ASSERT_TRUE(b_.configure({settings("127.0.3.2", "127.0.3.1", 65002, 65001, port_)}).empty());
  ASSERT_TRUE(waitFor(
      [&] {
        return peerOf(a_)["last_error"].get<std::string>().find(
                   "peer AS 65002, configured 65009") != std::string::npos;
      },
      5s))
      << peerOf(a_);
  EXPECT_NE(peerOf(a_)["state"], "Established");
}

}  // namespace
}  // namespace floe::bgp
