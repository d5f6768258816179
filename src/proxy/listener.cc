#include "proxy/listener.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "common/log.h"
#include "proxy/connection.h"
#include "proxy/hash_key.h"
#include "proxy/http_connection.h"
#include "proxy/worker.h"

namespace floe::proxy {

namespace {
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
constexpr auto kWarnEvery = std::chrono::seconds(10);
}  // namespace

Listener::Listener(Worker& worker, const Endpoint& endpoint, UniqueFd fd)
    : worker_(worker), endpoint_(endpoint), acceptor_(worker.io()), backoff_(worker.io()) {
  asio::error_code ec;
  const int raw = fd.release();
  acceptor_.assign(endpoint.ip.isV6() ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), raw, ec);
  if (ec) {
    ::close(raw);
    spdlog::error("listen {}: {}", formatEndpoint(endpoint.ip, endpoint.port), ec.message());
    closed_ = true;
  }
}

void Listener::start() {
  if (closed_) return;
  // The socket may already hold connections: accept first, wait after EAGAIN (edge-triggered).
  asio::post(worker_.io(), [self = shared_from_this()] { self->acceptSome(); });
}

void Listener::close() {
  closed_ = true;
  backoff_.cancel();
  asio::error_code ignored;
  acceptor_.close(ignored);
}

void Listener::acceptSome() {
  if (closed_) return;
  for (int i = 0; i < kAcceptBatch; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    const int fd = ::accept4(acceptor_.native_handle(), reinterpret_cast<sockaddr*>(&peer), &len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      onAccepted(UniqueFd(fd), peer);
      continue;
    }
    const int err = errno;
    switch (err) {
      case EAGAIN:
        acceptor_.async_wait(asio::socket_base::wait_read,
                             [self = shared_from_this()](const asio::error_code& ec) {
                               if (ec != asio::error::operation_aborted) self->acceptSome();
                             });
        return;
      case EINTR:
      case ECONNABORTED:  // the client gave up while queued
      case EPROTO:
      case EPERM:  // refused by a firewall hook
        continue;
      default:
        // EMFILE, ENFILE, ENOBUFS, ENOMEM: the queued connection stays queued; back off and try
        // again soon instead of spinning on an error that tends to persist.
        if (localCause(err)) {
          worker_.shared().local_errors.note(
              err, "accept on " + formatEndpoint(endpoint_.ip, endpoint_.port));
        } else if (const auto now = std::chrono::steady_clock::now();
                   now - last_warning_ >= kWarnEvery) {
          last_warning_ = now;  // at most one warning per period
          spdlog::warn("accept on {}: {}; retrying every {}ms",
                       formatEndpoint(endpoint_.ip, endpoint_.port), errnoText(err),
                       kAcceptBackoff.count());
        }
        backoff_.expires_after(kAcceptBackoff);
        backoff_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
          if (ec != asio::error::operation_aborted) self->acceptSome();
        });
        return;
    }
  }
  // A full batch: let the connections just accepted make progress, then come back.
  asio::post(worker_.io(), [self = shared_from_this()] { self->acceptSome(); });
}

void Listener::onAccepted(UniqueFd fd, const sockaddr_storage& peer) {
  if (!service_) {  // cannot happen: every listener gets a service before start()
    resetAndClose(fd.release());
    return;
  }
  ServiceRuntime& rt = service_->runtime();
  bump(rt.total);
  EngineShared& shared = worker_.shared();
  // The caps are checked against counters other workers update too: a burst may overshoot by
  // at most one connection per worker.
  if (shared.active.load(std::memory_order_relaxed) >= shared.max_connections ||
      rt.active.load(std::memory_order_relaxed) >= shared.max_connections_per_vs) {
    bump(shared.over_capacity);
    bump(rt.over_capacity);
    resetAndClose(fd.release());
    return;
  }
  if (service_->snapshot().mode == ServiceMode::kHttp) {
    // The server is chosen per request; with none up the client gets a 503, not a reset.
    worker_.http().accept(std::move(fd), peer, endpoint_, service_);
    return;
  }
  WorkerPool* pool = service_->pool();
  const auto server = pool != nullptr
                          ? pool->pick({}, connectionKey(pool->snapshot().hash_key, peer))
                          : std::nullopt;
  if (!server) {
    bump(rt.refused);
    if (spdlog::should_log(spdlog::level::debug)) {
      const auto ip = IpAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&peer));
      spdlog::debug("vs {} {}: reset, no server up", service_->snapshot().name,
                    ip ? ip->toString() : "?");
    }
    resetAndClose(fd.release());
    return;
  }
  Connection::start(worker_, std::move(fd), peer, endpoint_, service_, *server);
}

}  // namespace floe::proxy
