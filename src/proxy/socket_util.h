// Plain-socket helpers for the data plane: listening and server-side sockets with the options
// a load balancer needs, and the reset-instead-of-close used to refuse clients.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "common/ip.h"
#include "common/result.h"
#include "proxy/engine.h"

namespace floe::proxy {

// Owns a file descriptor; closes it unless released.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

inline constexpr int kListenBacklog = 4096;

// socket + SO_REUSEADDR + SO_REUSEPORT (one per worker on the same endpoint; the kernel spreads
// connections) + IP_FREEBIND (a VIP need not be on the host yet: standby SE) + TCP_NODELAY
// (inherited by accepted sockets) + bind + listen.
// Errors read "10.10.2.100:80: Address already in use".
Result<UniqueFd> openListenSocket(const Endpoint& endpoint, int backlog = kListenBacklog);

// Whether another process already listens on `endpoint` (issue 5 §4). floe's own listeners use
// SO_REUSEPORT, so a stranger that also set it (same user) would silently share the port and
// take part of the clients. A bind without SO_REUSEPORT (SO_REUSEADDR and IP_FREEBIND set, as
// for the real sockets) fails with EADDRINUSE exactly when some socket listens there; call it
// before floe opens its own sockets on the endpoint. Returns "10.10.2.100:80: Address already in
// use by another process" when taken, nothing when free (or when the probe itself could not
// run: the real bind then reports).
std::optional<Error> findForeignListener(const Endpoint& endpoint);

// A non-blocking TCP socket toward a server of family `af`, with TCP_NODELAY, bound to `source`
// (port chosen at connect time: IP_BIND_ADDRESS_NO_PORT, so one SNAT IP serves ~28k connections
// per server instead of ~28k in total) when `source` is given.
Result<UniqueFd> openServerSocket(int af, const IpAddress* source);

// preserve_client_ip (reference default-gateway-ip-routing.md): a non-blocking TCP socket toward
// a server, with TCP_NODELAY and IP_TRANSPARENT, bound to the client's address `client` (port
// chosen at connect time, IP_BIND_ADDRESS_NO_PORT), so the server sees the client as the
// source. The server's replies reach this socket only when they are routed back through this
// host and delivered locally (net/transparent.h installs that). For the L4 and the HTTP paths.
// Errors: "transparent socket: Operation not permitted" (needs CAP_NET_ADMIN), "bind
// 198.51.100.10 (client): ..."; code = errno.
Result<UniqueFd> openTransparentServerSocket(const IpAddress& client);

void setNoDelay(int fd);
// SO_LINGER {1, 0}: the following close() sends RST instead of FIN.
void setResetOnClose(int fd);
// Refuses an accepted connection: RST, then close.
void resetAndClose(int fd);

std::string errnoText(int err);  // strerror_r, thread-safe

}  // namespace floe::proxy
