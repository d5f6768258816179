// Test helpers for real-socket proxy tests on loopback: small blocking "servers" with one
// thread per connection, blocking clients with timeouts, and bounded waits.
#pragma once

#include <netinet/in.h>

#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/ip.h"
#include "proxy/engine.h"

namespace floe::proxy::test {

using namespace std::chrono_literals;

IpAddress ip(const char* text);

// Distinct loopback addresses per test (from the test's place in the registry), so tests run in
// parallel processes do not collide: VIPs in 127.10/16, servers in 127.20/16, SNAT IPs in
// 127.30/16.
struct Addresses {
  IpAddress vip;
  uint16_t vip_port;
  IpAddress server1;
  IpAddress server2;
  IpAddress snat1;
  IpAddress snat2;
  static Addresses forCurrentTest();
  static Addresses forTest(const std::string& suite, const std::string& name);
};

// A connection handler of a TestServer: runs on its own thread with a blocking socket, which is
// closed when the handler returns (set SO_LINGER {1,0} first to make that a reset).
using Handler = std::function<void(int fd)>;

class TestServer {
 public:
  // Listens on ip:0 (port chosen by the kernel).
  TestServer(IpAddress ip, Handler handler);
  ~TestServer();  // stop()
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  uint16_t port() const { return port_; }
  Endpoint endpoint() const { return {ip_, port_}; }
  ServerSpec spec(uint32_t ratio = 1) const;
  // Source addresses of the connections accepted so far.
  std::vector<IpAddress> peers() const;
  size_t accepted() const;
  // Stops listening (new connects are refused) and ends every connection.
  void stop();

  static Handler echo();
  // Sends `name` first, then echoes.
  static Handler identify(std::string name);

 private:
  void acceptLoop();

  IpAddress ip_;
  uint16_t port_ = 0;
  Handler handler_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<IpAddress> peers_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
};

// A blocking client socket with 5 s send/receive timeouts; -1 on failure (errno set).
int connectTo(const Endpoint& ep);
bool sendAll(int fd, const std::string& data);
// Reads exactly n bytes (less on EOF, error or timeout).
std::string recvN(int fd, size_t n);
// Reads until EOF; `err` gets errno when the read ended with an error (ECONNRESET), else 0.
std::string recvToEof(int fd, int* err = nullptr);
// Writes `data` and reads the same number of bytes back.
std::string roundTrip(int fd, const std::string& data);
// A local port that refuses connections (bound, not listening) for as long as the fd is open.
struct ClosedPort {
  explicit ClosedPort(IpAddress ip);
  ~ClosedPort();
  IpAddress ip;
  uint16_t port = 0;
  int fd = -1;
};

// Polls `pred` every few milliseconds until it holds or `timeout` passes.
bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5000ms);
// Runs `io` until `pred` holds or `timeout` passes.
bool runUntil(asio::io_context& io, const std::function<bool()>& pred,
              std::chrono::milliseconds timeout = 5000ms);

const ServerStatus* findServer(const ProxyStatus& st, const std::string& pool, const Endpoint& ep);
const VirtualServiceStatus* findService(const ProxyStatus& st, const std::string& name);

}  // namespace floe::proxy::test
