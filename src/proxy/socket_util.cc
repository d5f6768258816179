#include "proxy/socket_util.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace floe::proxy {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

std::string errnoText(int err) {
  char buf[128];
  // GNU strerror_r returns the message (possibly a static string, not buf).
  return ::strerror_r(err, buf, sizeof buf);
}

namespace {

bool setInt(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

Error listenError(const Endpoint& ep, const char* step, int err) {
  std::string what = formatEndpoint(ep.ip, ep.port) + ": ";
  if (step != nullptr) what += std::string(step) + ": ";
  return makeError(what + errnoText(err), err);
}

}  // namespace

Result<UniqueFd> openListenSocket(const Endpoint& ep, int backlog) {
  UniqueFd fd(::socket(ep.ip.af(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd) return listenError(ep, "socket", errno);
  if (!setInt(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1)) return listenError(ep, "SO_REUSEADDR", errno);
  if (!setInt(fd.get(), SOL_SOCKET, SO_REUSEPORT, 1)) return listenError(ep, "SO_REUSEPORT", errno);
  // IP_FREEBIND is honoured by IPv6 sockets too (inet6_bind checks the same flag).
  if (!setInt(fd.get(), SOL_IP, IP_FREEBIND, 1)) return listenError(ep, "IP_FREEBIND", errno);
  // Accepted sockets inherit TCP_NODELAY from the listener: one setsockopt per listener instead
  // of one per client connection.
  if (!setInt(fd.get(), IPPROTO_TCP, TCP_NODELAY, 1)) return listenError(ep, "TCP_NODELAY", errno);
  if (ep.ip.isV6() && !setInt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 1)) {
    return listenError(ep, "IPV6_V6ONLY", errno);
  }
  sockaddr_storage ss{};
  const socklen_t len = ep.ip.toSockaddr(ep.port, ss);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    return listenError(ep, nullptr, errno);
  }
  if (::listen(fd.get(), backlog) != 0) return listenError(ep, "listen", errno);
  return fd;
}

std::optional<Error> findForeignListener(const Endpoint& ep) {
  UniqueFd fd(::socket(ep.ip.af(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd) return std::nullopt;
  setInt(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1);  // TIME_WAIT leftovers are no stranger
  setInt(fd.get(), SOL_IP, IP_FREEBIND, 1);
  if (ep.ip.isV6()) setInt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, 1);
  sockaddr_storage ss{};
  const socklen_t len = ep.ip.toSockaddr(ep.port, ss);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) == 0 || errno != EADDRINUSE) {
    return std::nullopt;
  }
  return makeError(
      formatEndpoint(ep.ip, ep.port) + ": " + errnoText(EADDRINUSE) + " by another process",
      EADDRINUSE);
}

Result<UniqueFd> openServerSocket(int af, const IpAddress* source) {
  UniqueFd fd(::socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd) return makeError("socket: " + errnoText(errno), errno);
  setNoDelay(fd.get());
  if (source != nullptr) {
    // Works on IPv6 sockets as well (SOL_IP option read by the shared inet code).
    setInt(fd.get(), SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1);
    sockaddr_storage ss{};
    const socklen_t len = source->toSockaddr(0, ss);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
      const int err = errno;
      return makeError("bind " + source->toString() + ": " + errnoText(err), err);
    }
  }
  return fd;
}

Result<UniqueFd> openTransparentServerSocket(const IpAddress& client) {
  UniqueFd fd(::socket(client.af(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd) return makeError("socket: " + errnoText(errno), errno);
  setNoDelay(fd.get());
  const int level = client.af() == AF_INET6 ? SOL_IPV6 : SOL_IP;
  const int option = client.af() == AF_INET6 ? IPV6_TRANSPARENT : IP_TRANSPARENT;
  const int on = 1;
  if (::setsockopt(fd.get(), level, option, &on, sizeof on) != 0) {
    const int err = errno;
    return makeError("transparent socket: " + errnoText(err), err);
  }
  setInt(fd.get(), SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1);
  sockaddr_storage ss{};
  const socklen_t len = client.toSockaddr(0, ss);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    const int err = errno;
    return makeError("bind " + client.toString() + " (client): " + errnoText(err), err);
  }
  return fd;
}

void setNoDelay(int fd) { setInt(fd, IPPROTO_TCP, TCP_NODELAY, 1); }

void setResetOnClose(int fd) {
  const linger lg{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

void resetAndClose(int fd) {
  setResetOnClose(fd);
  ::close(fd);
}

}  // namespace floe::proxy
