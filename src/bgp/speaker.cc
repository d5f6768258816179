#include "bgp/speaker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>

#include "common/log.h"

namespace floe::bgp {

// One TCP connection and the FSM that runs it.
struct Speaker::Conn {
  explicit Conn(asio::io_context& io, FsmConfig config)
      : fsm(std::move(config)), socket(io), timer(io) {}
  Fsm fsm;
  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  bool outgoing = false;
  bool connecting = false;
  bool waitingWrite = false;
  uint64_t generation = 0;  // bumped when the socket is replaced: stale callbacks see it
  std::vector<uint8_t> pending;
  std::array<uint8_t, 16384> buffer{};
};

struct Speaker::Peer {
  PeerSettings settings;
  std::shared_ptr<Conn> main;      // started by ManualStart; connects out and retries
  std::shared_ptr<Conn> incoming;  // the peer's connection while a collision is unresolved
  AdjRibOut rib;
  std::set<Prefix> desired;
  std::optional<AdvertisePolicy> policy;
  std::set<Prefix> received;
  std::vector<nlohmann::json> rfc7606;  // the last few handled errors
  std::string lastError;
  std::string lastNotification;
  uint64_t messagesIn = 0;
  uint64_t messagesOut = 0;
  uint64_t updatesIn = 0;
  uint64_t updatesOut = 0;
  uint64_t establishedTransitions = 0;
  uint64_t collisions = 0;  // RFC 4271 §6.8 resolutions
  std::optional<WallTime> establishedAt;
  std::optional<SteadyTime> establishedSteady;
  // TCP MD5 counters when the peer was configured: a rise while the session is not
  // Established is reported in last_error (the kernel drops such segments silently).
  uint64_t md5FailureBase = 0;
  uint64_t md5NotFoundBase = 0;
  uint64_t md5UnexpectedBase = 0;
};

struct Speaker::Listener {
  explicit Listener(asio::io_context& io) : acceptor(io) {}
  asio::ip::tcp::acceptor acceptor;
  IpAddress local;
};

namespace {

asio::ip::address toAsio(const IpAddress& ip) { return asio::ip::make_address(ip.toString()); }

FsmConfig fsmConfig(const PeerSettings& s, bool passive) {
  FsmConfig c;
  c.localAs = s.localAs;
  c.peerAs = s.remoteAs;
  c.bgpIdentifier = s.bgpIdentifier;
  c.holdTime = s.holdTime;
  c.keepaliveInterval = s.keepaliveInterval;
  c.connectRetryTime = s.connectRetryTime;
  c.passive = passive;
  c.families = {{kAfiIpv4, kSafiUnicast}, {kAfiIpv6, kSafiUnicast}};
  return c;
}

// RFC 2385 TCP MD5 signature key for `peer` on socket `fd` (a listener keys each peer).
Status setMd5(int fd, const IpAddress& peer, const std::string& secret) {
  tcp_md5sig sig{};
  sockaddr_storage addr{};
  peer.toSockaddr(0, addr);
  std::memcpy(&sig.tcpm_addr, &addr, sizeof addr);
  sig.tcpm_keylen = static_cast<uint16_t>(secret.size());
  std::memcpy(sig.tcpm_key, secret.data(), std::min(secret.size(), sizeof sig.tcpm_key));
  if (::setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) != 0) {
    return makeError(std::string("TCP_MD5SIG: ") + std::strerror(errno), errno);
  }
  return {};
}

// The bytes of `bytes` that are whole BGP messages: counts them (for messages_in).
size_t countMessages(std::vector<uint8_t>& carry, const uint8_t* data, size_t n) {
  carry.insert(carry.end(), data, data + n);
  size_t count = 0;
  size_t at = 0;
  while (carry.size() - at >= kHeaderSize) {
    const size_t len = (size_t{carry[at + 16]} << 8) | carry[at + 17];
    if (len < kHeaderSize || carry.size() - at < len) break;
    at += len;
    ++count;
  }
  carry.erase(carry.begin(), carry.begin() + static_cast<std::ptrdiff_t>(at));
  if (carry.size() > kMaxMessageSize) carry.clear();  // framing error: the FSM resets
  return count;
}

// The kernel's TCP MD5 counters of this network namespace (/proc/net/netstat, TcpExt):
// segments dropped because the signature did not verify (TCPMD5Failure), had none though a key
// is set (TCPMD5NotFound), or had one though none is set (TCPMD5Unexpected).
struct Md5Counters {
  uint64_t failure = 0;
  uint64_t notFound = 0;
  uint64_t unexpected = 0;
};

constexpr size_t kStatusPrefixes = 100;  // prefixes listed per peer in status

Md5Counters readMd5Counters() {
  Md5Counters out;
  std::FILE* f = std::fopen("/proc/net/netstat", "re");
  if (f == nullptr) return out;
  std::string names;
  std::string values;
  std::array<char, 8192> line{};
  while (std::fgets(line.data(), static_cast<int>(line.size()), f) != nullptr) {
    const std::string text(line.data());
    if (text.rfind("TcpExt:", 0) != 0) continue;
    if (names.empty()) {
      names = text;
    } else {
      values = text;
      break;
    }
  }
  std::fclose(f);
  size_t a = 0;
  size_t b = 0;
  auto next = [](const std::string& s, size_t& at) {
    while (at < s.size() && (s[at] == ' ' || s[at] == '\n')) ++at;
    const size_t start = at;
    while (at < s.size() && s[at] != ' ' && s[at] != '\n') ++at;
    return s.substr(start, at - start);
  };
  for (;;) {
    const std::string name = next(names, a);
    const std::string value = next(values, b);
    if (name.empty() || value.empty()) break;
    const uint64_t v = std::strtoull(value.c_str(), nullptr, 10);
    if (name == "TCPMD5Failure") out.failure = v;
    if (name == "TCPMD5NotFound") out.notFound = v;
    if (name == "TCPMD5Unexpected") out.unexpected = v;
  }
  return out;
}

}  // namespace

Speaker::Speaker(asio::io_context& io, const Clock& clock) : io_(io), clock_(clock) {}

Speaker::~Speaker() = default;

Speaker::Peer* Speaker::find(const IpAddress& peer) {
  auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : it->second.get();
}

std::vector<std::string> Speaker::configure(const std::vector<PeerSettings>& peers) {
  auto done = std::make_shared<std::promise<std::vector<std::string>>>();
  auto result = done->get_future();
  asio::post(io_, [this, peers, done] {
    std::vector<std::string> errors;
    configureHere(peers, errors);
    done->set_value(std::move(errors));
  });
  if (result.wait_for(std::chrono::seconds(1)) != std::future_status::ready) {
    return {"bgp: the BGP thread did not answer within 1 s"};
  }
  return result.get();
}

Status Speaker::prepareSocket(int fd, const PeerSettings& s) {
  if (!s.md5Secret.empty()) {
    if (auto st = setMd5(fd, s.peer, s.md5Secret); !st) return st;
  }
  // Single-hop eBGP: TTL 1 (a multihop session gets ebgp_multihop); iBGP: system default.
  const bool external = s.localAs != s.remoteAs;
  if (external) {
    const int ttl = s.ebgpMultihop == 0 ? 1 : s.ebgpMultihop;
    if (s.peer.isV4()) {
      ::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    } else {
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
    }
  }
  const int tos = 0xC0;  // CS6, network control
  if (s.peer.isV4()) {
    ::setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  } else {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return {};
}

Status Speaker::listen(const PeerSettings& s) {
  auto it = listeners_.find(s.local);
  if (it == listeners_.end()) {
    auto l = std::make_unique<Listener>(io_);
    l->local = s.local;
    std::error_code ec;
    const asio::ip::tcp::endpoint at(toAsio(s.local), s.port);
    l->acceptor.open(at.protocol(), ec);
    if (!ec) l->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      // The address may not be on the interface yet (a standby, a slow link): bind anyway.
      const int one = 1;
      ::setsockopt(l->acceptor.native_handle(), s.local.isV4() ? IPPROTO_IP : IPPROTO_IPV6,
                   s.local.isV4() ? IP_FREEBIND : IPV6_FREEBIND, &one, sizeof one);
      l->acceptor.bind(at, ec);
    }
    if (!ec) l->acceptor.listen(16, ec);
    if (ec) {
      return makeError("bgp " + s.peer.toString() + ": cannot listen on " + s.local.toString() +
                       ":" + std::to_string(s.port) + ": " + ec.message());
    }
    auto& ref = *l;
    it = listeners_.emplace(s.local, std::move(l)).first;
    accept(ref);
  }
  if (!s.md5Secret.empty()) {
    if (auto st = setMd5(it->second->acceptor.native_handle(), s.peer, s.md5Secret); !st) {
      return makeError("bgp " + s.peer.toString() + ": " + st.error().message);
    }
  }
  return {};
}

void Speaker::accept(Listener& l) {
  const IpAddress local = l.local;
  l.acceptor.async_accept([this, &l, local](std::error_code ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      std::error_code ignored;
      const auto remote = socket.remote_endpoint(ignored);
      auto from = IpAddress::parse(remote.address().to_string());
      if (from) incoming(std::move(socket), local, *from);
    }
    if (l.acceptor.is_open()) accept(l);
  });
}

std::shared_ptr<Speaker::Conn> Speaker::newConn(Peer& p, bool passive) {
  return std::make_shared<Conn>(io_, fsmConfig(p.settings, passive));
}

void Speaker::incoming(asio::ip::tcp::socket socket, const IpAddress& local,
                       const IpAddress& from) {
  Peer* p = find(from);
  std::error_code ec;
  if (p == nullptr || p->settings.local != local) {
    spdlog::info("bgp: connection from {} to {} refused: not a configured peer", from.toString(),
                 local.toString());
    socket.close(ec);
    return;
  }
  (void)prepareSocket(socket.native_handle(), p->settings);
  socket.non_blocking(true, ec);
  const auto now = clock_.now();
  const State s = p->main->fsm.state();
  if (s == State::kActive && !p->main->connecting) {
    // No connection of ours is up or under way: this one is the session's.
    auto& c = p->main;
    std::error_code ignored;
    c->socket.close(ignored);
    ++c->generation;
    c->pending.clear();
    c->socket = std::move(socket);
    c->outgoing = false;
    read(*p, c);
    apply(*p, c, c->fsm.onTcpConnected(now, false));
    return;
  }
  if ((s == State::kConnect || s == State::kActive || s == State::kOpenSent ||
       s == State::kOpenConfirm) &&
      !p->incoming) {
    // RFC 4271 §6.8: both connections run until the peer's BGP Identifier decides (ours may
    // still be connecting: dropping it here would let both sides drop each other's).
    auto c = newConn(*p, true);
    c->socket = std::move(socket);
    p->incoming = c;
    apply(*p, c, c->fsm.start(now));
    read(*p, c);
    apply(*p, c, c->fsm.onTcpConnected(now, false));
    return;
  }
  spdlog::info("bgp {}: incoming connection refused in state {}", from.toString(), stateName(s));
  socket.close(ec);
}

void Speaker::connect(Peer& p, const std::shared_ptr<Conn>& c) {
  std::error_code ec;
  c->socket.close(ec);
  ++c->generation;
  c->pending.clear();
  c->waitingWrite = false;
  const auto& s = p.settings;
  c->socket.open(s.peer.isV4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), ec);
  if (!ec) {
    const int one = 1;
    ::setsockopt(c->socket.native_handle(), s.local.isV4() ? IPPROTO_IP : IPPROTO_IPV6,
                 s.local.isV4() ? IP_FREEBIND : IPV6_FREEBIND, &one, sizeof one);
    c->socket.bind({toAsio(s.local), 0}, ec);
  }
  if (!ec) {
    if (auto st = prepareSocket(c->socket.native_handle(), s); !st) {
      p.lastError = st.error().message;
      ec = std::error_code(st.error().code, std::system_category());
    }
  }
  const IpAddress peer = s.peer;
  const uint64_t gen = c->generation;
  if (ec) {
    p.lastError =
        "connect to " + peer.toString() + ":" + std::to_string(s.port) + ": " + ec.message();
    asio::post(io_, [this, peer, c, gen] {
      Peer* p = find(peer);
      if (p == nullptr || c->generation != gen) return;
      apply(*p, c, c->fsm.onTcpFailed(clock_.now()));
    });
    return;
  }
  c->connecting = true;
  c->outgoing = true;
  const uint16_t port = s.port;
  c->socket.async_connect({toAsio(peer), port}, [this, peer, port, c, gen](std::error_code ec) {
    if (ec == asio::error::operation_aborted || c->generation != gen) return;
    Peer* p = find(peer);
    if (p == nullptr) return;
    c->connecting = false;
    if (ec) {
      p->lastError =
          "connect to " + peer.toString() + ":" + std::to_string(port) + ": " + ec.message();
      apply(*p, c, c->fsm.onTcpFailed(clock_.now()));
      return;
    }
    std::error_code ignored;
    c->socket.non_blocking(true, ignored);
    read(*p, c);
    apply(*p, c, c->fsm.onTcpConnected(clock_.now(), true));
  });
}

void Speaker::read(Peer& p, const std::shared_ptr<Conn>& c) {
  const IpAddress peer = p.settings.peer;
  const uint64_t gen = c->generation;
  auto carry = std::make_shared<std::vector<uint8_t>>();
  struct Reader {
    Speaker* self;
    IpAddress peer;
    std::shared_ptr<Conn> c;
    uint64_t gen;
    std::shared_ptr<std::vector<uint8_t>> carry;
    void operator()(std::error_code ec, size_t n) const {
      if (ec == asio::error::operation_aborted || c->generation != gen) return;
      Peer* p = self->find(peer);
      if (p == nullptr || (c != p->main && c != p->incoming)) return;
      const auto now = self->clock_.now();
      if (ec || n == 0) {
        p->lastError = ec && ec != asio::error::eof ? "connection lost: " + ec.message()
                                                    : std::string("the peer closed the connection");
        self->apply(*p, c, c->fsm.onTcpFailed(now));
        return;
      }
      p->messagesIn += countMessages(*carry, c->buffer.data(), n);
      self->apply(*p, c, c->fsm.onBytes(std::span<const uint8_t>(c->buffer.data(), n), now));
      if (c->generation == gen && c->socket.is_open()) {
        c->socket.async_read_some(asio::buffer(c->buffer), *this);
      }
    }
  };
  c->socket.async_read_some(asio::buffer(c->buffer), Reader{this, peer, c, gen, carry});
}

void Speaker::write(const std::shared_ptr<Conn>& c, const std::vector<uint8_t>& bytes) {
  c->pending.insert(c->pending.end(), bytes.begin(), bytes.end());
  flush(c);
}

void Speaker::flush(const std::shared_ptr<Conn>& c) {
  while (!c->pending.empty() && c->socket.is_open()) {
    const ssize_t n = ::send(c->socket.native_handle(), c->pending.data(), c->pending.size(),
                             MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      c->pending.erase(c->pending.begin(), c->pending.begin() + n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !c->waitingWrite) {
      c->waitingWrite = true;
      const uint64_t gen = c->generation;
      c->socket.async_wait(asio::ip::tcp::socket::wait_write, [this, c, gen](std::error_code ec) {
        c->waitingWrite = false;
        if (ec || c->generation != gen) return;
        flush(c);
      });
    }
    return;  // an error: the read side reports the failure
  }
}

void Speaker::close(const std::shared_ptr<Conn>& c) {
  flush(c);  // a NOTIFICATION goes out before the close (RFC 4271 §6)
  std::error_code ec;
  if (c->socket.is_open()) c->socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  c->socket.close(ec);
  ++c->generation;
  c->pending.clear();
  c->connecting = false;
}

void Speaker::arm(Peer& p, const std::shared_ptr<Conn>& c, std::optional<SteadyTime> at) {
  if (!at) {
    c->timer.cancel();
    return;
  }
  c->timer.expires_at(*at);
  const IpAddress peer = p.settings.peer;
  c->timer.async_wait([this, peer, c](std::error_code ec) {
    if (ec) return;
    Peer* p = find(peer);
    if (p == nullptr || (c != p->main && c != p->incoming)) return;
    apply(*p, c, c->fsm.onTimer(clock_.now()));
  });
}

void Speaker::apply(Peer& p, const std::shared_ptr<Conn>& c, Effects fx) {
  for (const auto& bytes : fx.send) {
    write(c, bytes);
    ++p.messagesOut;
    if (bytes.size() > 18 && bytes[18] == static_cast<uint8_t>(MessageType::kUpdate)) {
      ++p.updatesOut;
    }
  }
  if (fx.notificationSent) {
    p.lastNotification = "sent " + std::string(errorCodeName(fx.notificationSent->code)) + "/" +
                         std::to_string(fx.notificationSent->subcode);
  }
  if (fx.notificationReceived) {
    p.lastNotification = "received " + std::string(errorCodeName(fx.notificationReceived->code)) +
                         "/" + std::to_string(fx.notificationReceived->subcode);
  }
  if (fx.disconnect) close(c);
  if (fx.connect) connect(p, c);
  for (const auto& u : fx.received) {
    ++p.updatesIn;
    for (const auto& w : u.withdrawn) p.received.erase(w);
    if (u.attributes.mpUnreach) {
      for (const auto& w : u.attributes.mpUnreach->withdrawn) p.received.erase(w);
    }
    const bool withdraw = u.action() == ErrorAction::kTreatAsWithdraw;
    std::vector<Prefix> reach = u.nlri;
    if (u.attributes.mpReach) {
      reach.insert(reach.end(), u.attributes.mpReach->nlri.begin(),
                   u.attributes.mpReach->nlri.end());
    }
    for (const auto& r : reach) {
      if (withdraw) {
        p.received.erase(r);
      } else {
        p.received.insert(r);
      }
    }
    for (const auto& e : u.errors) {
      logEventLimited(stateLog_, spdlog::level::warn, "bgp_update_error",
                      {{"peer_ip", p.settings.peer.toString()},
                       {"action", std::string(errorActionName(e.action))},
                       {"reason", e.reason}},
                      fmt::format("bgp {}: malformed UPDATE handled per RFC 7606 ({}): {}",
                                  p.settings.peer.toString(), errorActionName(e.action),
                                  e.reason));
      p.rfc7606.push_back({{"action", errorActionName(e.action)},
                           {"attribute_type", e.type},
                           {"subcode", e.subcode},
                           {"reason", e.reason},
                           {"at", formatUtc(clock_.wallNow())}});
      if (p.rfc7606.size() > 8) p.rfc7606.erase(p.rfc7606.begin());
    }
  }
  bool established = false;
  bool left = false;
  for (const auto& ch : fx.changes) {
    // Leaving Established is what an operator must see; the rest of the cycle is info.
    const bool down = ch.from == State::kEstablished;
    logEventLimited(stateLog_, down ? spdlog::level::warn : spdlog::level::info,
                    ch.to == State::kEstablished ? "bgp_session_up"
                    : down                       ? "bgp_session_down"
                                                 : "bgp_state",
                    {{"peer_ip", p.settings.peer.toString()},
                     {"from", std::string(stateName(ch.from))},
                     {"to", std::string(stateName(ch.to))},
                     {"cause", std::string(eventName(ch.event))}},
                    fmt::format("bgp {}: {} -> {} ({})", p.settings.peer.toString(),
                                stateName(ch.from), stateName(ch.to), eventName(ch.event)));
    if (ch.to == State::kEstablished) established = true;
    if (ch.from == State::kEstablished) left = true;
  }
  if (c == p.main && !c->fsm.lastError().empty()) p.lastError = c->fsm.lastError();
  arm(p, c, fx.wakeAt);

  if (c == p.incoming && c->fsm.state() == State::kIdle) {
    p.incoming.reset();  // the extra connection failed or lost the collision
  }
  if (c == p.main && p.incoming && c->fsm.state() == State::kIdle) {
    p.main = std::move(p.incoming);  // ours failed while the peer's runs: that one goes on
  }
  if (left) {
    p.rib.reset();
    p.received.clear();
    p.establishedAt.reset();
    p.establishedSteady.reset();
  }
  if (established) {
    ++p.establishedTransitions;
    p.establishedAt = clock_.wallNow();
    p.establishedSteady = clock_.now();
    p.lastError.clear();
    if (p.incoming && p.incoming != c) {
      auto loser = p.incoming;
      apply(p, loser, loser->fsm.collisionDump(clock_.now()));
    } else if (c == p.incoming) {
      auto loser = p.main;
      p.main = p.incoming;
      p.incoming.reset();
      apply(p, loser, loser->fsm.collisionDump(clock_.now()));
    }
    p.rib.reset();
    syncRoutes(p);
  }
  if (fx.routeRefreshRequested && p.main && p.main->fsm.state() == State::kEstablished) {
    if (auto all = p.rib.full(); all) apply(p, p.main, p.main->fsm.sendUpdates(*all, clock_.now()));
  }
  resolveCollision(p);
}

void Speaker::resolveCollision(Peer& p) {
  if (!p.main || !p.incoming) return;
  // RFC 4271 §6.8: once an OPEN from the peer is in on either connection its BGP Identifier is
  // known; the connection opened by the higher identifier stays.
  const auto& open =
      p.incoming->fsm.peerOpen() ? p.incoming->fsm.peerOpen() : p.main->fsm.peerOpen();
  if (!open) return;
  const State a = p.main->fsm.state();
  const State b = p.incoming->fsm.state();
  auto opening = [](State x) { return x == State::kOpenSent || x == State::kOpenConfirm; };
  if (!opening(a) || !opening(b)) return;  // one connection only: no collision yet
  if (a != State::kOpenConfirm && b != State::kOpenConfirm) return;
  const bool keepOurs = keepLocallyInitiated(p.settings.bgpIdentifier, open->bgpIdentifier,
                                             p.settings.localAs, p.settings.remoteAs);
  const bool mainIsOurs = p.main->outgoing;
  auto loser = keepOurs == mainIsOurs ? p.incoming : p.main;
  if (loser == p.main) {
    p.main = p.incoming;
  }
  p.incoming.reset();
  ++p.collisions;
  spdlog::info("bgp {}: connection collision resolved, keeping the {} connection",
               p.settings.peer.toString(), keepOurs ? "outgoing" : "incoming");
  const auto fx = loser->fsm.collisionDump(clock_.now());
  for (const auto& bytes : fx.send) write(loser, bytes);
  close(loser);
  loser->timer.cancel();
}

void Speaker::syncRoutes(Peer& p) {
  if (!p.main || p.main->fsm.state() != State::kEstablished || !p.policy) return;
  AdvertisePolicy policy = *p.policy;
  policy.fourOctetAs = p.main->fsm.fourOctetAs();
  auto updates = p.rib.sync(p.desired, policy);
  if (!updates) {
    p.lastError = updates.error().message;
    spdlog::warn("bgp {}: {}", p.settings.peer.toString(), updates.error().message);
    return;
  }
  if (!updates->empty()) {
    apply(p, p.main, p.main->fsm.sendUpdates(*updates, clock_.now()));
  }
}

void Speaker::configureHere(const std::vector<PeerSettings>& peers,
                            std::vector<std::string>& errors) {
  const auto now = clock_.now();
  for (auto it = peers_.begin(); it != peers_.end();) {
    Peer& p = *it->second;
    const bool keep = std::any_of(peers.begin(), peers.end(),
                                  [&](const PeerSettings& s) { return s == p.settings; });
    if (keep) {
      ++it;
      continue;
    }
    for (auto c : {p.main, p.incoming}) {
      if (!c) continue;
      auto fx = c->fsm.automaticStop(now, cease_subcode::kPeerDeconfigured);
      for (const auto& bytes : fx.send) write(c, bytes);
      close(c);
      c->timer.cancel();
    }
    spdlog::info("bgp {}: peer removed", p.settings.peer.toString());
    it = peers_.erase(it);
  }
  for (const auto& s : peers) {
    if (peers_.count(s.peer) != 0) continue;
    auto p = std::make_unique<Peer>();
    p->settings = s;
    if (auto st = listen(s); !st) errors.push_back(st.error().message);
    p->main = newConn(*p, false);
    const auto md5 = readMd5Counters();
    p->md5FailureBase = md5.failure;
    p->md5NotFoundBase = md5.notFound;
    p->md5UnexpectedBase = md5.unexpected;
    Peer& ref = *p;
    peers_[s.peer] = std::move(p);
    spdlog::info("bgp {}: peer AS {} from {} ({})", s.peer.toString(), s.remoteAs,
                 s.local.toString(), s.localAs == s.remoteAs ? "iBGP" : "eBGP");
    apply(ref, ref.main, ref.main->fsm.start(now));
  }
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    const bool used = std::any_of(peers_.begin(), peers_.end(), [&](const auto& kv) {
      return kv.second->settings.local == it->first;
    });
    if (used) {
      ++it;
    } else {
      std::error_code ec;
      it->second->acceptor.close(ec);
      it = listeners_.erase(it);
    }
  }
}

void Speaker::setRoutes(const IpAddress& peer, std::set<Prefix> prefixes, AdvertisePolicy policy) {
  asio::post(io_, [this, peer, prefixes = std::move(prefixes), policy] {
    Peer* p = find(peer);
    if (p == nullptr) return;
    if (p->desired == prefixes && p->policy == policy) return;
    p->desired = prefixes;
    p->policy = policy;
    syncRoutes(*p);
  });
}

void Speaker::bfdDown(const IpAddress& peer, std::string why) {
  asio::post(io_, [this, peer, why] {
    Peer* p = find(peer);
    if (p == nullptr) return;
    for (auto c : {p->main, p->incoming}) {
      if (!c) continue;
      const State s = c->fsm.state();
      if (s == State::kOpenSent || s == State::kOpenConfirm || s == State::kEstablished) {
        spdlog::info("bgp {}: BFD went down ({}): session down", peer.toString(), why);
        apply(*p, c, c->fsm.automaticStop(clock_.now(), kCeaseBfdDown));
        p->lastError = "BFD Down: " + why;
      }
    }
  });
}

void Speaker::shutdown() {
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  asio::post(io_, [this, done] {
    const auto now = clock_.now();
    for (auto& [ip, p] : peers_) {
      for (auto c : {p->main, p->incoming}) {
        if (!c) continue;
        auto fx = c->fsm.stop(now);  // Cease/Administrative Shutdown (RFC 4486)
        for (const auto& bytes : fx.send) write(c, bytes);
        close(c);
        c->timer.cancel();
      }
    }
    peers_.clear();
    for (auto& [ip, l] : listeners_) {
      std::error_code ec;
      l->acceptor.close(ec);
    }
    listeners_.clear();
    done->set_value();
  });
  (void)finished.wait_for(std::chrono::seconds(1));
}

nlohmann::json Speaker::snapshot() const {
  nlohmann::json out = nlohmann::json::array();
  const auto now = clock_.now();
  const auto md5 = readMd5Counters();
  for (const auto& [ip, p] : peers_) {
    const Fsm& f = p->main->fsm;
    std::string lastError = p->lastError;
    if (f.state() != State::kEstablished) {
      // The kernel drops a segment whose TCP MD5 signature does not verify without a word to
      // either side: the connection just never comes up. Say so when its counters rose.
      std::string md5Problem;
      if (!p->settings.md5Secret.empty() && md5.failure > p->md5FailureBase) {
        md5Problem =
            "TCP MD5 signatures (RFC 2385) do not verify: md5_secret differs from the "
            "peer's password (kernel counter TCPMD5Failure rose by " +
            std::to_string(md5.failure - p->md5FailureBase) + ")";
      } else if (!p->settings.md5Secret.empty() && md5.notFound > p->md5NotFoundBase) {
        md5Problem =
            "the peer sends no TCP MD5 signature (RFC 2385) but md5_secret is set "
            "(kernel counter TCPMD5NotFound rose)";
      } else if (p->settings.md5Secret.empty() && md5.unexpected > p->md5UnexpectedBase) {
        md5Problem =
            "the peer signs its segments with TCP MD5 (RFC 2385) but no md5_secret is "
            "set (kernel counter TCPMD5Unexpected rose)";
      }
      if (!md5Problem.empty()) {
        lastError = lastError.empty() ? md5Problem : md5Problem + "; " + lastError;
      }
    }
    nlohmann::json received = nlohmann::json::array();
    // The lists stop at kStatusPrefixes (a router may send a full table); the counts do not.
    for (const auto& r : p->received) {
      if (received.size() == kStatusPrefixes) break;
      received.push_back(r.toString());
    }
    nlohmann::json advertised = nlohmann::json::array();
    for (const auto& r : p->rib.advertised()) {
      if (advertised.size() == kStatusPrefixes) break;
      advertised.push_back(r.toString());
    }
    out.push_back(
        {{"peer_ip", ip.toString()},
         {"local_ip", p->settings.local.toString()},
         {"local_as", p->settings.localAs},
         {"remote_as", p->settings.remoteAs},
         {"type", p->settings.localAs == p->settings.remoteAs ? "iBGP" : "eBGP"},
         {"state", stateName(f.state())},
         {"uptime_s", p->establishedSteady ? std::chrono::duration_cast<std::chrono::seconds>(
                                                 now - *p->establishedSteady)
                                                 .count()
                                           : 0},
         {"established_at", p->establishedAt ? formatUtc(*p->establishedAt) : std::string()},
         {"established_transitions", p->establishedTransitions},
         {"collisions", p->collisions},
         {"last_error", lastError},
         {"last_notification", p->lastNotification},
         {"hold_time", f.negotiatedHoldTime()},
         {"keepalive", f.negotiatedKeepalive()},
         {"four_octet_as", f.fourOctetAs()},
         {"md5", !p->settings.md5Secret.empty()},
         {"messages_in", p->messagesIn},
         {"messages_out", p->messagesOut},
         {"updates_in", p->updatesIn},
         {"updates_out", p->updatesOut},
         {"routes_advertised", p->rib.advertised().size()},
         {"routes_received", p->received.size()},
         {"advertised", advertised},
         {"received", received},
         {"rfc7606", p->rfc7606}});
  }
  return out;
}

nlohmann::json Speaker::status() {
  auto done = std::make_shared<std::promise<nlohmann::json>>();
  auto result = done->get_future();
  asio::post(io_, [this, done] { done->set_value(snapshot()); });
  if (result.wait_for(std::chrono::milliseconds(200)) == std::future_status::ready) {
    std::lock_guard lock(statusMutex_);
    status_ = result.get();
  }
  std::lock_guard lock(statusMutex_);
  return status_;
}

}  // namespace floe::bgp
