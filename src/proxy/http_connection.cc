#include "proxy/http_connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <asio/post.hpp>
#include <cerrno>

#include "common/log.h"
#include "proxy/hash_key.h"
#include "proxy/worker.h"

namespace floe::proxy {

namespace {

// Reads per side per turn before yielding to the worker's other connections.
constexpr int kDriveRounds = 16;
// A client that does not take its last response (error or Connection: close) within this
// long is reset.
constexpr auto kLingerTimeout = std::chrono::seconds(5);

bool debugOn() { return spdlog::should_log(spdlog::level::debug); }

http::SessionConfig sessionConfig(const HttpSpec& spec) {
  http::SessionConfig c;
  c.rewrite.xff_enabled = spec.xff_enabled;
  c.rewrite.xff_alternate_name = spec.xff_alternate_name;
  c.rewrite.x_forwarded_proto_enabled = spec.x_forwarded_proto_enabled;
  c.rewrite.websockets_enabled = spec.websockets_enabled;
  c.rewrite.via_enabled = spec.via_enabled;
  c.client_header_timeout = spec.client_header_timeout_ms;
  c.client_body_timeout = spec.client_body_timeout_ms;
  c.keepalive_timeout = spec.keepalive_timeout_ms;
  c.server_connect_timeout = spec.server_connect_timeout_ms;
  c.server_response_timeout = spec.server_response_timeout_ms;
  c.buffer_bytes = spec.buffer_bytes;
  return c;
}

// The 502 body's clause for a failed connect() (`err`: its errno).
std::string connectFailure(int err) {
  switch (err) {
    case ECONNREFUSED:
      return "the server refused the connection";
    case ECONNRESET:
      return "the server reset the connection";
    case EHOSTUNREACH:
    case ENETUNREACH:
      return "the server is unreachable (" + errnoText(err) + ")";
    default:
      return "connecting to the server failed (" + errnoText(err) + ")";
  }
}

http::ClientInfo clientInfo(const sockaddr_storage& peer) {
  http::ClientInfo info;
  if (auto ip = IpAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&peer))) {
    info.ip = ip->toString();
  }
  return info;
}

void add(std::atomic<uint64_t>& counter, uint64_t now, uint64_t& before) {
  if (now != before) bump(counter, now - before);
}

}  // namespace

// ---- ServerLink / HttpWorker ---------------------------------------------------------------

void ServerLink::onPoll(uint32_t events) {
  if (fd < 0) return;
  if (conn != nullptr) {
    conn->onServerEvent(*this, events);
    return;
  }
  // Idle in the pool: the server closed it, reset it, or spoke out of turn. Never reuse it.
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) owner->closeLink(this);
}

HttpWorker::~HttpWorker() {
  shutdown();
  freeZombies();
}

void HttpWorker::accept(UniqueFd client, const sockaddr_storage& peer, const Endpoint& vip,
                        std::shared_ptr<WorkerService> service) {
  auto* c = new HttpConnection(*this, std::move(client), peer, vip, std::move(service));
  c->start();
}

bool HttpWorker::stillOpen(const ServerLink& link, bool retryable) const {
  if (retryable && link.idle_since == worker_.tick()) return true;
  char b;
  const ssize_t n = ::recv(link.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

ServerLink* HttpWorker::takeIdle(const ServerRuntime* server, bool retryable) {
  auto it = idle_.find(server);
  if (it == idle_.end()) return nullptr;
  auto& links = it->second;
  while (!links.empty()) {
    ServerLink* l = links.back();  // the most recently used: the least likely to be closed
    links.pop_back();
    drop(l->runtime->idle_connections);
    if (stillOpen(*l, retryable)) return l;
    closeLink(l);  // closed (0), spoke (> 0) or failed while idle
  }
  return nullptr;
}

void HttpWorker::putIdle(ServerLink* link) {
  link->conn = nullptr;
  link->idle_since = worker_.tick();
  bump(link->runtime->idle_connections);
  idle_[link->runtime.get()].push_back(link);
}

void HttpWorker::closeLink(ServerLink* link, bool reset) {
  if (link->fd < 0) return;
  if (link->conn == nullptr) {  // idle: leave the pool
    auto it = idle_.find(link->runtime.get());
    if (it != idle_.end()) {
      auto& v = it->second;
      if (auto pos = std::find(v.begin(), v.end(), link); pos != v.end()) {
        v.erase(pos);
        drop(link->runtime->idle_connections);
      }
    }
  }
  if (reset) setResetOnClose(link->fd);
  ::close(link->fd);  // also leaves the epoll set
  link->fd = -1;
  link->conn = nullptr;
  drop(link->runtime->open_connections);
  dead_links_.push_back(link);
  scheduleFree();
}

void HttpWorker::link(HttpConnection* c) {
  c->live_index = live_.size();
  live_.push_back(c);
}

void HttpWorker::unlink(HttpConnection* c) {
  const size_t i = c->live_index;
  if (i >= live_.size() || live_[i] != c) return;
  live_[i] = live_.back();
  live_[i]->live_index = i;
  live_.pop_back();
}

void HttpWorker::deferFlush(HttpConnection* c) { flush_queue_.push_back(c); }

void HttpWorker::flushDeferred() {
  while (!flush_queue_.empty()) {
    std::vector<HttpConnection*> queue;
    queue.swap(flush_queue_);
    for (HttpConnection* c : queue) c->flushQueued();
  }
}

void HttpWorker::retire(HttpConnection* c) {
  unlink(c);
  zombies_.push_back(c);
  scheduleFree();
}

void HttpWorker::scheduleFree() {
  // Freed after the current event batch (the poller's afterBatch) or, from a timer handler,
  // on the next turn of the loop.
  if (free_posted_) return;
  free_posted_ = true;
  asio::post(worker_.io(), [this] { freeZombies(); });
}

void HttpWorker::freeZombies() {
  if (worker_.poller().dispatching()) return;
  free_posted_ = false;
  while (!zombies_.empty() || !dead_links_.empty()) {
    std::vector<HttpConnection*> conns;
    conns.swap(zombies_);
    for (HttpConnection* c : conns) delete c;
    std::vector<ServerLink*> links;
    links.swap(dead_links_);
    for (ServerLink* l : links) delete l;
  }
}

void HttpWorker::sweep(uint32_t tick) {
  std::vector<HttpConnection*> live = live_;  // a copy: expiring one unlinks it
  for (HttpConnection* c : live) c->expireIdleTunnel(tick);
  std::vector<ServerLink*> stale;
  for (auto& [key, links] : idle_) {
    for (ServerLink* l : links) {
      if (tick - l->idle_since > kIdleServerConnectionTimeoutS) stale.push_back(l);
    }
  }
  for (ServerLink* l : stale) closeLink(l);
  for (auto it = idle_.begin(); it != idle_.end();) {
    it = it->second.empty() ? idle_.erase(it) : std::next(it);
  }
}

size_t HttpWorker::resetOrphans(const ConfigSnapshot& config) {
  std::vector<HttpConnection*> orphans;
  for (HttpConnection* c : live_) {
    if (c->orphanedBy(config)) orphans.push_back(c);
  }
  for (HttpConnection* c : orphans) c->abort();
  // Idle connections to servers that left every pool: nobody will take them again.
  std::vector<ServerLink*> gone;
  for (auto& [key, links] : idle_) {
    if (key != nullptr && links.empty()) continue;
    for (ServerLink* l : links) {
      if (l->runtime.use_count() <= static_cast<long>(links.size())) gone.push_back(l);
    }
  }
  for (ServerLink* l : gone) closeLink(l);
  return orphans.size();
}

void HttpWorker::shutdown() {
  std::vector<HttpConnection*> all = live_;
  for (HttpConnection* c : all) c->abort();
  std::vector<ServerLink*> idle;
  for (auto& [key, links] : idle_) idle.insert(idle.end(), links.begin(), links.end());
  for (ServerLink* l : idle) closeLink(l);
  idle_.clear();
}

// ---- HttpConnection: lifetime ---------------------------------------------------------------

HttpConnection::HttpConnection(HttpWorker& hw, UniqueFd client, const sockaddr_storage& peer,
                               const Endpoint& vip, std::shared_ptr<WorkerService> service)
    : hw_(hw),
      service_(std::move(service)),
      peer_(peer),
      vip_(vip.ip),
      client_fd_(client.release()),
      timer_(hw.worker().io()) {
  deadlines_.fill(Clock::time_point::max());
  last_active_ = hw.worker().tick();
  bump(service_->runtime().active);
  bump(hw_.worker().shared().active);
  hw_.link(this);
}

HttpConnection::~HttpConnection() {
  drop(service_->runtime().active);
  drop(hw_.worker().shared().active);
}

void HttpConnection::maybeRetire() {
  if (!closed_ || refs_ != 0 || retired_) return;
  retired_ = true;
  hw_.retire(this);
}

void HttpConnection::start() {
  Ref self(this);
  if (auto st = hw_.worker().poller().add(client_fd_, this); !st) {
    bump(service_->runtime().errors);
    finishClose(true);
    return;
  }
  session();  // arms the client header timer
  drive();
}

http::Session& HttpConnection::session() {
  if (!session_) {
    // A new request (or the first): the keep-alive wait, if any, is over.
    deadlines_[static_cast<size_t>(http::Timer::kKeepalive)] = Clock::time_point::max();
    reported_ = {};
    session_ = std::make_unique<http::Session>(sessionConfig(service_->snapshot().http),
                                               clientInfo(peer_));
    feed(session_->start());
  }
  return *session_;
}

void HttpConnection::releaseSessionIfIdle() {
  if (!session_ || !session_->awaitingNextRequest() || closing_ || link_ != nullptr ||
      out_client_off_ < out_client_.size() || !backlog_.empty()) {
    return;
  }
  // An idle keep-alive connection keeps its socket, its keep-alive deadline and counters
  // only: the parsers, header copies and effect buffers go until the next request.
  syncCounters();
  session_.reset();
  reported_ = {};
  std::vector<uint32_t>().swap(tried_);
  http::Session::Effects().swap(backlog_);
}

bool HttpConnection::orphanedBy(const ConfigSnapshot& config) const {
  if (closed_) return false;
  auto snat = config.snat_ips.find(service_->snapshot().name);
  if (snat == config.snat_ips.end()) return true;
  if (config.vips.count(vip_) == 0) return true;
  for (ServerLink* l : {link_, kept_}) {
    if (l != nullptr && l->source &&
        std::find(snat->second.begin(), snat->second.end(), *l->source) == snat->second.end()) {
      return true;
    }
  }
  return false;
}

void HttpConnection::expireIdleTunnel(uint32_t now) {
  const uint32_t idle = service_->snapshot().idle_timeout_s;
  if (closed_ || idle == 0 || !session_ || !session_->tunnelling() || now - last_active_ <= idle) {
    return;
  }
  bump(service_->runtime().idle_timeouts);
  if (debugOn())
    spdlog::debug("vs {}: tunnel idle for {}s, resetting", service_->snapshot().name, idle);
  abort();
}

void HttpConnection::abort() {
  if (closed_) return;
  Ref self(this);
  finishClose(true);
}

// ---- effects --------------------------------------------------------------------------------

void HttpConnection::feed(http::Session::Effects effects) {
  if (in_feed_) {
    for (auto& e : effects) backlog_.push_back(std::move(e));
    return;
  }
  in_feed_ = true;
  for (;;) {
    for (auto& e : effects) {
      if (closed_) break;
      execute(e);
    }
    if (!closed_) {
      if (hw_.worker().poller().dispatching()) {
        // In an event batch: write at its end, with every other connection's writes, so that
        // a peer woken by the first write finds the rest waiting (one wake-up of wrk or
        // nginx per batch instead of one per response).
        if ((client_unflushed_ || server_unflushed_) && !flush_queued_) {
          flush_queued_ = true;
          hw_.deferFlush(this);
        }
      } else {
        flushPending();  // may queue more effects (onClientWritten, ...)
      }
    }
    if (backlog_.empty() || closed_) break;
    effects.clear();
    effects.swap(backlog_);
  }
  backlog_.clear();
  in_feed_ = false;
  syncCounters();
  if (closed_) return;
  if (closing_ && out_client_off_ >= out_client_.size()) {
    finishClose(false);
    return;
  }
  rescheduleTimer();
  releaseSessionIfIdle();
}

void HttpConnection::flushQueued() {
  flush_queued_ = false;
  if (closed_) return;
  Ref self(this);
  feed({});  // writes, then what follows a write (close after the last response, idle release)
  // A write may have resumed reads (the other side was paused on a full buffer): their edge
  // came earlier, so read now.
  drive();
}

void HttpConnection::flushPending() {
  if (client_unflushed_) {
    client_unflushed_ = false;
    flushClient();
  }
  if (server_unflushed_ && !closed_) {
    server_unflushed_ = false;
    flushServer();
  }
}

void HttpConnection::execute(http::Effect& e) {
  using K = http::Effect::Kind;
  // Consecutive sends to one side (a response's head, then its body) leave in one send(): one
  // TCP segment instead of two, so the peer does not ACK (and wake) twice per response. Any
  // effect on a connection first writes what is queued, in the order the session asked;
  // timers and read pauses do not (they are not ordered with the bytes).
  switch (e.kind) {
    case K::kOpenServer:
    case K::kReleaseServer:
    case K::kCloseServer:
    case K::kCloseClient:
    case K::kResetClient:
      flushPending();
      if (closed_) return;
      break;
    default:
      break;
  }
  switch (e.kind) {
    case K::kSendToClient:
      if (out_client_off_ >= out_client_.size()) {
        out_client_ = std::move(e.bytes);
        out_client_off_ = 0;
      } else {
        out_client_.append(e.bytes);
      }
      client_unflushed_ = true;
      break;
    case K::kSendToServer:
      if (out_server_off_ >= out_server_.size()) {
        out_server_ = std::move(e.bytes);
        out_server_off_ = 0;
      } else {
        out_server_.append(e.bytes);
      }
      server_unflushed_ = true;
      break;
    case K::kOpenServer:
      openServer();
      break;
    case K::kReleaseServer:
      if (link_ != nullptr) {
        ServerLink* l = link_;
        link_ = nullptr;
        drop(l->runtime->active);
        out_server_.clear();
        out_server_off_ = 0;
        if (multiplexing() && l->runtime->isUp()) {
          hw_.putIdle(l);
        } else if (!multiplexing()) {
          l->idle_since = hw_.worker().tick();
          kept_ = l;
        } else {
          hw_.closeLink(l);
        }
      }
      break;
    case K::kCloseServer:
      dropServer(false);
      break;
    case K::kCloseClient:
      closing_ = true;
      if (linger_deadline_ == Clock::time_point::max()) {
        linger_deadline_ = hw_.worker().poller().now() + kLingerTimeout;
      }
      break;
    case K::kResetClient:
      finishClose(true);
      break;
    case K::kArmTimer:
      deadlines_[static_cast<size_t>(e.timer)] =
          hw_.worker().poller().now() + std::chrono::milliseconds(e.ms);
      break;
    case K::kCancelTimer:
      deadlines_[static_cast<size_t>(e.timer)] = Clock::time_point::max();
      break;
    case K::kPauseClientReads:
      client_paused_ = true;
      break;
    case K::kResumeClientReads:
      client_paused_ = false;
      if (client_readable_) drive();
      break;
    case K::kPauseServerReads:
      server_paused_ = true;
      break;
    case K::kResumeServerReads:
      server_paused_ = false;
      if (link_ != nullptr && link_->readable) drive();
      break;
  }
}

// ---- I/O ------------------------------------------------------------------------------------

void HttpConnection::onPoll(uint32_t events) {
  if (closed_) return;
  Ref self(this);
  if (lingering_) {
    lingerRead();
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) client_readable_ = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
    client_writable_ = true;
    flushClient();
    if (closed_) return;
    if (closing_ && out_client_off_ >= out_client_.size()) {
      finishClose(false);
      return;
    }
  }
  drive();
}

void HttpConnection::onServerEvent(ServerLink& link, uint32_t events) {
  if (closed_ || &link != link_) return;
  Ref self(this);
  if (link.connecting) {
    if (events & (EPOLLERR | EPOLLHUP)) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(link.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (events & EPOLLHUP)) {
        serverConnectFailed(err != 0 ? err : ECONNREFUSED,
                            "connect: " + errnoText(err != 0 ? err : ECONNREFUSED));
        return;
      }
    }
    if (events & EPOLLOUT) {
      link.connecting = false;
      link.writable = true;
      serverConnected(false);
    }
    if (events & (EPOLLIN | EPOLLRDHUP)) link.readable = true;
    if (!closed_) drive();
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) link.readable = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
    link.writable = true;
    flushServer();
  }
  if (!closed_) drive();
}

void HttpConnection::drive() {
  if (closed_ || in_feed_) return;
  Ref self(this);
  for (int round = 0; round < kDriveRounds; ++round) {
    bool progressed = false;
    if (!closed_ && !closing_ && !client_paused_ && client_readable_) {
      progressed |= readClient();
    } else if (!closed_ && closing_ && client_readable_) {
      // The last response is still being written and the session wants no more of the
      // request: discard what the client sends, so that a client that reads only after its
      // upload is not stuck until the last-response deadline resets it.
      progressed |= discardClient();
    }
    if (!closed_ && link_ != nullptr && !link_->connecting && !server_paused_ && link_->readable) {
      progressed |= readServer();
    }
    if (closed_ || !progressed) return;
  }
  if (drive_posted_) return;
  drive_posted_ = true;  // more to read: let the worker's other connections run first
  asio::post(hw_.worker().io(), [self = Ref(this)] {
    self->drive_posted_ = false;
    self->drive();
  });
}

bool HttpConnection::readClient() {
  const size_t cap = std::min<size_t>(
      HttpWorker::kScratchBytes, std::max<uint32_t>(1024, service_->snapshot().http.buffer_bytes));
  const ssize_t n = ::recv(client_fd_, hw_.scratch(), cap, 0);
  if (n > 0) {
    last_active_ = hw_.worker().tick();
    if (static_cast<size_t>(n) < cap) client_readable_ = false;
    // A short read drained the socket; an EOF behind it raises its own edge (EPOLLRDHUP).
    feed(session().onClientData({hw_.scratch(), static_cast<size_t>(n)}));
    return true;
  }
  if (n == 0) {
    client_readable_ = false;
    client_eof_ = true;
    feed(session().onClientEof());
    return true;
  }
  if (errno == EINTR) return true;
  client_readable_ = false;
  if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
  bump(service_->runtime().errors);
  if (debugOn())
    spdlog::debug("vs {}: recv from client: {}", service_->snapshot().name, errnoText(errno));
  finishClose(true);
  return false;
}

bool HttpConnection::discardClient() {
  const ssize_t n = ::recv(client_fd_, hw_.scratch(), HttpWorker::kScratchBytes, 0);
  if (n > 0) return true;
  if (n < 0 && errno == EINTR) return true;
  client_readable_ = false;
  if (n == 0) {
    client_eof_ = true;
    return false;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
  finishClose(true);  // the client reset: nothing left to deliver
  return false;
}

bool HttpConnection::readServer() {
  ServerLink& l = *link_;
  const size_t cap = std::min<size_t>(
      HttpWorker::kScratchBytes, std::max<uint32_t>(1024, service_->snapshot().http.buffer_bytes));
  const ssize_t n = ::recv(l.fd, hw_.scratch(), cap, 0);
  if (n > 0) {
    last_active_ = hw_.worker().tick();
    if (static_cast<size_t>(n) < cap) l.readable = false;
    bump(l.runtime->bytes_in, static_cast<uint64_t>(n));
    feed(session_->onServerData({hw_.scratch(), static_cast<size_t>(n)}));
    return true;
  }
  if (n == 0) {
    l.readable = false;
    feed(session_->onServerEof());
    return true;
  }
  if (errno == EINTR) return true;
  l.readable = false;
  if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
  if (debugOn())
    spdlog::debug("vs {}: recv from server {}: {}", service_->snapshot().name,
                  formatEndpoint(l.ip, l.port), errnoText(errno));
  feed(session_->onServerReset());
  return true;
}

void HttpConnection::flushClient() {
  size_t written = 0;
  while (client_writable_ && out_client_off_ < out_client_.size()) {
    const ssize_t n = ::send(client_fd_, out_client_.data() + out_client_off_,
                             out_client_.size() - out_client_off_, MSG_NOSIGNAL);
    if (n > 0) {
      out_client_off_ += static_cast<size_t>(n);
      written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      client_writable_ = false;
      break;
    }
    bump(service_->runtime().errors);
    finishClose(true);
    return;
  }
  if (out_client_off_ >= out_client_.size()) {
    // Written: give the memory back (an idle keep-alive connection holds no buffer).
    std::string().swap(out_client_);
    out_client_off_ = 0;
  }
  if (written != 0 && session_) feed(session_->onClientWritten(written));
}

void HttpConnection::flushServer() {
  if (link_ == nullptr || link_->connecting) return;
  ServerLink& l = *link_;
  size_t written = 0;
  while (l.writable && out_server_off_ < out_server_.size()) {
    const ssize_t n = ::send(l.fd, out_server_.data() + out_server_off_,
                             out_server_.size() - out_server_off_, MSG_NOSIGNAL);
    if (n > 0) {
      out_server_off_ += static_cast<size_t>(n);
      written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      l.writable = false;
      break;
    }
    // The server reset the connection (EPIPE, ECONNRESET): the session decides (retry or 502).
    out_server_.clear();
    out_server_off_ = 0;
    feed(session_->onServerReset());
    return;
  }
  if (out_server_off_ >= out_server_.size()) {
    std::string().swap(out_server_);
    out_server_off_ = 0;
  }
  if (written != 0) {
    bump(l.runtime->bytes_out, written);
    feed(session_->onServerWritten(written));
  }
}

// ---- server connections ---------------------------------------------------------------------

void HttpConnection::openServer() {
  tried_.clear();
  // Consistent hashing picks per request (by URI or header the server may differ from the
  // previous request's): the key of this request, and whether a kept connection still fits.
  WorkerPool* pool = service_->pool();
  const bool hashed = pool != nullptr && pool->snapshot().algorithm == Algorithm::kConsistentHash;
  pick_key_ = hashed ? requestKey(pool->snapshot().hash_key, pool->snapshot().hash_header,
                                  session_->requestHead(), peer_)
                     : 0;
  if (kept_ != nullptr) {
    ServerLink* l = kept_;
    kept_ = nullptr;
    bool fits = true;
    if (hashed) {
      const auto index = pool->pick({}, pick_key_);
      fits = index && pool->server(*index).runtime.get() == l->runtime.get();
    }
    if (fits && l->runtime->isUp() && hw_.stillOpen(*l, session_->requestRetryable())) {
      attach(l);
      serverConnected(true);
      return;
    }
    hw_.closeLink(l);
  }
  connectNext();
}

void HttpConnection::connectNext() {
  WorkerPool* pool = service_->pool();
  const auto index = pool != nullptr ? pool->pick(tried_, pick_key_) : std::nullopt;
  if (!index) {
    if (tried_.empty()) {
      bump(service_->runtime().refused);
      feed(session_->onNoServer());
    } else {
      feed(session_->onServerConnectFailed(connectFailure(last_connect_error_)));
    }
    return;
  }
  tried_.push_back(*index);
  if (multiplexing()) {
    if (ServerLink* l = hw_.takeIdle(pool->server(*index).runtime.get(), session_->requestRetryable())) {
      attach(l);
      serverConnected(true);
      return;
    }
  }
  bool connected = false;
  auto link = connectServer(*index, connected);
  if (!link) {
    const ServerEntry& s = pool->server(*index);
    server_ = s.runtime;
    serverConnectFailed(link.error().code, link.error().message);
    return;
  }
  attach(*link);
  if (connected) {
    link_->connecting = false;
    link_->writable = true;
    serverConnected(false);
  }
}

Result<ServerLink*> HttpConnection::connectServer(uint32_t index, bool& connected) {
  const ServerEntry& server = service_->pool()->server(index);
  const int af = server.spec.ip.af();
  Worker& worker = hw_.worker();
  // A link for `sock` (bound to `source`, if any), registered and connect() started. The
  // error's code is connect()'s errno (EADDRNOTAVAIL: no source port left from `source`).
  auto start = [&](UniqueFd sock, const IpAddress* source) -> Result<ServerLink*> {
    auto* l = new ServerLink;
    l->owner = &hw_;
    l->fd = sock.release();
    l->runtime = server.runtime;
    l->ip = server.spec.ip;
    l->port = server.spec.port;
    if (source != nullptr) l->source = *source;
    l->connecting = true;
    bump(l->runtime->open_connections);
    if (auto st = worker.poller().add(l->fd, l); !st) {
      hw_.closeLink(l);
      return st.error();
    }
    if (::connect(l->fd, reinterpret_cast<const sockaddr*>(&server.address), server.address_len) ==
        0) {
      connected = true;
      return l;
    }
    const int err = errno;
    if (err == EINPROGRESS) return l;
    hw_.closeLink(l);
    return makeError("connect: " + errnoText(err), err);
  };
  if (service_->snapshot().preserve_client_ip) {
    // From the client's own address (IP_TRANSPARENT), as the L4 path does; multiplexing is
    // off for such a service (rule 5), so this link only ever carries this client's requests.
    const auto client = IpAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&peer_));
    if (!client || client->af() != af) {
      return makeError(
          "preserve_client_ip: the client and the server are of different address families",
          EAFNOSUPPORT);
    }
    auto sock = openTransparentServerSocket(*client);
    if (!sock) return sock.error();
    return start(std::move(*sock), nullptr);  // not a SNAT IP: no reload takes it away
  }
  // As the L4 path: each SNAT IP once when one has no source port left toward this server.
  const size_t snatIps = std::max<size_t>(1, service_->snatCount(af));
  for (size_t s = 0;; ++s) {
    const IpAddress* source = service_->nextSnat(af);
    const bool another = source != nullptr && s + 1 < snatIps;
    auto sock = openServerSocket(af, source);
    if (!sock) {
      if (sock.error().code == EADDRNOTAVAIL && another) {
        worker.shared().local_errors.note(EADDRNOTAVAIL, "bind to SNAT IP " + source->toString());
        continue;
      }
      return sock.error();
    }
    auto link = start(std::move(*sock), source);
    if (!link && link.error().code == EADDRNOTAVAIL && another) {
      worker.shared().local_errors.note(EADDRNOTAVAIL, "connect from SNAT IP " + source->toString());
      continue;
    }
    return link;
  }
}

void HttpConnection::attach(ServerLink* link) {
  link->conn = this;
  link_ = link;
  server_ = link->runtime;
  bump(link->runtime->active);
}

void HttpConnection::serverConnected(bool reused) {
  ServerRuntime& rt = *link_->runtime;
  if (reused) {
    bump(rt.http.local().server_connections_reused);
    bump(service_->runtime().http.local().server_connections_reused);
  } else {
    bump(rt.total);
    bump(rt.http.local().server_connections_opened);
    bump(service_->runtime().http.local().server_connections_opened);
  }
  bump(rt.http.local().requests);
  feed(session_->onServerConnected(reused));
}

void HttpConnection::serverConnectFailed(int err, const std::string& detail) {
  last_connect_error_ = err;
  if (localCause(err)) {
    hw_.worker().shared().local_errors.note(err, "vs " + service_->snapshot().name + " connect");
  } else if (server_) {
    bump(server_->connect_failures);
  }
  if (debugOn()) spdlog::debug("vs {}: {}", service_->snapshot().name, detail);
  dropServer(false);
  const uint32_t maxAttempts = hw_.worker().limits().connect_attempts;
  if (tried_.size() < maxAttempts) {
    connectNext();
    return;
  }
  feed(session_->onServerConnectFailed(connectFailure(err)));
}

void HttpConnection::dropServer(bool reset) {
  out_server_.clear();
  out_server_off_ = 0;
  if (link_ == nullptr) return;
  ServerLink* l = link_;
  link_ = nullptr;
  drop(l->runtime->active);
  hw_.closeLink(l, reset);
}

void HttpConnection::finishClose(bool reset) {
  if (closed_ || (lingering_ && !reset)) return;  // lingering ends in endLingering()
  if (!lingering_) {
    dropServer(reset);
    if (kept_ != nullptr) {
      hw_.closeLink(kept_);
      kept_ = nullptr;
    }
    if (!reset && client_fd_ >= 0 && startLingering()) return;
  }
  closed_ = true;
  if (client_fd_ >= 0) {
    if (reset) setResetOnClose(client_fd_);
    ::close(client_fd_);
    client_fd_ = -1;
  }
  timer_.cancel();
  syncCounters();
  maybeRetire();
}

bool HttpConnection::startLingering() {
  // Our FIN first. Request bytes that reach a closed socket make the kernel answer with an
  // RST, which can destroy the response on its way (or in the client's receive buffer) and
  // fails the client's sends: so while the client may still be sending, keep reading.
  ::shutdown(client_fd_, SHUT_WR);
  bool more = !client_eof_ && session_ && session_->clientMaySend();
  for (int i = 0; i < 4 && !client_eof_; ++i) {  // what has arrived already
    const ssize_t n = ::recv(client_fd_, hw_.scratch(), HttpWorker::kScratchBytes, MSG_DONTWAIT);
    if (n > 0) {
      more = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return false;  // EOF: nothing more comes; an error: nothing to protect
  }
  if (!more || client_eof_) return false;
  lingering_ = true;
  // Nothing of the request is needed any more: no session, no buffers, no timers but ours.
  syncCounters();
  session_.reset();
  reported_ = {};
  std::vector<uint32_t>().swap(tried_);
  http::Session::Effects().swap(backlog_);
  std::string().swap(out_client_);
  out_client_off_ = 0;
  deadlines_.fill(Clock::time_point::max());
  const auto now = Clock::now();
  const WorkerLimits& limits = hw_.worker().limits();
  lingering_end_ = now + limits.lingering_time;
  lingering_idle_ = now + limits.lingering_timeout;
  linger_deadline_ = std::min(lingering_end_, lingering_idle_);
  if (debugOn()) spdlog::debug("vs {}: lingering close", service_->snapshot().name);
  rescheduleTimer();
  return true;
}

void HttpConnection::lingerRead() {
  // Edge-triggered: read until the socket is empty, a bounded number of reads per turn.
  for (int round = 0; round < kDriveRounds; ++round) {
    const ssize_t n = ::recv(client_fd_, hw_.scratch(), HttpWorker::kScratchBytes, MSG_DONTWAIT);
    if (n > 0) {
      lingering_idle_ = Clock::now() + hw_.worker().limits().lingering_timeout;
      linger_deadline_ = std::min(lingering_end_, lingering_idle_);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    endLingering();  // EOF (done), or an error (the client reset: nothing to protect)
    return;
  }
  if (linger_posted_) return;
  linger_posted_ = true;  // more to read: let the worker's other connections run first
  asio::post(hw_.worker().io(), [self = Ref(this)] {
    self->linger_posted_ = false;
    if (!self->closed_) self->lingerRead();
  });
}

void HttpConnection::endLingering() {
  if (closed_) return;
  closed_ = true;
  ::close(client_fd_);  // bytes still unread (a client cut at lingering_time) make it an RST
  client_fd_ = -1;
  timer_.cancel();
  maybeRetire();
}

// ---- timers and counters --------------------------------------------------------------------

void HttpConnection::rescheduleTimer() {
  Clock::time_point next = linger_deadline_;
  for (const auto& d : deadlines_) next = std::min(next, d);
  if (next == Clock::time_point::max()) return;  // a late wake-up finds nothing due: harmless
  // Only move the timer earlier: a later deadline (the response timer re-armed on each read)
  // is picked up when the earlier wake-up finds nothing due.
  if (scheduled_ != Clock::time_point::max() && scheduled_ <= next) return;
  scheduled_ = next;
  timer_.expires_at(next);
  timer_.async_wait([self = Ref(this)](const asio::error_code& ec) { self->onTimer(ec); });
}

void HttpConnection::onTimer(const asio::error_code& ec) {
  if (ec == asio::error::operation_aborted || closed_) return;
  scheduled_ = Clock::time_point::max();
  const auto now = Clock::now();
  if (lingering_) {
    if (linger_deadline_ <= now) {
      endLingering();
    } else {
      rescheduleTimer();
    }
    return;
  }
  if (linger_deadline_ <= now) {
    finishClose(true);
    return;
  }
  for (size_t i = 0; i < kTimers && !closed_; ++i) {
    if (deadlines_[i] > now) continue;
    deadlines_[i] = Clock::time_point::max();
    if (!session_) {
      // Released while waiting for the next request: only the keep-alive deadline is set.
      bump(service_->runtime().http.local().client_timeouts);
      finishClose(false);
      return;
    }
    feed(session_->onTimer(static_cast<http::Timer>(i)));
  }
  if (!closed_) rescheduleTimer();
}

void HttpConnection::syncCounters() {
  if (!session_) return;
  const http::SessionCounters& c = session_->counters();
  HttpCounterSet& vs = service_->runtime().http.local();
  // Latency from the batch that read the request head to the batch that read the response's
  // first bytes (both stamped when epoll returned them).
  const auto now = hw_.worker().poller().now();
  if (c.requests != reported_.requests) {
    request_start_ = now;
    awaiting_first_byte_ = true;
  }
  add(vs.requests, c.requests, reported_.requests);
  uint64_t relayed = 0;
  const uint64_t local = c.local_responses - reported_.local_responses;
  for (size_t i = 0; i < c.responses.size(); ++i) {
    if (c.responses[i] == reported_.responses[i]) continue;
    const uint64_t d = c.responses[i] - reported_.responses[i];
    bump(vs.responses[i], d);
    // Server answers also count for the server (a local error only for the service; when both
    // happen in one step, which is only a relayed response cut short, the server is skipped).
    if (local == 0 && server_) bump(server_->http.local().responses[i], d);
    relayed += d;
  }
  add(vs.local_responses, c.local_responses, reported_.local_responses);
  if (relayed != 0 && awaiting_first_byte_) {
    awaiting_first_byte_ = false;
    const auto us = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(now - request_start_).count());
    vs.observeLatency(us);
    if (relayed > local && server_) {
      server_->http.local().observeLatency(us);
      server_->observeResponse(us);
    }
  }
  add(vs.parse_errors, c.parse_errors, reported_.parse_errors);
  add(vs.bytes_from_client, c.bytes_from_client, reported_.bytes_from_client);
  add(vs.bytes_to_client, c.bytes_to_client, reported_.bytes_to_client);
  add(vs.retries, c.retries, reported_.retries);
  add(vs.client_timeouts, c.client_timeouts, reported_.client_timeouts);
  add(vs.server_timeouts, c.server_timeouts, reported_.server_timeouts);
  reported_ = c;
}

}  // namespace floe::proxy
