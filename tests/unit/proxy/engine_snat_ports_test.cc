// SNAT source ports exhausted on one SNAT IP (issue 5 §5): with IP_BIND_ADDRESS_NO_PORT the port
// is picked by connect(), which fails with EADDRNOTAVAIL when the SNAT IP has no free port
// toward the server. floe then tries the next SNAT IP; the server is never charged. Runs in a
// private network namespace (needs root) whose ephemeral port range is four ports wide.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "engine_fixture.h"
#include "netns.h"

namespace floe::proxy::test {
namespace {

using net::testing::ScopedNetns;
using net::testing::sh;

// A client connection from 127.0.0.1:`port` (outside the tiny ephemeral range, which the
// clients would otherwise exhaust first) through `vip`, echoing once; -1 when refused.
int echoFrom(uint16_t port, const Endpoint& vip) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_storage src{};
  const socklen_t srcLen = ip("127.0.0.1").toSockaddr(port, src);
  sockaddr_storage dst{};
  const socklen_t dstLen = vip.ip.toSockaddr(vip.port, dst);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), srcLen) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&dst), dstLen) != 0 ||
      roundTrip(fd, "ping") != "ping") {
    ::close(fd);
    return -1;
  }
  return fd;
}

class SnatPortsTest : public EngineTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ns_.ok()) << ns_.error() << " (these tests need root)";
    const auto up =
        sh("ip link set lo up && sysctl -qw net.ipv4.ip_local_port_range='40000 40003'");
    ASSERT_EQ(up.status, 0) << up.output;
  }
  ScopedNetns ns_;
};

TEST_F(SnatPortsTest, ExhaustedSnatIpFallsBackToTheNextOne) {
  start(tuning(1));
  TestServer server(ip("127.20.0.1"), TestServer::echo());
  const Endpoint vip{ip("127.10.0.1"), 8080};
  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  c.virtual_services = {service("vs1", {vip}, "web", {ip("127.30.0.1"), ip("127.30.0.2")})};
  applyOk(c);

  // Something else takes every port of the first SNAT IP toward the server.
  std::vector<int> squatters;
  for (int i = 0; i < 16; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_storage src{};
    const socklen_t srcLen = ip("127.30.0.1").toSockaddr(0, src);
    sockaddr_storage dst{};
    const socklen_t dstLen = server.endpoint().ip.toSockaddr(server.port(), dst);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&src), srcLen), 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&dst), dstLen) != 0) {
      ASSERT_EQ(errno, EADDRNOTAVAIL);
      ::close(fd);
      break;
    }
    squatters.push_back(fd);
  }
  ASSERT_FALSE(squatters.empty());
  ASSERT_LT(squatters.size(), 16U) << "the port range did not run out";
  ASSERT_TRUE(waitFor([&] { return server.accepted() == squatters.size(); }));
  const size_t before = server.accepted();

  // The round robin over SNAT IPs gives every other connection to the full one.
  std::vector<int> open;
  for (int i = 0; i < 3; ++i) {
    const int fd = echoFrom(static_cast<uint16_t>(50000 + i), vip);
    EXPECT_GE(fd, 0) << "connection " << i << " was refused";
    if (fd >= 0) open.push_back(fd);
  }
  const auto st = engine->status();
  EXPECT_EQ(findServer(st, "web", server.endpoint())->connect_failures, 0U);
  EXPECT_EQ(findService(st, "vs1")->refused_connections, 0U);
  uint64_t eaddrnotavail = 0;
  for (const auto& [cause, n] : st.engine.local_errors) {
    if (cause == "EADDRNOTAVAIL") eaddrnotavail = n;
  }
  EXPECT_GE(eaddrnotavail, 1U) << "the first SNAT IP ran out of ports at least once";
  ASSERT_TRUE(waitFor([&] { return server.accepted() == before + 3; }));
  const auto peers = server.peers();
  for (size_t i = before; i < peers.size(); ++i) {
    EXPECT_EQ(peers[i], ip("127.30.0.2")) << "the second SNAT IP took over";
  }
  for (int fd : open) ::close(fd);
  for (int fd : squatters) ::close(fd);
}

}  // namespace
}  // namespace floe::proxy::test
