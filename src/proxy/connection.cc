#include "proxy/connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <asio/post.hpp>
#include <cerrno>
#include <new>

#include "common/log.h"
#include "proxy/hash_key.h"
#include "proxy/worker.h"

namespace floe::proxy {

namespace {

// Round trips one direction may do per turn before yielding to other connections.
constexpr int kPumpRounds = 16;

// Per-connection messages are built only when someone reads them: error paths can be hot
// (a flood of resets) and describe() allocates.
bool debugOn() { return spdlog::should_log(spdlog::level::debug); }

std::string formatPeer(const sockaddr_storage& ss) {
  const auto ip = IpAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss));
  if (!ip) return "?";
  const uint16_t port = ss.ss_family == AF_INET6
                            ? ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port)
                            : ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  return formatEndpoint(*ip, port);
}

}  // namespace

void ConnectionList::link(Connection* c) {
  c->prev_ = nullptr;
  c->next_ = head_;
  if (head_ != nullptr) head_->prev_ = c;
  head_ = c;
  ++size_;
}

void ConnectionList::unlink(Connection* c) {
  if (c->prev_ != nullptr)
    c->prev_->next_ = c->next_;
  else
    head_ = c->next_;
  if (c->next_ != nullptr) c->next_->prev_ = c->prev_;
  c->prev_ = c->next_ = nullptr;
  --size_;
}

// ---- lifetime ------------------------------------------------------------------------------

void Connection::start(Worker& worker, UniqueFd client, const sockaddr_storage& peer,
                       const Endpoint& vip, std::shared_ptr<WorkerService> service,
                       uint32_t server) {
  // One allocation holds the connection and both direction buffers (recycled by the worker).
  void* mem = worker.allocateConnection();
  auto* buffers = static_cast<uint8_t*>(mem) + sizeof(Connection);
  auto* c = new (mem) Connection(worker, std::move(client), peer, vip, std::move(service), buffers);
  Ref self(c);  // freed when this returns if nothing kept it open
  if (auto st = worker.poller().add(c->client_.fd, &c->client_); !st) {
    if (debugOn()) spdlog::debug("{}: {}", c->describe(), st.error().message);
    bump(c->service_->runtime().errors);
    c->closeBoth(true);
    return;
  }
  c->connectTo(server);
}

Connection::Connection(Worker& worker, UniqueFd client, const sockaddr_storage& peer,
                       const Endpoint& vip, std::shared_ptr<WorkerService> service,
                       uint8_t* buffers)
    : worker_(worker),
      service_(std::move(service)),
      peer_(peer),
      vip_(vip.ip),
      timer_(worker.io()) {
  const uint32_t bufBytes = static_cast<uint32_t>(worker.limits().buffer_bytes);
  client_.conn = this;
  upstream_.conn = this;
  up_ = Pipe{&client_, &upstream_, buffers, 0, 0, false, true};
  down_ = Pipe{&upstream_, &client_, buffers + bufBytes, 0, 0, false, false};
  bump(service_->runtime().active);
  bump(worker_.shared().active);
  worker_.connections().link(this);

  client_.fd = client.release();
  // The client has most likely sent its request already: read it as soon as the server
  // answers, without waiting for an edge that may have fired before registration.
  client_.readable = true;
  client_.writable = true;
}

Connection::~Connection() {
  if (server_ != nullptr) drop(server_->runtime->active);
  drop(service_->runtime().active);
  drop(worker_.shared().active);
  worker_.connections().unlink(this);
}

void Connection::maybeRetire() {
  if (state_ != State::kClosed || refs_ != 0 || retired_) return;
  retired_ = true;
  worker_.retire(this);
}

void Connection::free(Connection* c) {
  Worker& worker = c->worker_;
  c->~Connection();
  worker.releaseConnection(c);
}

std::string Connection::describe() const {
  std::string s = "vs " + service_->snapshot().name + " " + formatPeer(peer_);
  if (server_ != nullptr) s += " -> " + formatEndpoint(server_->spec.ip, server_->spec.port);
  return s;
}

void Connection::onEvent(Side& side, uint32_t events) {
  if (state_ == State::kClosed) return;
  // Errors and hang-ups make both flags true: the next recv/send reports what happened.
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) side.readable = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) side.writable = true;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) side.hup = true;
  if (state_ == State::kStreaming && (events & EPOLLERR) != 0) {
    // A reset (or another error) on either side. Checked here, not left to the next recv/send:
    // after a side's FIN its direction is no longer read, and when the other direction is quiet
    // no send would report it either, so the reset would wait for the idle timeout.
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(side.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      fail(err, &side == &client_ ? "client" : "server");
      return;
    }
  }
  if (state_ == State::kConnecting) {
    if (&side != &upstream_) return;  // the client waits until the server answers
    if (events & (EPOLLERR | EPOLLHUP)) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(upstream_.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        connectFailed(err, "connect: " + errnoText(err));
        return;
      }
    }
    if (upstream_.writable) established();
    return;
  }
  Pipe& reads = &side == &client_ ? up_ : down_;   // reads from this side
  Pipe& writes = &side == &client_ ? down_ : up_;  // writes to this side
  pump(reads);
  if (state_ == State::kStreaming) pump(writes);
}

// ---- connect phase -------------------------------------------------------------------------

void Connection::connectTo(uint32_t index) {
  WorkerPool& pool = *service_->pool();
  tried_[attempts_++] = index;
  server_ = &pool.server(index);
  bump(server_->runtime->active);

  const int af = server_->spec.ip.af();
  if (service_->snapshot().preserve_client_ip) {
    connectTransparent();
    return;
  }
  // EADDRNOTAVAIL from a SNAT IP: from connect() when it has no free source port toward this
  // server (IP_BIND_ADDRESS_NO_PORT defers the port choice to connect), from bind() when the
  // address is not on the host. Either way the next SNAT IP may do: try each once.
  const size_t snatIps = std::max<size_t>(1, service_->snatCount(af));
  for (size_t s = 0;; ++s) {
    const IpAddress* source = service_->nextSnat(af);
    source_.reset();
    if (source != nullptr) source_ = *source;
    const bool another = source != nullptr && s + 1 < snatIps;
    auto sock = openServerSocket(af, source);
    if (!sock) {
      if (sock.error().code == EADDRNOTAVAIL && another) {
        worker_.shared().local_errors.note(EADDRNOTAVAIL, "bind to SNAT IP " + source->toString());
        continue;
      }
      connectFailed(sock.error().code, sock.error().message);
      return;
    }
    upstream_.fd = sock->release();
    upstream_.readable = false;  // registered before connect(): every later byte raises an edge
    upstream_.writable = false;
    upstream_.hup = false;
    if (auto st = worker_.poller().add(upstream_.fd, &upstream_); !st) {
      connectFailed(st.error().code, st.error().message);
      return;
    }
    if (::connect(upstream_.fd, reinterpret_cast<const sockaddr*>(&server_->address),
                  server_->address_len) == 0) {
      upstream_.writable = true;
      established();
      return;
    }
    const int err = errno;
    if (err == EINPROGRESS) break;
    if (err == EADDRNOTAVAIL && another) {
      worker_.shared().local_errors.note(err, "connect from SNAT IP " + source->toString());
      closeServerSide();
      continue;
    }
    connectFailed(err, "connect: " + errnoText(err));
    return;
  }
  // Completion arrives as an EPOLLOUT (or EPOLLERR) edge on upstream_.
  const uint32_t attempt = attempts_;
  timer_.expires_after(worker_.limits().connect_timeout);
  timer_.async_wait([self = Ref(this), attempt](const asio::error_code& e) {
    self->onConnectTimeout(attempt, e);
  });
}

// preserve_client_ip: one attempt from the client's own address (no SNAT IPs to rotate).
void Connection::connectTransparent() {
  const auto client = IpAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&peer_));
  if (!client || client->af() != server_->spec.ip.af()) {
    connectFailed(EAFNOSUPPORT,
                  "preserve_client_ip: the client and the server are of "
                  "different address families");
    return;
  }
  source_.reset();
  auto sock = openTransparentServerSocket(*client);
  if (!sock) {
    connectFailed(sock.error().code, sock.error().message);
    return;
  }
  upstream_.fd = sock->release();
  upstream_.readable = false;
  upstream_.writable = false;
  upstream_.hup = false;
  if (auto st = worker_.poller().add(upstream_.fd, &upstream_); !st) {
    connectFailed(st.error().code, st.error().message);
    return;
  }
  if (::connect(upstream_.fd, reinterpret_cast<const sockaddr*>(&server_->address),
                server_->address_len) == 0) {
    upstream_.writable = true;
    established();
    return;
  }
  const int err = errno;
  if (err != EINPROGRESS) {
    connectFailed(err, "connect: " + errnoText(err));
    return;
  }
  const uint32_t attempt = attempts_;
  timer_.expires_after(worker_.limits().connect_timeout);
  timer_.async_wait([self = Ref(this), attempt](const asio::error_code& e) {
    self->onConnectTimeout(attempt, e);
  });
}

void Connection::onConnectTimeout(uint32_t attempt, const asio::error_code& ec) {
  // A timer completion already queued when the connect finished belongs to an old attempt.
  if (ec == asio::error::operation_aborted || state_ != State::kConnecting ||
      attempt != attempts_) {
    return;
  }
  connectFailed(ETIMEDOUT, "connect: timeout after " +
                               std::to_string(worker_.limits().connect_timeout.count()) + "ms");
}

void Connection::closeServerSide() {
  if (upstream_.fd >= 0) ::close(upstream_.fd);  // also leaves the epoll set
  upstream_.fd = -1;
}

void Connection::connectFailed(int err, const std::string& detail) {
  if (localCause(err)) {
    // This host ran out of something (descriptors, source ports, buffers): the server did
    // nothing wrong and is not charged. Another server may still work (source ports are per
    // destination), so the retry below goes on.
    worker_.shared().local_errors.note(err, "vs " + service_->snapshot().name + " connect");
  } else {
    bump(server_->runtime->connect_failures);
  }
  if (debugOn()) spdlog::debug("{}: {}", describe(), detail);
  drop(server_->runtime->active);
  server_ = nullptr;
  closeServerSide();

  const uint32_t maxAttempts = std::min(worker_.limits().connect_attempts, kMaxConnectAttempts);
  if (attempts_ < maxAttempts) {
    WorkerPool* pool = service_->pool();
    if (auto next = pool->pick({tried_.data(), attempts_},
                               connectionKey(pool->snapshot().hash_key, peer_))) {
      connectTo(*next);
      return;
    }
  }
  refuse();
}

void Connection::refuse() {
  bump(service_->runtime().refused);
  if (debugOn()) {
    spdlog::debug("{}: reset, no server reachable after {} attempt(s)", describe(), attempts_);
  }
  closeBoth(true);
}

void Connection::established() {
  state_ = State::kStreaming;
  timer_.cancel();
  bump(server_->runtime->total);
  last_active_ = worker_.tick();
  pump(up_);
  if (state_ == State::kStreaming) pump(down_);
}

// ---- streaming -----------------------------------------------------------------------------

void Connection::pump(Pipe& p) {
  if (p.eof) return;
  const uint32_t cap = static_cast<uint32_t>(worker_.limits().buffer_bytes);
  for (int round = 0; round < kPumpRounds; ++round) {
    if (p.off < p.len) {
      if (!p.to->writable) return;  // the EPOLLOUT edge brings us back
      const ssize_t n = ::send(p.to->fd, p.buf + p.off, p.len - p.off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          p.to->writable = false;
          return;
        }
        fail(errno, p.to_server ? "send to server" : "send to client");
        return;
      }
      p.off += static_cast<uint32_t>(n);
      if (p.off < p.len) {
        p.to->writable = false;  // send buffer full: space frees up with an EPOLLOUT edge
        return;
      }
      p.off = p.len = 0;
    }
    if (!p.from->readable) return;  // the EPOLLIN edge brings us back
    const ssize_t n = ::recv(p.from->fd, p.buf, cap, 0);
    if (n > 0) {
      p.len = static_cast<uint32_t>(n);
      // A short read drained the socket; anything arriving later raises a new edge. Not so a
      // FIN that came with the data: its edge is spent, so keep reading until recv() says 0.
      if (p.len < cap && !p.from->hup) p.from->readable = false;
      last_active_ = worker_.tick();
      bump(p.to_server ? server_->runtime->bytes_out : server_->runtime->bytes_in,
           static_cast<uint64_t>(n));
      continue;
    }
    if (n == 0) {
      onEof(p);
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      p.from->readable = false;
      return;
    }
    fail(errno, p.to_server ? "recv from client" : "recv from server");
    return;
  }
  // Budget spent with data still flowing: let the worker's other connections run first.
  asio::post(worker_.io(), [self = Ref(this), pp = &p] {
    if (self->state_ == State::kStreaming) self->pump(*pp);
  });
}

void Connection::onEof(Pipe& p) {
  p.eof = true;
  if (up_.eof && down_.eof) {
    closeBoth(false);
    return;
  }
  // Half-close: forward the FIN, keep the other direction flowing.
  ::shutdown(p.to->fd, SHUT_WR);
}

void Connection::fail(int err, const char* op) {
  bump(service_->runtime().errors);
  if (debugOn()) spdlog::debug("{}: {}: {}", describe(), op, errnoText(err));
  // A reset (or any error) on one side resets the other: the peer learns at once that the
  // stream is broken instead of seeing a clean FIN.
  closeBoth(true);
}

void Connection::closeBoth(bool reset) {
  state_ = State::kClosed;
  timer_.cancel();
  for (Side* s : {&client_, &upstream_}) {
    if (s->fd < 0) continue;
    if (reset) setResetOnClose(s->fd);
    ::close(s->fd);  // also leaves the epoll set
    s->fd = -1;
  }
  maybeRetire();
}

void Connection::expireIdle(uint32_t now) {
  const uint32_t idle = service_->snapshot().idle_timeout_s;
  if (state_ != State::kStreaming || idle == 0 || now - last_active_ <= idle) return;
  bump(service_->runtime().idle_timeouts);
  if (debugOn()) spdlog::debug("{}: idle for {}s, resetting both sides", describe(), idle);
  closeBoth(true);
}

bool Connection::orphanedBy(const ConfigSnapshot& config) const {
  if (state_ == State::kClosed) return false;
  auto snat = config.snat_ips.find(service_->snapshot().name);
  if (snat == config.snat_ips.end()) return true;  // the virtual service is gone
  if (config.vips.count(vip_) == 0) return true;   // its VIP is no longer held
  if (source_ &&
      std::find(snat->second.begin(), snat->second.end(), *source_) == snat->second.end()) {
    return true;  // its SNAT IP is no longer held
  }
  return false;
}

void Connection::abort() {
  if (state_ == State::kClosed) return;
  closeBoth(true);
}

}  // namespace floe::proxy
