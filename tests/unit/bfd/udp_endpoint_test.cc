// RFC 5881 I/O over loopback: two UdpEndpoints (127.0.0.1 <-> 127.0.0.2) bring a session Up,
// AdminDown reaches the peer, and a packet sent with a TTL other than 255 is dropped. Each test
// uses addresses of its own (ctest runs them in parallel, and each binds UDP 3784).
#include "bfd/udp_endpoint.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace floe::bfd {
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

class UdpEndpointTest : public ::testing::Test {
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
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread thread_;
  SystemClock clock_;
  std::atomic<int> aDowns_{0};
  UdpEndpoint a_{io_, clock_, [this](const IpAddress&, const StateChange& c) {
                   if (c.from == State::kUp && c.to == State::kDown) ++aDowns_;
                 }};
  UdpEndpoint b_{io_, clock_, nullptr};
  Profile fast_{50, 50, 3};
};

TEST_F(UdpEndpointTest, SessionComesUpAndAdminDownReachesThePeer) {
  ASSERT_TRUE(a_.configure({{"lo", ip("127.0.0.1"), ip("127.0.0.2"), fast_}}).empty());
  ASSERT_TRUE(b_.configure({{"lo", ip("127.0.0.2"), ip("127.0.0.1"), fast_}}).empty());
  ASSERT_TRUE(waitFor(
      [&] {
        return a_.state(ip("127.0.0.2")) == State::kUp && b_.state(ip("127.0.0.1")) == State::kUp;
      },
      5s));
  const auto st = a_.status();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0]["state"], "Up");
  EXPECT_GT(st[0]["packets_in"].get<uint64_t>(), 0u);
  // Up: the poll sequence lowered the interval to the profile's 50 ms.
  EXPECT_TRUE(waitFor([&] { return a_.status()[0]["tx_interval_ms"].get<double>() == 50.0; }, 2s));
  EXPECT_EQ(a_.status()[0]["detect_time_ms"].get<double>(), 150.0);

  b_.configure({});  // removed: AdminDown (RFC 5880 §6.8.16) to the peer
  EXPECT_TRUE(waitFor([&] { return aDowns_.load() == 1; }, 2s));
  EXPECT_EQ(a_.state(ip("127.0.0.2")), State::kDown);
}

TEST_F(UdpEndpointTest, PacketWithTtlOtherThan255IsDropped) {
  ASSERT_TRUE(a_.configure({{"lo", ip("127.0.3.1"), ip("127.0.3.2"), fast_}}).empty());
  // A well-formed Down packet from 127.0.3.2, sent with TTL 64 (RFC 5881 §5: discard).
  ControlPacket p;
  p.state = State::kDown;
  p.detectMult = 3;
  p.myDiscriminator = 7;
  p.desiredMinTxIntervalUs = 1'000'000;
  p.requiredMinRxIntervalUs = 1'000'000;
  const auto bytes = encodeControlPacket(p);
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  src.sin_addr.s_addr = htonl(0x7f000302);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src), 0);
  const int ttl = 64;
  ::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(kControlPort);
  dst.sin_addr.s_addr = htonl(0x7f000301);
  ASSERT_EQ(
      ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst),
      static_cast<ssize_t>(bytes.size()));
  ::close(fd);
  EXPECT_TRUE(waitFor([&] { return a_.status()[0]["dropped_ttl"].get<uint64_t>() == 1; }, 2s));
  EXPECT_EQ(a_.status()[0]["packets_in"].get<uint64_t>(), 0u);
  EXPECT_EQ(a_.state(ip("127.0.3.2")), State::kDown);
}

}  // namespace
}  // namespace floe::bfd
