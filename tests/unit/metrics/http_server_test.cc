#include "metrics/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <atomic>
#include <thread>

#include "metrics/exposition.h"

namespace floe::metrics {
namespace {

TEST(ListenAddress, ParsesIpv4AndBracketedIpv6) {
  auto a = parseListenAddress("127.0.0.1:9100");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9100);
  auto b = parseListenAddress("[::1]:80");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 80);
}

TEST(ListenAddress, RejectsWhatIsNotAddrPort) {
  for (const char* bad : {"9100", "localhost:9100", "::1:80", "1.2.3.4:0", "1.2.3.4:65536",
                          "1.2.3.4:x", "1.2.3.4:"}) {
    auto r = parseListenAddress(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message.rfind(std::string("--metrics ") + bad + ": ", 0), 0u)
        << r.error().message;
  }
}

// A control loop on a thread of its own, as floe-se's main loop.
class ControlLoop {
 public:
  ControlLoop() : work_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~ControlLoop() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  asio::io_context& io() { return io_; }
  std::thread::id id() const { return thread_.get_id(); }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

// A port the kernel just handed out on 127.0.0.1 (bound, then closed).
uint16_t freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(MetricsServer, ServesTheTextBuiltOnTheControlLoop) {
  ControlLoop loop;
  std::atomic<bool> onLoop{false};
  const auto loopId = loop.id();
  MetricsServer server(loop.io(), [&] {
    onLoop = std::this_thread::get_id() == loopId;
    return std::string("# HELP floe_x X.\n# TYPE floe_x gauge\nfloe_x 1\n");
  });
  const uint16_t port = freePort();
  ASSERT_TRUE(server.start({"127.0.0.1", port}));
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(5, 0);
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "# HELP floe_x X.\n# TYPE floe_x gauge\nfloe_x 1\n");
  EXPECT_EQ(res->get_header_value("Content-Type"), kContentType);
  EXPECT_TRUE(onLoop);
  EXPECT_EQ(client.Get("/nothing")->status, 404);
}

TEST(MetricsServer, Answers503WhenTheControlLoopIsBusy) {
  asio::io_context notRunning;  // a control loop that never runs the posted work
  MetricsServer server(
      notRunning, [] { return std::string("x"); }, std::chrono::milliseconds(200));
  const uint16_t port = freePort();
  ASSERT_TRUE(server.start({"127.0.0.1", port}));
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(5, 0);
  const auto t0 = std::chrono::steady_clock::now();
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

TEST(MetricsServer, Answers500WhenCollectingFails) {
  ControlLoop loop;
  MetricsServer server(loop.io(), []() -> std::string { throw std::runtime_error("boom"); });
  const uint16_t port = freePort();
  ASSERT_TRUE(server.start({"127.0.0.1", port}));
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(5, 0);
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_NE(res->body.find("boom"), std::string::npos);
}

TEST(MetricsServer, ReportsAnAddressItCannotListenOn) {
  ControlLoop loop;
  MetricsServer first(loop.io(), [] { return std::string(); });
  const uint16_t port = freePort();
  ASSERT_TRUE(first.start({"127.0.0.1", port}));
  MetricsServer server(loop.io(), [] { return std::string(); });
  auto st = server.start({"127.0.0.1", port});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message.rfind(
                "metrics 127.0.0.1:" + std::to_string(port) + ": cannot listen (", 0),
            0u)
      << st.error().message;
}

}  // namespace
}  // namespace floe::metrics
