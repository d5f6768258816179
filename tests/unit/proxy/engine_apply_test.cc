// apply() as a diff and status(): listeners kept or closed, pools swapped under live
// connections, bind errors, service state and reasons, health state across apply().
#include <sys/socket.h>
#include <unistd.h>

#include "engine_fixture.h"
#include "proxy/socket_util.h"

namespace floe::proxy::test {
namespace {

MonitorSpec tcpMonitor() {
  MonitorSpec m;
  m.name = "System-TCP";
  m.type = MonitorType::kTcp;
  m.send_interval_s = 1;
  m.receive_timeout_s = 1;
  m.successful_checks = 1;
  m.failed_checks = 1;
  return m;
}

TEST_F(EngineTest, KeepsConnectionsOfUnchangedServiceOnApply) {
  start();
  TestServer server(addr.server1, TestServer::echo());
  TestServer other(addr.server2, TestServer::echo());
  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);
  const int fd = openEchoing(vip());
  ASSERT_GE(fd, 0);

  // Another service and another pool appear; vs1 is untouched.
  c.pools.push_back(pool("other", {other.spec()}));
  c.virtual_services.push_back(service("vs2", {vip(1)}, "other"));
  applyOk(c);

  EXPECT_EQ(roundTrip(fd, "still here"), "still here");
  const int fd2 = openEchoing(vip(1));
  EXPECT_GE(fd2, 0);
  ::close(fd);
  if (fd2 >= 0) ::close(fd2);
}

TEST_F(EngineTest, PoolChangeKeepsConnectionsInFlightOnTheirServer) {
  start(tuning(1));
  TestServer oldServer(addr.server1, TestServer::identify("o"));
  TestServer newServer(addr.server2, TestServer::identify("n"));
  ProxyConfig c;
  c.pools = {pool("web", {oldServer.spec()})};
  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);
  const int fd = connectTo(vip());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(recvN(fd, 1), "o");

  c.pools = {pool("web", {newServer.spec()})};
  applyOk(c);

  EXPECT_EQ(roundTrip(fd, "abc"), "abc") << "the connection continues to the removed server";
  // The worker takes the new snapshot asynchronously; new connections soon reach the new server.
  EXPECT_TRUE(waitFor([&] {
    const int n = connectTo(vip());
    const std::string who = n >= 0 ? recvN(n, 1) : "";
    if (n >= 0) ::close(n);
    return who == "n";
  }));
  ::close(fd);
}

TEST_F(EngineTest, RemovedEndpointStopsListeningButItsConnectionsFinish) {
  start();
  TestServer server(addr.server1, TestServer::echo());
  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  c.virtual_services = {service("vs1", {vip(), vip(1)}, "web")};
  applyOk(c);
  const int fd = openEchoing(vip(1));
  ASSERT_GE(fd, 0);

  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);

  EXPECT_TRUE(waitFor([&] {
    const int n = connectTo(vip(1));
    if (n >= 0) ::close(n);
    return n < 0 && errno == ECONNREFUSED;
  }));
  EXPECT_EQ(roundTrip(fd, "abc"), "abc");
  const int kept = openEchoing(vip());
  EXPECT_GE(kept, 0) << "the remaining endpoint still serves";
  ::close(fd);
  if (kept >= 0) ::close(kept);
}

TEST_F(EngineTest, ReportsBindErrorAndAppliesTheRest) {
  start();
  TestServer server(addr.server1, TestServer::echo());
  // Someone else holds vip() without SO_REUSEPORT.
  const int squatter = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;  // TIME_WAIT leftovers must not fail this bind; LISTEN still excludes ours
  ::setsockopt(squatter, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  const socklen_t len = vip().ip.toSockaddr(vip().port, ss);
  ASSERT_EQ(::bind(squatter, reinterpret_cast<sockaddr*>(&ss), len), 0);
  ASSERT_EQ(::listen(squatter, 1), 0);

  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  c.virtual_services = {service("vs1", {vip()}, "web"), service("vs2", {vip(1)}, "web")};
  const auto errors = engine->apply(c);
  ASSERT_EQ(errors.size(), 1U);
  const std::string where = formatEndpoint(vip().ip, vip().port);
  EXPECT_EQ(errors[0].message, where + ": Address already in use by another process");

  const auto st = engine->status();
  EXPECT_FALSE(findService(st, "vs1")->up);
  EXPECT_EQ(findService(st, "vs1")->reason,
            "listen " + where + ": Address already in use by another process");
  EXPECT_TRUE(findService(st, "vs2")->up) << findService(st, "vs2")->reason;
  const int fd = openEchoing(vip(1));
  EXPECT_GE(fd, 0);
  if (fd >= 0) ::close(fd);

  // Once the port is free, the next apply binds it.
  ::close(squatter);
  EXPECT_TRUE(engine->apply(c).empty());
  EXPECT_TRUE(findService(engine->status(), "vs1")->up);
}

TEST_F(EngineTest, BindsVipNotYetOnTheHost) {
  start();
  TestServer server(addr.server1, TestServer::echo());
  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  // TEST-NET-3, not configured anywhere: IP_FREEBIND lets a standby SE listen in advance.
  c.virtual_services = {service("vs1", {{ip("203.0.113.77"), addr.vip_port}}, "web")};
  EXPECT_TRUE(engine->apply(c).empty());
  EXPECT_TRUE(findService(engine->status(), "vs1")->up);
}

TEST_F(EngineTest, ServiceIsUpWithListenerAndServerUp) {
  start();
  TestServer server(addr.server1, TestServer::echo());
  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);
  const auto st = engine->status();
  const auto* vs = findService(st, "vs1");
  EXPECT_TRUE(vs->up);
  EXPECT_EQ(vs->reason, "");
  EXPECT_EQ(vs->listeners, std::vector<Endpoint>{vip()});
  const auto* s = findServer(st, "web", server.endpoint());
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->state, ServerState::kUp);
  EXPECT_EQ(s->reason, "no health monitor");
}

TEST_F(EngineTest, ServiceIsDownWithNoServerUp) {
  start();
  ServerSpec s;
  s.ip = addr.server1;
  s.port = 80;
  s.enabled = false;
  ProxyConfig c;
  c.pools = {pool("web", {s})};
  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);
  const auto st = engine->status();
  EXPECT_FALSE(findService(st, "vs1")->up);
  EXPECT_EQ(findService(st, "vs1")->reason, "no server up in pool web");
  EXPECT_EQ(findServer(st, "web", {s.ip, s.port})->state, ServerState::kDisabled);
}

TEST_F(EngineTest, ServiceIsDownWhenItsPoolIsMissing) {
  start();
  ProxyConfig c;
  c.virtual_services = {service("vs1", {vip()}, "nowhere")};
  applyOk(c);
  EXPECT_EQ(findService(engine->status(), "vs1")->reason, "pool nowhere not found");
  const int fd = connectTo(vip());
  ASSERT_GE(fd, 0);
  int err = 0;
  recvToEof(fd, &err);
  EXPECT_EQ(err, ECONNRESET);
  ::close(fd);
}

TEST_F(EngineTest, ReportsEndpointClaimedByTwoServices) {
  start();
  ProxyConfig c;
  c.pools = {pool("web", {})};
  c.virtual_services = {service("vs1", {vip()}, "web"), service("vs2", {vip()}, "web")};
  const auto errors = engine->apply(c);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(errors[0].message,
            formatEndpoint(vip().ip, vip().port) + ": also a listener of virtual service vs1");
}

TEST_F(EngineTest, StopsPickingServerMarkedDownByItsMonitor) {
  start(tuning(1));
  auto a = std::make_unique<TestServer>(addr.server1, TestServer::identify("a"));
  TestServer b(addr.server2, TestServer::identify("b"));
  auto web = pool("web", {a->spec(), b.spec()});
  web.monitors = {tcpMonitor()};
  ProxyConfig c;
  c.pools = {web};
  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);
  EXPECT_EQ(findServer(engine->status(), "web", a->endpoint())->state, ServerState::kUnknown);
  const Endpoint aEp = a->endpoint();
  ASSERT_TRUE(runUntil(
      control,
      [&] {
        const auto st = engine->status();
        return findService(st, "vs1")->up &&
               findServer(st, "web", aEp)->state == ServerState::kUp &&
               findServer(st, "web", b.endpoint())->state == ServerState::kUp;
      },
      3s));

  a.reset();  // server a stops listening
  ASSERT_TRUE(runUntil(
      control,
      [&] { return findServer(engine->status(), "web", aEp)->state == ServerState::kDown; }, 3s));
  EXPECT_EQ(findServer(engine->status(), "web", aEp)->reason, "connect refused");
  for (int i = 0; i < 3; ++i) {
    const int fd = connectTo(vip());
    ASSERT_GE(fd, 0);
    EXPECT_EQ(recvN(fd, 1), "b");
    ::close(fd);
  }
  EXPECT_EQ(findServer(engine->status(), "web", aEp)->connect_failures, 0U)
      << "a DOWN server is not even tried";
}

TEST_F(EngineTest, KeepsHealthStateAcrossApply) {
  start();
  TestServer a(addr.server1, TestServer::echo());
  auto web = pool("web", {a.spec()});
  web.monitors = {tcpMonitor()};
  ProxyConfig c;
  c.pools = {web};
  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);
  ASSERT_TRUE(runUntil(
      control,
      [&] { return findServer(engine->status(), "web", a.endpoint())->state == ServerState::kUp; },
      3s));

  c.virtual_services.push_back(service("vs2", {vip(1)}, "web"));
  c.pools[0].algorithm = Algorithm::kLeastConnections;  // pool changed, server stays
  applyOk(c);
  const auto st = engine->status();
  EXPECT_EQ(findServer(st, "web", a.endpoint())->state, ServerState::kUp);
  EXPECT_TRUE(findService(st, "vs2")->up);
}

TEST_F(EngineTest, DisabledServerIsNeverPicked) {
  start(tuning(1));
  TestServer a(addr.server1, TestServer::identify("a"));
  TestServer b(addr.server2, TestServer::identify("b"));
  auto aSpec = a.spec();
  aSpec.enabled = false;
  ProxyConfig c;
  c.pools = {pool("web", {aSpec, b.spec()})};
  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);
  for (int i = 0; i < 3; ++i) {
    const int fd = connectTo(vip());
    ASSERT_GE(fd, 0);
    EXPECT_EQ(recvN(fd, 1), "b");
    ::close(fd);
  }
}

TEST_F(EngineTest, ServerIsAlsoProbedFromTheServicesSnatIp) {
  start();
  TestServer server(addr.server1, TestServer::echo());
  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  c.pools[0].monitors = {tcpMonitor()};
  c.virtual_services = {service("vs1", {vip()}, "web", {addr.snat1})};
  c.virtual_services[0].return_gateway = ip("10.10.1.100");
  applyOk(c);
  ASSERT_TRUE(runUntil(control, [&] {
    const auto st = engine->status();
    const auto* s = findServer(st, "web", server.endpoint());
    return s->return_paths.size() == 1 && s->return_paths[0].state == "ok";
  }));
  const auto st = engine->status();
  EXPECT_EQ(findServer(st, "web", server.endpoint())->return_paths[0].snat_ip, addr.snat1);
  const auto peers = server.peers();
  EXPECT_NE(std::find(peers.begin(), peers.end(), addr.snat1), peers.end())
      << "one probe came from the SNAT IP";
}

TEST_F(EngineTest, RemovedServiceDisappearsFromStatus) {
  start();
  ProxyConfig c;
  c.pools = {pool("web", {})};
  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);
  applyOk(ProxyConfig{});
  const auto st = engine->status();
  EXPECT_TRUE(st.virtual_services.empty());
  EXPECT_TRUE(st.pools.empty());
}

}  // namespace
}  // namespace floe::proxy::test
