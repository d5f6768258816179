// Startup and health (issue 5 §7): every server is probed at once, and a new listener accepts
// only when every server of its pool has a verdict or the first receive_timeout has passed, so
// the first clients are neither reset nor all sent to whichever server answered first.
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <string>

#include "engine_fixture.h"
#include "proxy/socket_util.h"

namespace floe::proxy::test {
namespace {

MonitorSpec tcpMonitor(uint32_t intervalS = 10, uint32_t timeoutS = 4) {
  MonitorSpec m;
  m.name = "System-TCP";
  m.type = MonitorType::kTcp;
  m.send_interval_s = intervalS;
  m.receive_timeout_s = timeoutS;
  return m;
}

// Connects once, reads the one-letter name a TestServer::identify sends; "" when refused.
std::string whoAnswers(const Endpoint& vip) {
  const int fd = connectTo(vip);
  if (fd < 0) return "";
  std::string name = recvN(fd, 1);
  ::close(fd);
  return name;
}

TEST_F(EngineTest, FirstClientsRightAfterStartAreSpreadOverEveryServer) {
  start(tuning(1));
  TestServer a(addr.server1, TestServer::identify("a"));
  TestServer b(addr.server2, TestServer::identify("b"));
  ProxyConfig c;
  c.pools = {pool("web", {a.spec(), b.spec()})};
  c.pools[0].monitors = {tcpMonitor()};
  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);

  // Clients arrive the moment floe starts; the control loop runs the health checks meanwhile.
  auto clients = std::async(std::launch::async, [&] {
    std::string seq;
    for (int i = 0; i < 4; ++i) seq += whoAnswers(vip());
    return seq;
  });
  ASSERT_TRUE(
      runUntil(control, [&] { return clients.wait_for(0ms) == std::future_status::ready; }));
  const std::string seq = clients.get();
  EXPECT_EQ(seq.size(), 4U) << "no client reset while the first checks were pending: " << seq;
  EXPECT_EQ(std::count(seq.begin(), seq.end(), 'a'), 2) << seq;
  EXPECT_EQ(std::count(seq.begin(), seq.end(), 'b'), 2) << seq;
}

TEST_F(EngineTest, ListenerWaitsForTheFirstReceiveTimeoutOfASilentServer) {
  start(tuning(1));
  // A listener that never accepts, its one-slot queue full: SYNs are dropped, so a probe of it
  // neither succeeds nor fails until its receive_timeout.
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
  TestServer live(addr.server2, TestServer::identify("l"));
  ServerSpec silent;
  silent.ip = addr.server1;
  silent.port = stuckPort;

  ProxyConfig c;
  c.pools = {pool("web", {silent, live.spec()})};
  c.pools[0].monitors = {tcpMonitor(/*intervalS=*/10, /*timeoutS=*/1)};
  c.virtual_services = {service("vs1", {vip()}, "web")};
  applyOk(c);
  ASSERT_TRUE(runUntil(control, [&] {
    return findServer(engine->status(), "web", live.endpoint())->state == ServerState::kUp;
  }));
  const auto gated = engine->status();
  const auto* vs = findService(gated, "vs1");
  EXPECT_FALSE(vs->up);
  EXPECT_NE(vs->reason.find("waiting for the first health checks of pool web"), std::string::npos)
      << vs->reason;

  const auto began = std::chrono::steady_clock::now();
  auto client = std::async(std::launch::async, [&] { return whoAnswers(vip()); });
  ASSERT_TRUE(runUntil(control, [&] { return client.wait_for(0ms) == std::future_status::ready; }));
  const auto took = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(client.get(), "l");
  EXPECT_GE(took, 700ms) << "accepted before the silent server's first receive_timeout";
  EXPECT_LT(took, 3s);
  EXPECT_EQ(findServer(engine->status(), "web", {addr.server1, stuckPort})->state,
            ServerState::kDown);
  ::close(filler);
  ::close(stuck);
}

}  // namespace
}  // namespace floe::proxy::test
