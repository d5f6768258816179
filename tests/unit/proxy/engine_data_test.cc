// The L4 data path through a real engine on loopback: bytes, half-close, resets, retries,
// SNAT, idle timeout, load balancing across real servers.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "engine_fixture.h"
#include "proxy/socket_util.h"

namespace floe::proxy::test {
namespace {

ProxyConfig oneService(const Endpoint& vip, PoolSpec p, std::vector<IpAddress> snat = {}) {
  ProxyConfig c;
  c.virtual_services.push_back(EngineTest::service("vs1", {vip}, p.name, std::move(snat)));
  c.pools.push_back(std::move(p));
  return c;
}

class EngineFamilyTest : public EngineTest, public ::testing::WithParamInterface<bool> {
 protected:
  IpAddress vipIp() const { return GetParam() ? ip("::1") : addr.vip; }
  IpAddress serverIp() const { return GetParam() ? ip("::1") : addr.server1; }
};

TEST_P(EngineFamilyTest, ProxiesBytesBothWays) {
  start();
  TestServer server(serverIp(), TestServer::echo());
  const Endpoint vip{vipIp(), addr.vip_port};
  applyOk(oneService(vip, pool("web", {server.spec()})));

  const int fd = connectTo(vip);
  ASSERT_GE(fd, 0) << errnoText(errno);
  // Far more than the proxy buffers (16 KiB per direction): exercises backpressure.
  std::string payload(1 << 20, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7 + i / 4096);
  std::thread writer([&] { sendAll(fd, payload); });
  const std::string back = recvN(fd, payload.size());
  writer.join();
  EXPECT_EQ(back.size(), payload.size());
  EXPECT_TRUE(back == payload);
  ::close(fd);
}

INSTANTIATE_TEST_SUITE_P(V4AndV6, EngineFamilyTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "V6" : "V4"; });

TEST_F(EngineTest, HalfCloseKeepsOtherDirection) {
  start();
  // Reads to EOF, then answers with the byte count: needs the client's FIN forwarded while
  // the server-to-client direction stays open.
  TestServer server(addr.server1, [](int fd) {
    const std::string got = recvToEof(fd);
    sendAll(fd, "got " + std::to_string(got.size()) + " bytes");
  });
  applyOk(oneService(vip(), pool("web", {server.spec()})));

  const int fd = connectTo(vip());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(sendAll(fd, "hello"));
  ::shutdown(fd, SHUT_WR);
  int err = 0;
  EXPECT_EQ(recvToEof(fd, &err), "got 5 bytes");
  EXPECT_EQ(err, 0) << "clean FIN expected, not " << errnoText(err);
  ::close(fd);
}

TEST_F(EngineTest, PropagatesServerResetToClient) {
  start();
  TestServer server(addr.server1, [](int fd) {
    recvN(fd, 1);
    setResetOnClose(fd);  // returning closes: RST
  });
  applyOk(oneService(vip(), pool("web", {server.spec()})));

  const int fd = connectTo(vip());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(sendAll(fd, "x"));
  int err = 0;
  recvToEof(fd, &err);
  EXPECT_EQ(err, ECONNRESET);
  ::close(fd);
  ASSERT_TRUE(
      waitFor([&] { return findService(engine->status(), "vs1")->connection_errors == 1; }));
}

TEST_F(EngineTest, PropagatesClientResetToServer) {
  start();
  std::atomic<int> serverSaw{-1};
  TestServer server(addr.server1, [&](int fd) {
    sendAll(fd, recvN(fd, 4));
    int err = 0;
    recvToEof(fd, &err);
    serverSaw = err;
  });
  applyOk(oneService(vip(), pool("web", {server.spec()})));

  const int fd = connectTo(vip());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(roundTrip(fd, "ping"), "ping");
  resetAndClose(fd);
  ASSERT_TRUE(waitFor([&] { return serverSaw != -1; }));
  EXPECT_EQ(serverSaw, ECONNRESET);
}

TEST_F(EngineTest, ResetsClientWhenNoServerUp) {
  start();
  TestServer server(addr.server1, TestServer::echo());
  auto disabled = server.spec();
  disabled.enabled = false;
  applyOk(oneService(vip(), pool("web", {disabled})));

  const int fd = connectTo(vip());
  ASSERT_GE(fd, 0);
  int err = 0;
  recvToEof(fd, &err);
  EXPECT_EQ(err, ECONNRESET);
  ::close(fd);
  const auto st = engine->status();
  EXPECT_EQ(findService(st, "vs1")->refused_connections, 1U);
  EXPECT_EQ(server.accepted(), 0U);
}

TEST_F(EngineTest, RetriesNextServerOnRefusedConnect) {
  start(tuning(1));
  ClosedPort dead(addr.server1);
  TestServer live(addr.server2, TestServer::echo());
  ServerSpec deadSpec;
  deadSpec.ip = dead.ip;
  deadSpec.port = dead.port;
  applyOk(oneService(vip(), pool("web", {deadSpec, live.spec()})));

  for (int i = 0; i < 4; ++i) {
    const int fd = openEchoing(vip());
    EXPECT_GE(fd, 0) << "connection " << i;
    if (fd >= 0) ::close(fd);
  }
  const auto st = engine->status();
  EXPECT_EQ(findServer(st, "web", {dead.ip, dead.port})->connect_failures, 2U)
      << "round robin tried the dead server first on every other connection";
  EXPECT_EQ(findServer(st, "web", live.endpoint())->total_connections, 4U);
  EXPECT_EQ(findService(st, "vs1")->refused_connections, 0U);
}

TEST_F(EngineTest, RetriesNextServerWhenConnectTimesOut) {
  Tuning t = tuning(1);
  t.connect_timeout_ms = 200;
  start(t);
  // A listener that never accepts, its one-slot queue already full: Linux drops further SYNs,
  // so connecting to it neither succeeds nor fails until the timeout.
  const int stuck = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage ss{};
  socklen_t len = addr.server1.toSockaddr(0, ss);
  ASSERT_EQ(::bind(stuck, reinterpret_cast<sockaddr*>(&ss), len), 0);
  ASSERT_EQ(::listen(stuck, 0), 0);
  len = sizeof ss;
  ::getsockname(stuck, reinterpret_cast<sockaddr*>(&ss), &len);
  const uint16_t stuckPort = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  const int filler = connectTo({addr.server1, stuckPort});
  ASSERT_GE(filler, 0);
  TestServer live(addr.server2, TestServer::echo());
  ServerSpec stuckSpec;
  stuckSpec.ip = addr.server1;
  stuckSpec.port = stuckPort;
  applyOk(oneService(vip(), pool("web", {stuckSpec, live.spec()})));

  const auto began = std::chrono::steady_clock::now();
  const int fd = openEchoing(vip());
  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_GE(fd, 0);
  EXPECT_GE(took, 150ms) << "waited for the connect timeout first";
  EXPECT_LT(took, 2s);
  if (fd >= 0) ::close(fd);
  EXPECT_EQ(findServer(engine->status(), "web", {addr.server1, stuckPort})->connect_failures, 1U);
  ::close(filler);
  ::close(stuck);
}

TEST_F(EngineTest, ResetsClientWhenEveryConnectAttemptFails) {
  start(tuning(1));
  ClosedPort deadA(addr.server1);
  ClosedPort deadB(addr.server2);
  ServerSpec a, b;
  a.ip = deadA.ip;
  a.port = deadA.port;
  b.ip = deadB.ip;
  b.port = deadB.port;
  applyOk(oneService(vip(), pool("web", {a, b})));

  const int fd = connectTo(vip());
  ASSERT_GE(fd, 0);
  int err = 0;
  recvToEof(fd, &err);
  EXPECT_EQ(err, ECONNRESET);
  ::close(fd);
  const auto st = engine->status();
  EXPECT_EQ(findServer(st, "web", {a.ip, a.port})->connect_failures, 1U);
  EXPECT_EQ(findServer(st, "web", {b.ip, b.port})->connect_failures, 1U);
  EXPECT_EQ(findService(st, "vs1")->refused_connections, 1U);
}

TEST_F(EngineTest, SourcesFromSnatIp) {
  start(tuning(1));
  TestServer server(addr.server1, TestServer::echo());
  applyOk(oneService(vip(), pool("web", {server.spec()}), {addr.snat1, addr.snat2}));

  for (int i = 0; i < 2; ++i) {
    const int fd = openEchoing(vip());
    ASSERT_GE(fd, 0);
    ::close(fd);
  }
  const auto peers = server.peers();
  ASSERT_EQ(peers.size(), 2U);
  EXPECT_EQ(peers[0], addr.snat1);
  EXPECT_EQ(peers[1], addr.snat2) << "several SNAT IPs are used round robin";
}

TEST_F(EngineTest, WithoutSnatTheKernelPicksTheSource) {
  start(tuning(1));
  TestServer server(addr.server1, TestServer::echo());
  applyOk(oneService(vip(), pool("web", {server.spec()})));
  const int fd = openEchoing(vip());
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_EQ(server.peers().size(), 1U);
  EXPECT_EQ(server.peers()[0], ip("127.0.0.1")) << "the loopback route's preferred source";
}

TEST_F(EngineTest, WeightedRoundRobinSpreadsConnectionsByRatio) {
  start(tuning(1));
  TestServer a(addr.server1, TestServer::identify("a"));
  TestServer b(addr.server2, TestServer::identify("b"));
  applyOk(oneService(vip(), pool("web", {a.spec(2), b.spec(1)})));

  std::string seq;
  for (int i = 0; i < 6; ++i) {
    const int fd = connectTo(vip());
    ASSERT_GE(fd, 0);
    seq += recvN(fd, 1);
    ::close(fd);
  }
  EXPECT_EQ(seq, "abaaba");
}

TEST_F(EngineTest, LeastConnectionsPrefersTheIdleServer) {
  start(tuning(1));
  TestServer a(addr.server1, TestServer::identify("a"));
  TestServer b(addr.server2, TestServer::identify("b"));
  applyOk(oneService(vip(), pool("web", {a.spec(), b.spec()}, Algorithm::kLeastConnections)));

  const int first = connectTo(vip());
  ASSERT_GE(first, 0);
  EXPECT_EQ(recvN(first, 1), "a");
  const int second = connectTo(vip());
  ASSERT_GE(second, 0);
  EXPECT_EQ(recvN(second, 1), "b") << "a holds one connection, b none";
  ::close(first);
  ASSERT_TRUE(waitFor(
      [&] { return findServer(engine->status(), "web", a.endpoint())->active_connections == 0; }));
  const int third = connectTo(vip());
  ASSERT_GE(third, 0);
  EXPECT_EQ(recvN(third, 1), "a");
  ::close(second);
  ::close(third);
}

// L4 consistent hashing: by the client's address every connection of one client reaches one
// server; by address and port (lb_algorithm_hash ..._SOURCE_IP_ADDRESS_AND_PORT) connections
// from the same address with different ports spread.
TEST_F(EngineTest, ConsistentHashBySourceAddressOrAddressAndPort) {
  start(tuning(1));
  TestServer a(addr.server1, TestServer::identify("a"));
  TestServer b(addr.server2, TestServer::identify("b"));
  auto servedBy = [&](HashKey key) {
    PoolSpec p = pool("web", {a.spec(), b.spec()}, Algorithm::kConsistentHash);
    p.hash_key = key;
    applyOk(oneService(vip(), p));
    std::string seq;
    for (int i = 0; i < 24; ++i) {
      const int fd = connectTo(vip());
      if (fd < 0) return std::string("connect failed");
      seq += recvN(fd, 1);
      ::close(fd);
    }
    return seq;
  };
  const std::string byAddress = servedBy(HashKey::kSourceIp);
  EXPECT_TRUE(byAddress == std::string(24, 'a') || byAddress == std::string(24, 'b')) << byAddress;
  const std::string byPort = servedBy(HashKey::kSourceIpAndPort);
  EXPECT_NE(byPort.find('a'), std::string::npos) << byPort;
  EXPECT_NE(byPort.find('b'), std::string::npos) << byPort;
}

TEST_F(EngineTest, CountsConnectionsAndBytesInStatus) {
  start();
  TestServer server(addr.server1, TestServer::echo());
  applyOk(oneService(vip(), pool("web", {server.spec()})));

  const int fd = connectTo(vip());
  ASSERT_GE(fd, 0);
  ASSERT_EQ(roundTrip(fd, std::string(100, 'x')), std::string(100, 'x'));
  {
    const auto st = engine->status();
    EXPECT_EQ(findService(st, "vs1")->active_connections, 1U);
    EXPECT_EQ(findServer(st, "web", server.endpoint())->active_connections, 1U);
  }
  ::close(fd);
  ASSERT_TRUE(waitFor([&] {
    const auto st = engine->status();
    return findService(st, "vs1")->active_connections == 0 &&
           findServer(st, "web", server.endpoint())->active_connections == 0;
  }));
  const auto st = engine->status();
  const auto* s = findServer(st, "web", server.endpoint());
  EXPECT_EQ(s->total_connections, 1U);
  EXPECT_EQ(s->bytes_out, 100U);
  EXPECT_EQ(s->bytes_in, 100U);
  EXPECT_EQ(findService(st, "vs1")->total_connections, 1U);
  EXPECT_EQ(findService(st, "vs1")->connection_errors, 0U);
}

TEST_F(EngineTest, DestructorClosesClientConnections) {
  start();
  TestServer server(addr.server1, TestServer::echo());
  applyOk(oneService(vip(), pool("web", {server.spec()})));
  const int fd = openEchoing(vip());
  ASSERT_GE(fd, 0);
  engine.reset();
  int err = 0;
  recvToEof(fd, &err);
  EXPECT_EQ(err, ECONNRESET);
  ::close(fd);
  EXPECT_LT(connectTo(vip()), 0) << "listener closed";
}

}  // namespace
}  // namespace floe::proxy::test
