// Resource limits and local errors (issue 5 §5): the open files limit raised at start and shown
// in status, connection caps, listener limits that take one service DOWN and never the others,
// and failures of this host (EMFILE, EADDRNOTAVAIL) that are never held against a server.
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "engine_fixture.h"
#include "fd_squeeze.h"
#include "proxy/fd_limit.h"
#include "proxy/socket_util.h"

namespace floe::proxy::test {
namespace {

ProxyConfig oneService(const Endpoint& vip, PoolSpec p, std::vector<IpAddress> snat = {}) {
  ProxyConfig c;
  c.virtual_services.push_back(EngineTest::service("vs1", {vip}, p.name, std::move(snat)));
  c.pools.push_back(std::move(p));
  return c;
}

uint64_t localErrors(const ProxyStatus& st, const std::string& cause) {
  for (const auto& [name, n] : st.engine.local_errors) {
    if (name == cause) return n;
  }
  ADD_FAILURE() << "no local error counter " << cause;
  return 0;
}

// The client side of a proxied connection was reset (or closed without an answer).
bool isRefused(int fd) {
  int err = 0;
  const std::string got = recvToEof(fd, &err);
  return got.empty() && err == ECONNRESET;
}

// A client socket opened now, connected later (after a FdSqueeze): the test's own descriptor is
// then not part of the squeeze.
int clientSocket(const Endpoint& ep) {
  const int fd = ::socket(ep.ip.af(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

bool connectSocket(int fd, const Endpoint& ep) {
  sockaddr_storage ss{};
  const socklen_t len = ep.ip.toSockaddr(ep.port, ss);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
}

// Lets every thread reach its blocking call: the test server's accept4() takes its descriptor
// before it waits, and must hold it before a FdSqueeze counts what is free.
void settle() { std::this_thread::sleep_for(100ms); }

TEST(FdLimit, RaisesTheSoftLimitToTheHardLimit) {
  rlimit before{};
  ::getrlimit(RLIMIT_NOFILE, &before);
  uint64_t expected = before.rlim_max;
  if (std::ifstream in("/proc/sys/fs/nr_open"); in) {
    uint64_t nrOpen = 0;
    if (in >> nrOpen && nrOpen < expected) expected = nrOpen;
  }
  SoftFdLimit low(512);
  const FdLimit raised = raiseFdLimit();
  EXPECT_EQ(raised.soft, expected);
  EXPECT_EQ(raised.hard, before.rlim_max);
  EXPECT_EQ(currentFdLimit().soft, expected);
}

TEST_F(EngineTest, StatusSaysTheCapacityDerivedFromTheFdLimit) {
  SoftFdLimit limit(1024);
  Tuning t = tuning(2);
  t.raise_fd_limit = false;
  start(t);
  const auto e = engine->status().engine;
  EXPECT_EQ(e.fd_limit, 1024U);
  EXPECT_EQ(e.max_connections, (1024U - kReservedFds) / 2);
  EXPECT_EQ(e.max_connections_per_virtual_service, e.max_connections);
  EXPECT_EQ(e.listening_socket_budget, 256U);
}

TEST_F(EngineTest, ResetsClientsOverTheVirtualServiceCap) {
  Tuning t = tuning(1);
  t.max_connections_per_virtual_service = 1;
  start(t);
  TestServer server(addr.server1, TestServer::echo());
  applyOk(oneService(vip(), pool("web", {server.spec()})));

  const int first = openEchoing(vip());
  ASSERT_GE(first, 0);
  const int second = connectTo(vip());
  ASSERT_GE(second, 0);
  EXPECT_TRUE(isRefused(second)) << "over the cap of 1";
  ::close(second);
  const auto st = engine->status();
  EXPECT_EQ(findService(st, "vs1")->over_capacity, 1U);
  EXPECT_EQ(st.engine.over_capacity, 1U);
  EXPECT_EQ(roundTrip(first, "still"), "still") << "the connection under the cap carries on";
  ::close(first);
}

TEST_F(EngineTest, ResetsClientsOverTheGlobalCapAcrossServices) {
  Tuning t = tuning(1);
  t.max_connections = 1;
  start(t);
  TestServer server(addr.server1, TestServer::echo());
  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  c.virtual_services = {service("vs1", {vip()}, "web"), service("vs2", {vip(1)}, "web")};
  applyOk(c);

  const int first = openEchoing(vip());
  ASSERT_GE(first, 0);
  const int second = connectTo(vip(1));
  ASSERT_GE(second, 0);
  EXPECT_TRUE(isRefused(second));
  ::close(second);
  EXPECT_EQ(findService(engine->status(), "vs2")->over_capacity, 1U);
  ::close(first);
  ASSERT_TRUE(waitFor([&] { return engine->status().engine.active_connections == 0; }));
  const int third = openEchoing(vip(1));
  EXPECT_GE(third, 0) << "capacity is back once the first connection ended";
  if (third >= 0) ::close(third);
}

TEST_F(EngineTest, ServiceWithTooManyListenersIsDownAndTheOthersServe) {
  start(tuning(1));
  TestServer server(addr.server1, TestServer::echo());
  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  std::vector<Endpoint> many;
  for (size_t i = 0; i <= kMaxListenersPerService; ++i) {
    many.push_back({addr.vip, static_cast<uint16_t>(50000 + i)});
  }
  c.virtual_services = {service("huge", many, "web"), service("vs1", {vip()}, "web")};
  const auto errors = engine->apply(c);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NE(errors[0].message.find("more than the 1024"), std::string::npos) << errors[0].message;

  const auto st = engine->status();
  const auto* huge = findService(st, "huge");
  ASSERT_NE(huge, nullptr);
  EXPECT_FALSE(huge->up);
  EXPECT_NE(huge->reason.find("more than the 1024 VIP:port listeners"), std::string::npos)
      << huge->reason;
  EXPECT_EQ(st.engine.listening_sockets, 1U) << "none of huge's sockets were opened";
  EXPECT_TRUE(findService(st, "vs1")->up);
  const int fd = openEchoing(vip());
  EXPECT_GE(fd, 0);
  if (fd >= 0) ::close(fd);
}

TEST_F(EngineTest, ServiceOverTheListeningSocketBudgetIsDownAndTheOthersServe) {
  SoftFdLimit limit(1024);  // budget: 256 listening sockets
  Tuning t = tuning(2);
  t.raise_fd_limit = false;
  start(t);
  TestServer server(addr.server1, TestServer::echo());
  ProxyConfig c;
  c.pools = {pool("web", {server.spec()})};
  std::vector<Endpoint> range;  // 200 ports × 2 workers = 400 sockets
  for (uint16_t i = 0; i < 200; ++i) range.push_back({addr.vip, static_cast<uint16_t>(52000 + i)});
  c.virtual_services = {service("vs1", {vip()}, "web"), service("wide", range, "web")};
  const auto errors = engine->apply(c);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NE(errors[0].message.find("needs 400 listening sockets"), std::string::npos)
      << errors[0].message;
  const auto st = engine->status();
  EXPECT_FALSE(findService(st, "wide")->up);
  EXPECT_TRUE(findService(st, "vs1")->up);
  EXPECT_EQ(st.engine.listening_sockets, 2U);
  const int fd = openEchoing(vip());
  EXPECT_GE(fd, 0);
  if (fd >= 0) ::close(fd);
}

TEST_F(EngineTest, OutOfDescriptorsAtConnectIsNotTheServersFault) {
  start(tuning(1));
  TestServer server(addr.server1, TestServer::echo());
  applyOk(oneService(vip(), pool("web", {server.spec()})));
  settle();
  const int fd = clientSocket(vip());
  ASSERT_GE(fd, 0);
  {
    // One descriptor left, for floe's accept; its socket toward the server then fails with
    // EMFILE.
    FdSqueeze squeeze(1);
    ASSERT_TRUE(connectSocket(fd, vip()));
    ASSERT_TRUE(waitFor([&] { return localErrors(engine->status(), "EMFILE") >= 1; }));
  }
  EXPECT_TRUE(isRefused(fd));
  ::close(fd);
  const auto st = engine->status();
  const auto* s = findServer(st, "web", server.endpoint());
  EXPECT_EQ(s->connect_failures, 0U) << "EMFILE is this host's failure, not the server's";
  EXPECT_EQ(s->state, ServerState::kUp);
  EXPECT_EQ(server.accepted(), 0U);
  const int again = openEchoing(vip());
  EXPECT_GE(again, 0) << "served again once descriptors are free";
  if (again >= 0) ::close(again);
}

TEST_F(EngineTest, AcceptBacksOffOnEmfileAndRecovers) {
  start(tuning(1));
  TestServer server(addr.server1, TestServer::echo());
  applyOk(oneService(vip(), pool("web", {server.spec()})));
  settle();
  const int fd = clientSocket(vip());
  ASSERT_GE(fd, 0);
  uint64_t emfile = 0;
  {
    FdSqueeze squeeze(0);  // floe's accept gets EMFILE
    ASSERT_TRUE(connectSocket(fd, vip()));
    std::this_thread::sleep_for(500ms);
    emfile = localErrors(engine->status(), "EMFILE");
  }
  EXPECT_GE(emfile, 1U);
  EXPECT_LE(emfile, 10U) << "accept retries every 100 ms instead of spinning";
  // The queued client is accepted once descriptors are free again.
  EXPECT_EQ(roundTrip(fd, "late"), "late");
  ::close(fd);
}

TEST_F(EngineTest, TriesTheNextSnatIpWhenOneHasNoAddressOrPort) {
  start(tuning(1));
  TestServer server(addr.server1, TestServer::echo());
  // 192.0.2.1 (TEST-NET-1) is not on this host: EADDRNOTAVAIL, as a SNAT IP out of ports is.
  applyOk(oneService(vip(), pool("web", {server.spec()}), {ip("192.0.2.1"), addr.snat1}));
  for (int i = 0; i < 4; ++i) {
    const int fd = openEchoing(vip());
    ASSERT_GE(fd, 0) << "connection " << i;
    ::close(fd);
  }
  for (const auto& peer : server.peers()) EXPECT_EQ(peer, addr.snat1);
  const auto st = engine->status();
  EXPECT_EQ(findServer(st, "web", server.endpoint())->connect_failures, 0U);
  EXPECT_EQ(findService(st, "vs1")->refused_connections, 0U);
  EXPECT_GE(localErrors(st, "EADDRNOTAVAIL"), 2U);
}

}  // namespace
}  // namespace floe::proxy::test
