#include "test_net.h"

#include <gtest/gtest.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <stdexcept>

namespace floe::proxy::test {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  if (!a) throw std::invalid_argument(text);
  return *a;
}

Addresses Addresses::forCurrentTest() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return forTest(info->test_suite_name(), info->name());
}

Addresses Addresses::forTest(const std::string& suite, const std::string& test) {
  // The test's rank among all test names of this binary: the same in every process (ctest
  // runs one test per process, in parallel) and whatever --gtest_shuffle does to the order,
  // so no two tests share an address.
  const auto& unit = *::testing::UnitTest::GetInstance();
  std::vector<std::string> names;
  for (int i = 0; i < unit.total_test_suite_count(); ++i) {
    const auto& ts = *unit.GetTestSuite(i);
    for (int k = 0; k < ts.total_test_count(); ++k) {
      names.push_back(std::string(ts.name()) + "." + ts.GetTestInfo(k)->name());
    }
  }
  std::sort(names.begin(), names.end());
  const auto it = std::lower_bound(names.begin(), names.end(), suite + "." + test);
  if (it == names.end() || *it != suite + "." + test) {
    throw std::invalid_argument("unknown test " + suite + "." + test);
  }
  const auto ordinal = static_cast<uint32_t>(it - names.begin());
  const uint32_t x = ordinal / 125 + 1;
  const uint32_t y = (ordinal % 125) * 2 + 1;
  auto make = [&](uint32_t second, uint32_t add) {
    return IpAddress::fromV4((127U << 24) | (second << 16) | (x << 8) | (y + add));
  };
  Addresses a;
  a.vip = make(10, 0);
  a.vip_port = static_cast<uint16_t>(20000 + ordinal % 10000);
  a.server1 = make(20, 0);
  a.server2 = make(20, 1);
  a.snat1 = make(30, 0);
  a.snat2 = make(30, 1);
  return a;
}

namespace {

void setTimeouts(int fd) {
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

TestServer::TestServer(IpAddress ip, Handler handler) : ip_(ip), handler_(std::move(handler)) {
  listen_fd_ = ::socket(ip.af(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  socklen_t len = ip.toSockaddr(0, ss);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      ::listen(listen_fd_, 128) != 0) {
    throw std::runtime_error("test server bind/listen failed");
  }
  len = sizeof ss;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  port_ = ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                        : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

TestServer::~TestServer() { stop(); }

ServerSpec TestServer::spec(uint32_t ratio) const {
  ServerSpec s;
  s.ip = ip_;
  s.port = port_;
  s.ratio = ratio;
  return s;
}

void TestServer::acceptLoop() {
  for (;;) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && !stopping_) {
        // A test squeezing the descriptor limit (fd_squeeze.h): accept4 takes its descriptor
        // before it waits, so this can fail even with no client; wait for the limit to return.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      return;  // shut down
    }
    if (stopping_) {
      ::close(fd);
      return;
    }
    setTimeouts(fd);
    std::lock_guard lock(mu_);
    if (auto a = IpAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&peer))) peers_.push_back(*a);
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] {
      handler_(fd);
      // Closed here, under the lock, so stop() never shuts down a reused descriptor.
      std::lock_guard lock(mu_);
      fds_.erase(std::find(fds_.begin(), fds_.end(), fd));
      ::close(fd);
    });
  }
}

std::vector<IpAddress> TestServer::peers() const {
  std::lock_guard lock(mu_);
  return peers_;
}

size_t TestServer::accepted() const {
  std::lock_guard lock(mu_);
  return peers_.size();
}

void TestServer::stop() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept() on Linux
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

Handler TestServer::echo() {
  return [](int fd) {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      if (!sendAll(fd, std::string(buf, static_cast<size_t>(n)))) break;
    }
    ::shutdown(fd, SHUT_WR);
  };
}

Handler TestServer::identify(std::string name) {
  return [name](int fd) {
    sendAll(fd, name);
    echo()(fd);
  };
}

int connectTo(const Endpoint& ep) {
  const int fd = ::socket(ep.ip.af(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  setTimeouts(fd);
  sockaddr_storage ss{};
  const socklen_t len = ep.ip.toSockaddr(ep.port, ss);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

bool sendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::string recvN(int fd, size_t n) {
  std::string out;
  char buf[4096];
  while (out.size() < n) {
    const ssize_t r = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

std::string recvToEof(int fd, int* err) {
  std::string out;
  char buf[4096];
  if (err != nullptr) *err = 0;
  for (;;) {
    const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r == 0) break;
    if (r < 0) {
      if (err != nullptr) *err = errno;
      break;
    }
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

std::string roundTrip(int fd, const std::string& data) {
  if (!sendAll(fd, data)) return {};
  return recvN(fd, data.size());
}

ClosedPort::ClosedPort(IpAddress a) : ip(a) {
  fd = ::socket(a.af(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage ss{};
  socklen_t len = a.toSockaddr(0, ss);
  ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len);
  len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  port = ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

ClosedPort::~ClosedPort() { ::close(fd); }

bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

bool runUntil(asio::io_context& io, const std::function<bool()>& pred,
              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_for(5ms);
  }
  return true;
}

const ServerStatus* findServer(const ProxyStatus& st, const std::string& pool, const Endpoint& ep) {
  for (const auto& p : st.pools) {
    if (p.name != pool) continue;
    for (const auto& s : p.servers) {
      if (s.ip == ep.ip && s.port == ep.port) return &s;
    }
  }
  return nullptr;
}

const VirtualServiceStatus* findService(const ProxyStatus& st, const std::string& name) {
  for (const auto& v : st.virtual_services) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

}  // namespace floe::proxy::test
