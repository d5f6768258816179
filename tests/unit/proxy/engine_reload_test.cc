// Listeners, addresses and connections through a reload (issue 5 §4): a stranger listening on
// a VIP:port with SO_REUSEPORT is detected instead of silently sharing the port, and a reload
// that takes away a connection's virtual service, VIP or SNAT IP resets that connection at
// once (before apply() returns, so before the agent removes the address), never a black hole.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "engine_fixture.h"
#include "proxy/socket_util.h"

namespace floe::proxy::test {
namespace {

// A server whose handler echoes 4 bytes, then records how its connection ended.
struct WatchedServer {
  explicit WatchedServer(IpAddress ip)
      : server(ip, [this](int fd) {
          sendAll(fd, recvN(fd, 4));
          int err = 0;
          recvToEof(fd, &err);
          ended = err;
        }) {}
  std::atomic<int> ended{-1};
  TestServer server;
};

// A reset reaches the client within `within`; recv() after it reports ECONNRESET.
bool resetWithin(int fd, std::chrono::milliseconds within) {
  timeval tv{0, static_cast<suseconds_t>(within.count() * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char b;
  return ::recv(fd, &b, 1, 0) < 0 && errno == ECONNRESET;
}

TEST_F(EngineTest, ReportsAStrangerSharingTheVipPortWithReuseport) {
  start();
  TestServer server(addr.server1, TestServer::echo());
  const int stranger = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(stranger, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(stranger, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_storage ss{};
  const socklen_t len = vip().ip.toSockaddr(vip().port, ss);
  ASSERT_EQ(::bind(stranger, reinterpret_cast<sockaddr*>(&ss), len), 0);
  ASSERT_EQ(::listen(stranger, 16), 0);

  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  c.virtual_services = {service("vs1", {vip()}, "web")};
  const auto errors = engine->apply(c);
  ASSERT_EQ(errors.size(), 1U);
  const std::string where = formatEndpoint(vip().ip, vip().port);
  EXPECT_EQ(errors[0].message, where + ": Address already in use by another process");
  const auto st = engine->status();
  EXPECT_FALSE(findService(st, "vs1")->up);
  EXPECT_EQ(findService(st, "vs1")->reason,
            "listen " + where + ": Address already in use by another process");
  EXPECT_EQ(st.engine.listening_sockets, 0U) << "floe did not join the stranger's port group";
  ::close(stranger);
}

TEST_F(EngineTest, RemovingAServiceResetsItsConnectionsAtOnce) {
  start();
  WatchedServer w(addr.server1);
  ProxyConfig c;
  c.pools = {pool("web", {w.server.spec()})};
  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);
  const int fd = openEchoing(vip());
  ASSERT_GE(fd, 0);

  applyOk(ProxyConfig{});
  EXPECT_TRUE(resetWithin(fd, 500ms)) << "the client must learn at once, not time out";
  ASSERT_TRUE(waitFor([&] { return w.ended != -1; }, 1000ms));
  EXPECT_EQ(w.ended, ECONNRESET);
  ::close(fd);
}

TEST_F(EngineTest, RemovingAVipResetsItsConnectionsAndKeepsTheOthers) {
  start();
  TestServer server(addr.server1, TestServer::echo());
  const Endpoint other{ip("127.10.250.1"), addr.vip_port};
  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  c.virtual_services = {service("vs1", {vip(), other}, "web")};
  applyOk(c);
  const int onRemoved = openEchoing(other);
  const int onKept = openEchoing(vip());
  ASSERT_GE(onRemoved, 0);
  ASSERT_GE(onKept, 0);

  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);
  EXPECT_TRUE(resetWithin(onRemoved, 500ms));
  EXPECT_EQ(roundTrip(onKept, "kept"), "kept");
  ::close(onRemoved);
  ::close(onKept);
}

TEST_F(EngineTest, ChangingTheSnatIpResetsConnectionsFromTheOldOne) {
  start(tuning(1));
  WatchedServer w(addr.server1);
  ProxyConfig c;
  c.pools = {pool("web", {w.server.spec()})};
  c.virtual_services = {service("vs1", {vip()}, "web", {addr.snat1})};
  applyOk(c);
  const int fd = openEchoing(vip());
  ASSERT_GE(fd, 0);

  c.virtual_services = {service("vs1", {vip()}, "web", {addr.snat2})};
  applyOk(c);
  EXPECT_TRUE(resetWithin(fd, 500ms));
  ASSERT_TRUE(waitFor([&] { return w.ended != -1; }, 1000ms));
  EXPECT_EQ(w.ended, ECONNRESET) << "the server side, from the old SNAT IP, is reset too";
  ::close(fd);
  const int again = openEchoing(vip());
  ASSERT_GE(again, 0);
  EXPECT_EQ(w.server.peers().back(), addr.snat2);
  ::close(again);
}

TEST_F(EngineTest, ReloadThatKeepsServiceVipAndSnatKeepsConnections) {
  start();
  TestServer server(addr.server1, TestServer::echo());
  TestServer other(addr.server2, TestServer::echo());
  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  c.virtual_services = {service("vs1", {vip()}, "web", {addr.snat1, addr.snat2})};
  applyOk(c);
  const int fd = openEchoing(vip());
  ASSERT_GE(fd, 0);
  // The pool changes and a SNAT IP is added; nothing this connection uses goes away.
  c.pools = {pool("web", {server.spec(), other.spec()})};
  c.virtual_services = {
      service("vs1", {vip()}, "web", {addr.snat1, addr.snat2, ip("127.30.250.1")})};
  applyOk(c);
  EXPECT_EQ(roundTrip(fd, "same"), "same");
  ::close(fd);
}

}  // namespace
}  // namespace floe::proxy::test
