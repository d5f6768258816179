// How floe ends a connection, as each TCP peer sees it (issue 5 §6): a reset from a side that
// already sent its FIN still reaches the other side, and a connection floe cuts (idle timeout,
// shutdown) is reset on both sides, never closed with a FIN that would make a cut-short transfer
// look complete.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "engine_fixture.h"
#include "proxy/socket_util.h"

namespace floe::proxy::test {
namespace {

ProxyConfig oneService(const Endpoint& vip, PoolSpec p, uint32_t idleTimeoutS = 600) {
  ProxyConfig c;
  c.virtual_services.push_back(EngineTest::service("vs1", {vip}, p.name));
  c.virtual_services.back().idle_timeout_s = idleTimeoutS;
  c.pools.push_back(std::move(p));
  return c;
}

// The pending socket error, polled without reading: after a FIN, recv() keeps returning 0 even
// when a reset follows. A reset reads ECONNRESET, or EPIPE in CLOSE_WAIT (the peer's FIN was
// already received: Linux tcp_reset()).
bool isReset(int err) { return err == ECONNRESET || err == EPIPE; }

int waitForSocketError(int fd, std::chrono::milliseconds timeout = 3000ms) {
  int seen = 0;
  waitFor(
      [&] {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        seen = err;
        return err != 0;
      },
      timeout);
  return seen;
}

TEST_F(EngineTest, ServerResetAfterItsFinReachesTheClient) {
  start();
  std::atomic<bool> resetNow{false};
  TestServer server(addr.server1, [&](int fd) {
    recvN(fd, 1);
    sendAll(fd, "bye");
    ::shutdown(fd, SHUT_WR);  // FIN first
    waitFor([&] { return resetNow.load(); });
    setResetOnClose(fd);  // then RST
  });
  applyOk(oneService(vip(), pool("web", {server.spec()})));

  const int fd = connectTo(vip());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(sendAll(fd, "x"));
  int err = -1;
  EXPECT_EQ(recvToEof(fd, &err), "bye");
  EXPECT_EQ(err, 0) << "the server's FIN arrives as a FIN";
  resetNow = true;
  const int seen = waitForSocketError(fd);
  EXPECT_TRUE(isReset(seen)) << "the server's later reset must follow, got " << errnoText(seen);
  ::close(fd);
  ASSERT_TRUE(
      waitFor([&] { return findService(engine->status(), "vs1")->active_connections == 0; }));
}

TEST_F(EngineTest, ClientResetAfterItsFinReachesTheServer) {
  start();
  std::atomic<int> serverSaw{-1};
  TestServer server(addr.server1, [&](int fd) {
    int err = -1;
    recvToEof(fd, &err);  // the client's FIN
    if (err != 0) {
      serverSaw = 1000 + err;  // not what this test expects
      return;
    }
    serverSaw = waitForSocketError(fd, 5000ms);
  });
  applyOk(oneService(vip(), pool("web", {server.spec()})));

  const int fd = connectTo(vip());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(sendAll(fd, "x"));
  ::shutdown(fd, SHUT_WR);
  // Let the FIN travel through floe to the server before the reset.
  std::this_thread::sleep_for(200ms);
  resetAndClose(fd);
  ASSERT_TRUE(waitFor([&] { return serverSaw != -1; }, 6000ms));
  EXPECT_TRUE(isReset(serverSaw)) << "got " << serverSaw;
}

TEST_F(EngineTest, IdleTimeoutFromTheServiceResetsBothSides) {
  start(tuning(1));
  std::atomic<int> serverSaw{-1};
  TestServer server(addr.server1, [&](int fd) {
    sendAll(fd, recvN(fd, 4));
    int err = 0;
    recvToEof(fd, &err);
    serverSaw = err;
  });
  applyOk(oneService(vip(), pool("web", {server.spec()}), /*idleTimeoutS=*/1));

  const int fd = openEchoing(vip());
  ASSERT_GE(fd, 0);
  const auto began = std::chrono::steady_clock::now();
  int err = 0;
  recvToEof(fd, &err);
  const auto idle = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(err, ECONNRESET) << "an idle cut must not look like a complete transfer";
  EXPECT_GE(idle, 900ms);
  EXPECT_LT(idle, 3s);
  ::close(fd);
  ASSERT_TRUE(waitFor([&] { return serverSaw != -1; }));
  EXPECT_EQ(serverSaw, ECONNRESET);
  EXPECT_EQ(findService(engine->status(), "vs1")->idle_timeouts, 1U);
}

TEST_F(EngineTest, IdleTimeoutZeroNeverExpires) {
  start(tuning(1));
  TestServer server(addr.server1, TestServer::echo());
  applyOk(oneService(vip(), pool("web", {server.spec()}), /*idleTimeoutS=*/0));

  const int fd = openEchoing(vip());
  ASSERT_GE(fd, 0);
  std::this_thread::sleep_for(2500ms);  // two sweeps past a 1 s timeout
  EXPECT_EQ(roundTrip(fd, "pong"), "pong");
  ::close(fd);
  EXPECT_EQ(findService(engine->status(), "vs1")->idle_timeouts, 0U);
}

TEST_F(EngineTest, ShutdownResetsTheServerSideToo) {
  start();
  std::atomic<int> serverSaw{-1};
  TestServer server(addr.server1, [&](int fd) {
    sendAll(fd, recvN(fd, 4));
    int err = 0;
    recvToEof(fd, &err);
    serverSaw = err;
  });
  applyOk(oneService(vip(), pool("web", {server.spec()})));
  const int fd = openEchoing(vip());
  ASSERT_GE(fd, 0);
  engine.reset();
  ASSERT_TRUE(waitFor([&] { return serverSaw != -1; }));
  EXPECT_EQ(serverSaw, ECONNRESET);
  ::close(fd);
}

}  // namespace
}  // namespace floe::proxy::test
