// The lingering close of HTTP client connections (docs/http.md "Closing a client connection")
// through a real engine on loopback: a server that answers an upload early with
// Connection: close, and clients that keep sending, stop, or close.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "engine_fixture.h"
#include "proxy/socket_util.h"

namespace floe::proxy::test {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kEarly =
    "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo big!\n";

// Reads until the end of a request head (the body may follow in the same reads); false if the
// connection ended first.
bool readHead(int fd) {
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    head.append(buf, static_cast<size_t>(n));
  }
  return true;
}

// Reads a request head, answers kEarly at once (the body still coming), then reads and discards
// until the proxy closes (so that the server side never resets).
Handler earlyAnswer() {
  return [](int fd) {
    if (!readHead(fd)) return;
    char buf[65536];
    if (!sendAll(fd, kEarly)) return;
    ::shutdown(fd, SHUT_WR);
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
  };
}

// Reads a request head, then answers 200 with a kBigBody-byte body and Connection: close while
// reading and discarding the request body (poll, both ways), then drains until the proxy
// closes.
constexpr size_t kBigBody = 8 * 1024 * 1024;
Handler bigEarlyAnswer() {
  return [](int fd) {
    if (!readHead(fd)) return;
    char buf[65536];
    const std::string out = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kBigBody) +
                            "\r\nConnection: close\r\n\r\n" + std::string(kBigBody, 'b');
    size_t off = 0;
    const auto end = Clock::now() + std::chrono::seconds(20);
    while (off < out.size() && Clock::now() < end) {
      pollfd p{fd, POLLIN | POLLOUT, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      if (p.revents & POLLIN) {
        if (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) == 0) return;
      }
      if (p.revents & POLLOUT) {
        const ssize_t n =
            ::send(fd, out.data() + off, out.size() - off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) off += static_cast<size_t>(n);
      }
    }
    ::shutdown(fd, SHUT_WR);
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
  };
}

class HttpLingerTest : public EngineTest {
 protected:
  void SetUp() override { server_ = std::make_unique<TestServer>(addr.server1, earlyAnswer()); }

  void startWith(uint32_t lingeringTimeMs, uint32_t lingeringTimeoutMs,
                 uint32_t bufferBytes = HttpSpec{}.buffer_bytes) {
    Tuning t = tuning(1);
    t.lingering_time_ms = lingeringTimeMs;
    t.lingering_timeout_ms = lingeringTimeoutMs;
    start(t);
    ProxyConfig c;
    VirtualServiceSpec vs = service("vs1", {vip()}, "web");
    vs.mode = ServiceMode::kHttp;
    vs.http.buffer_bytes = bufferBytes;
    c.virtual_services.push_back(vs);
    c.pools.push_back(pool("web", {server_->spec()}));
    applyOk(c);
  }

  uint64_t active() { return findService(engine->status(), "vs1")->active_connections; }

  // floe's rewrite of kEarly (the head may differ; status and body do not).
  static bool isEarly(const std::string& r) {
    return r.rfind("HTTP/1.1 413 ", 0) == 0 && r.size() > 9 &&
           r.compare(r.size() - 9, 9, "too big!\n") == 0;
  }

  // Connects and sends the head of a 64 MiB upload and its first 64 KiB.
  int startUpload() {
    const int fd = connectTo(vip());
    if (fd < 0) return -1;
    if (!sendAll(fd, "POST /upload HTTP/1.1\r\nHost: vip\r\nContent-Length: 67108864\r\n\r\n") ||
        !sendAll(fd, std::string(65536, 'u'))) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  // Waits until the response (and floe's FIN after it) is in the client's receive buffer,
  // without reading it: a client that reads only once its upload is done.
  static bool responseArrived(int fd) {
    return waitFor([&] {
      char b[512];
      const ssize_t n = ::recv(fd, b, sizeof b, MSG_PEEK | MSG_DONTWAIT);
      return n > 0 && isEarly(std::string(b, static_cast<size_t>(n)));
    });
  }

  std::unique_ptr<TestServer> server_;
};

TEST_F(HttpLingerTest, ClientStillSendingAfterAnEarlyAnswerGetsItWholeThenItsEofCloses) {
  startWith(30000, 5000);
  const int fd = startUpload();
  ASSERT_GE(fd, 0) << errnoText(errno);
  ASSERT_TRUE(responseArrived(fd));
  // The client goes on uploading: floe reads it away. Without a lingering close these bytes
  // reach a closed socket and the client gets an RST (EPIPE / ECONNRESET here).
  const std::string chunk(65536, 'u');
  for (int i = 0; i < 64; ++i) {
    ASSERT_TRUE(sendAll(fd, chunk)) << "chunk " << i << ": " << errnoText(errno);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(active(), 1U) << "still open while the client sends";
  ::shutdown(fd, SHUT_WR);  // the client's EOF: floe closes at once
  int err = 0;
  const std::string response = recvToEof(fd, &err);
  EXPECT_TRUE(isEarly(response)) << response;
  EXPECT_EQ(err, 0) << errnoText(err);
  EXPECT_TRUE(waitFor([&] { return active() == 0; }, std::chrono::milliseconds(1000)));
  ::close(fd);
}

TEST_F(HttpLingerTest, ClientThatStopsSendingIsClosedAfterLingeringTimeout) {
  startWith(30000, 1000);
  const int fd = startUpload();
  ASSERT_GE(fd, 0) << errnoText(errno);
  ASSERT_TRUE(responseArrived(fd));
  const auto quiet = Clock::now();
  ASSERT_TRUE(sendAll(fd, std::string(4096, 'u')));
  // No more bytes, no EOF: closed about 1 s later, not at once.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(active(), 1U);
  ASSERT_TRUE(waitFor([&] { return active() == 0; }, std::chrono::milliseconds(4000)));
  EXPECT_GE(Clock::now() - quiet, std::chrono::milliseconds(950));
  int err = 0;
  const std::string response = recvToEof(fd, &err);
  EXPECT_TRUE(isEarly(response)) << response;
  EXPECT_EQ(err, 0) << errnoText(err);
  ::close(fd);
}

TEST_F(HttpLingerTest, ClientThatNeverStopsIsCutAtLingeringTime) {
  startWith(2000, 1000);
  const int fd = startUpload();
  ASSERT_GE(fd, 0) << errnoText(errno);
  ASSERT_TRUE(responseArrived(fd));
  const auto t0 = Clock::now();
  // 4 KiB every 50 ms (well inside lingering_timeout) until floe cuts the connection.
  std::atomic<bool> stop{false};
  std::thread sender([&] {
    const std::string chunk(4096, 'u');
    while (!stop && ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_EQ(active(), 1U) << "served reads past lingering_timeout while bytes keep coming";
  const bool closed = waitFor([&] { return active() == 0; }, std::chrono::milliseconds(4000));
  const auto took = Clock::now() - t0;
  stop = true;
  sender.join();
  ASSERT_TRUE(closed);
  EXPECT_GE(took, std::chrono::milliseconds(1900));
  EXPECT_LT(took, std::chrono::milliseconds(4000));
  ::close(fd);
}

TEST_F(HttpLingerTest, ClientReadingOnlyAfterItsUploadGetsALargeEarlyAnswerWhole) {
  // The server's whole answer is in, the session is done (closing), but the answer's tail is
  // still waiting in floe for a client that reads only once its upload is sent. floe reads
  // away the upload meanwhile; else both sides wait on each other until the last-response
  // deadline resets the client.
  server_ = std::make_unique<TestServer>(addr.server1, bigEarlyAnswer());
  // A buffer larger than the answer: floe takes all of it from the server at once, so the
  // session ends (closing) with most of it still to write to the client.
  startWith(30000, 5000, 2 * kBigBody);
  const int fd = startUpload();
  ASSERT_GE(fd, 0) << errnoText(errno);
  const std::string chunk(65536, 'u');
  for (int i = 1; i < 1024; ++i) {  // the rest of the 64 MiB, nothing read yet
    ASSERT_TRUE(sendAll(fd, chunk)) << "chunk " << i << ": " << errnoText(errno);
  }
  int err = 0;
  const std::string response = recvToEof(fd, &err);
  EXPECT_EQ(err, 0) << errnoText(err);
  ASSERT_GE(response.size(), kBigBody);
  EXPECT_EQ(response.rfind("HTTP/1.1 200 ", 0), 0U) << response.substr(0, 200);
  const size_t body = response.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(response.size() - body - 4, kBigBody);
  ::close(fd);
}

TEST_F(HttpLingerTest, CompleteRequestWithConnectionCloseIsClosedAtOnce) {
  startWith(30000, 5000);
  const int fd = connectTo(vip());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(sendAll(fd, "GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n"));
  int err = 0;
  EXPECT_TRUE(isEarly(recvToEof(fd, &err)));
  // The client has not closed, but nothing more is expected of it: no lingering.
  EXPECT_TRUE(waitFor([&] { return active() == 0; }, std::chrono::milliseconds(500)));
  ::close(fd);
}

TEST_F(HttpLingerTest, LingeringConnectionIsResetWhenItsServiceGoes) {
  startWith(30000, 5000);
  const int fd = startUpload();
  ASSERT_GE(fd, 0) << errnoText(errno);
  ASSERT_TRUE(responseArrived(fd));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(active(), 1U);
  applyOk(ProxyConfig{});  // the virtual service is removed: its connections are reset
  EXPECT_TRUE(waitFor([&] { return engine->status().engine.active_connections == 0; }));
  // The reset reached the client: its next send fails (or the one after it).
  bool failed = false;
  const std::string chunk(65536, 'u');
  for (int i = 0; i < 20 && !failed; ++i) {
    failed = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0;
    if (!failed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(failed);
  ::close(fd);
}

}  // namespace
}  // namespace floe::proxy::test
