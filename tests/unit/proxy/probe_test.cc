// Real-socket checks of the TCP and ICMP echo probers, against loopback only.
#include <gtest/gtest.h>

#include <cerrno>
#include <optional>

#include "fd_squeeze.h"
#include "proxy/ping_probe.h"
#include "proxy/tcp_probe.h"
#include "test_net.h"

namespace floe::proxy {
namespace {

using namespace test;

std::optional<ProbeResult> probeOnce(asio::io_context& io, Prober& prober, ProbeTarget target,
                                     std::chrono::milliseconds timeout = 2000ms) {
  std::optional<ProbeResult> result;
  auto op = prober.probe(target, timeout, [&](ProbeResult r) { result = std::move(r); });
  runUntil(
      io, [&] { return result.has_value(); }, timeout + 2000ms);
  return result;
}

TEST(TcpProbe, SucceedsWhenTheServerAccepts) {
  asio::io_context io;
  TcpProber prober(io);
  TestServer server(ip("127.0.0.1"), TestServer::echo());
  auto r = probeOnce(io, prober, {server.endpoint().ip, server.port()});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->detail, "connect ok");
}

TEST(TcpProbe, ReportsConnectRefused) {
  asio::io_context io;
  TcpProber prober(io);
  ClosedPort closed(ip("127.0.0.1"));
  auto r = probeOnce(io, prober, {closed.ip, closed.port});
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->detail, "connect refused");
}

TEST(TcpProbe, OutOfDescriptorsIsALocalErrorNotAFailedCheck) {
  asio::io_context io;
  TcpProber prober(io);
  TestServer server(ip("127.0.0.1"), TestServer::echo());
  // First a probe that works: it also makes Asio create its reactor descriptors.
  ASSERT_TRUE(probeOnce(io, prober, {server.endpoint().ip, server.port()})->ok);
  std::optional<ProbeResult> r;
  {
    FdSqueeze squeeze(0);
    r = probeOnce(io, prober, {server.endpoint().ip, server.port()});
  }
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->local_error, EMFILE) << r->detail;
}

TEST(TcpProbe, RefusedConnectIsNotALocalError) {
  asio::io_context io;
  TcpProber prober(io);
  ClosedPort closed(ip("127.0.0.1"));
  auto r = probeOnce(io, prober, {closed.ip, closed.port});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->local_error, 0);
}

TEST(TcpProbe, ProbesFromTheGivenSourceAddress) {
  asio::io_context io;
  TcpProber prober(io);
  TestServer server(ip("127.0.0.1"), TestServer::echo());
  auto r = probeOnce(io, prober, {server.endpoint().ip, server.port(), ip("127.0.0.31")});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ok) << r->detail;
  ASSERT_TRUE(waitFor([&] { return server.accepted() == 1; }));
  EXPECT_EQ(server.peers().at(0), ip("127.0.0.31"));
}

TEST(TcpProbe, SourceNotOnTheHostIsALocalError) {
  asio::io_context io;
  TcpProber prober(io);
  TestServer server(ip("127.0.0.1"), TestServer::echo());
  auto r = probeOnce(io, prober, {server.endpoint().ip, server.port(), ip("192.0.2.31")});
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->local_error, EADDRNOTAVAIL) << r->detail;
}

TEST(TcpProbe, CancelledProbeNeverCallsBack) {
  asio::io_context io;
  TcpProber prober(io);
  TestServer server(ip("127.0.0.1"), TestServer::echo());
  bool called = false;
  auto op = prober.probe({server.endpoint().ip, server.port()}, 1000ms,
                         [&](ProbeResult) { called = true; });
  op->cancel();
  io.run_for(200ms);
  EXPECT_FALSE(called);
}

class PingProbe : public ::testing::TestWithParam<const char*> {};

TEST_P(PingProbe, GetsEchoReplyFromLoopback) {
  asio::io_context io;
  PingProber prober(io);
  auto r = probeOnce(io, prober, {ip(GetParam()), 0});
  ASSERT_TRUE(r.has_value());
  if (!r->ok && r->detail.find("Operation not permitted") != std::string::npos) {
    GTEST_SKIP() << "needs CAP_NET_RAW: " << r->detail;
  }
  EXPECT_TRUE(r->ok) << r->detail;
  EXPECT_EQ(r->detail, "echo reply");
}

INSTANTIATE_TEST_SUITE_P(V4AndV6, PingProbe, ::testing::Values("127.0.0.1", "::1"));

TEST(PingProbeMany, MatchesEachReplyToItsProbe) {
  asio::io_context io;
  PingProber prober(io);
  std::vector<std::optional<ProbeResult>> results(3);
  std::vector<std::shared_ptr<ProbeOp>> ops;
  const char* targets[] = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};
  for (size_t i = 0; i < 3; ++i) {
    ops.push_back(prober.probe({ip(targets[i]), 0}, 2000ms,
                               [&, i](ProbeResult r) { results[i] = std::move(r); }));
  }
  ASSERT_TRUE(runUntil(io, [&] {
    return results[0].has_value() && results[1].has_value() && results[2].has_value();
  }));
  if (!results[0]->ok && results[0]->detail.find("not permitted") != std::string::npos) {
    GTEST_SKIP() << "needs CAP_NET_RAW";
  }
  for (auto& r : results) EXPECT_TRUE(r->ok) << r->detail;
}

}  // namespace
}  // namespace floe::proxy
