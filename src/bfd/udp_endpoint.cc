#include "bfd/udp_endpoint.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <future>

#include "common/log.h"

namespace floe::bfd {

struct UdpEndpoint::Receiver {
  explicit Receiver(asio::io_context& io) : socket(io) {}
  asio::ip::udp::socket socket;
  IpAddress local;
  std::string device;
};

struct UdpEndpoint::Peer {
  Peer(asio::io_context& io, PeerSpec s, uint32_t discriminator, JitterSource jitter)
      : spec(std::move(s)),
        session(discriminator, spec.profile, std::move(jitter)),
        socket(io),
        timer(io) {}
  PeerSpec spec;
  Session session;
  asio::ip::udp::socket socket;  // the send socket (source port 49152-65535)
  asio::steady_timer timer;
  std::optional<SteadyTime> txAt;
  std::optional<SteadyTime> detectAt;
  uint64_t packetsIn = 0;
  uint64_t packetsOut = 0;
  uint64_t droppedTtl = 0;
  uint64_t upTransitions = 0;
  std::string lastChange;
};

namespace {

asio::ip::address toAsio(const IpAddress& ip) { return asio::ip::make_address(ip.toString()); }

// Single-hop sockets: bound to their interface, TTL / hop limit 255 on what they send.
std::error_code prepare(asio::ip::udp::socket& s, const PeerSpec& spec) {
  std::error_code ec;
  s.open(spec.local.isV4() ? asio::ip::udp::v4() : asio::ip::udp::v6(), ec);
  if (ec) return ec;
  const int fd = s.native_handle();
  if (!spec.device.empty() && ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, spec.device.c_str(),
                                           static_cast<socklen_t>(spec.device.size())) != 0) {
    return {errno, std::system_category()};
  }
  const int ttl = kSingleHopTtl;
  const int on = 1;
  const int tos = 0xC0;  // CS6, network control
  if (spec.local.isV4()) {
    ::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    ::setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
    ::setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  } else {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
  }
  return {};
}

}  // namespace

UdpEndpoint::UdpEndpoint(asio::io_context& io, const Clock& clock, OnChange onChange)
    : io_(io), clock_(clock), onChange_(std::move(onChange)), random_(std::random_device{}()) {}

UdpEndpoint::~UdpEndpoint() = default;

uint32_t UdpEndpoint::newDiscriminator() {
  for (;;) {
    const uint32_t d = static_cast<uint32_t>(random_());
    if (d == 0) continue;
    const bool used = std::any_of(peers_.begin(), peers_.end(), [&](const auto& kv) {
      return kv.second->session.myDiscriminator() == d;
    });
    if (!used) return d;
  }
}

std::vector<std::string> UdpEndpoint::configure(const std::vector<PeerSpec>& specs) {
  auto done = std::make_shared<std::promise<std::vector<std::string>>>();
  auto result = done->get_future();
  asio::post(io_, [this, specs, done] {
    std::vector<std::string> errors;
    configureHere(specs, errors);
    done->set_value(std::move(errors));
  });
  if (result.wait_for(std::chrono::seconds(1)) != std::future_status::ready) {
    return {"bfd: the time-critical loop did not answer within 1 s"};
  }
  return result.get();
}

Status UdpEndpoint::openReceiver(const PeerSpec& spec) {
  if (receivers_.count(spec.local) != 0) return {};
  auto r = std::make_unique<Receiver>(io_);
  r->local = spec.local;
  r->device = spec.device;
  std::error_code ec = prepare(r->socket, spec);
  if (!ec) r->socket.bind({toAsio(spec.local), kControlPort}, ec);
  if (ec) {
    return makeError("bfd " + spec.peer.toString() + ": cannot bind " + spec.local.toString() +
                     " UDP " + std::to_string(kControlPort) + ": " + ec.message());
  }
  r->socket.non_blocking(true, ec);
  auto& ref = *r;
  receivers_[spec.local] = std::move(r);
  receive(ref);
  return {};
}

void UdpEndpoint::configureHere(const std::vector<PeerSpec>& specs,
                                std::vector<std::string>& errors) {
  // Removed sessions (or ones whose interface or address changed): AdminDown, then gone.
  for (auto it = peers_.begin(); it != peers_.end();) {
    const auto& p = *it->second;
    const bool keep = std::any_of(specs.begin(), specs.end(), [&](const PeerSpec& s) {
      return s.peer == p.spec.peer && s.local == p.spec.local && s.device == p.spec.device;
    });
    if (keep) {
      ++it;
      continue;
    }
    stopPeer(*it->second);
    it = peers_.erase(it);
  }
  for (const auto& spec : specs) {
    if (auto it = peers_.find(spec.peer); it != peers_.end()) {
      Peer& p = *it->second;
      if (!(p.spec.profile.mintx == spec.profile.mintx &&
            p.spec.profile.minrx == spec.profile.minrx &&
            p.spec.profile.multi == spec.profile.multi)) {
        p.spec.profile = spec.profile;
        apply(p, p.session.setProfile(spec.profile, clock_.now()));
      }
      continue;
    }
    if (auto st = openReceiver(spec); !st) {
      errors.push_back(st.error().message);
      continue;
    }
    auto jitter = [this](uint32_t bound) {
      return bound == 0 ? 0u : static_cast<uint32_t>(random_() % bound);
    };
    auto p = std::make_unique<Peer>(io_, spec, newDiscriminator(), jitter);
    std::error_code ec = prepare(p->socket, spec);
    if (!ec) {
      // RFC 5881 §4: a source port in 49152-65535, the same for the session's lifetime.
      ec = asio::error::address_in_use;
      for (int attempt = 0; attempt < 64 && ec; ++attempt) {
        const auto port = static_cast<uint16_t>(kSourcePortMin +
                                                random_() % (kSourcePortMax - kSourcePortMin + 1));
        ec.clear();
        p->socket.bind({toAsio(spec.local), port}, ec);
      }
    }
    if (ec) {
      errors.push_back("bfd " + spec.peer.toString() + ": cannot bind a source port on " +
                       spec.local.toString() + ": " + ec.message());
      continue;
    }
    Peer& ref = *p;
    peers_[spec.peer] = std::move(p);
    apply(ref, ref.session.start(clock_.now()));
  }
  // Receivers no session uses any more.
  for (auto it = receivers_.begin(); it != receivers_.end();) {
    const bool used = std::any_of(peers_.begin(), peers_.end(), [&](const auto& kv) {
      return kv.second->spec.local == it->first;
    });
    if (used) {
      ++it;
    } else {
      std::error_code ec;
      it->second->socket.close(ec);
      it = receivers_.erase(it);
    }
  }
  publish();
}

void UdpEndpoint::receive(Receiver& r) {
  r.socket.async_wait(asio::ip::udp::socket::wait_read, [this, &r](std::error_code ec) {
    if (ec) return;  // closed
    for (int i = 0; i < 64; ++i) {
      std::array<uint8_t, 512> buffer{};
      sockaddr_storage from{};
      std::array<char, 128> control{};
      iovec iov{buffer.data(), buffer.size()};
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control.data();
      msg.msg_controllen = control.size();
      const ssize_t n = ::recvmsg(r.socket.native_handle(), &msg, MSG_DONTWAIT);
      if (n < 0) break;
      int ttl = -1;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
            (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
          std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
        }
      }
      const auto source = IpAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&from));
      if (source) handle(buffer.data(), static_cast<size_t>(n), *source, ttl);
    }
    receive(r);
  });
}

void UdpEndpoint::handle(const uint8_t* data, size_t n, const IpAddress& from, int ttl) {
  auto decoded = decodeControlPacket(std::span<const uint8_t>(data, n));
  // Your Discriminator selects the session; zero (the peer does not know us yet) falls back to
  // the source address (RFC 5880 §6.8.6, RFC 5881 §3: single hop, one session per peer).
  Peer* peer = nullptr;
  if (decoded && decoded->yourDiscriminator != 0) {
    for (auto& [ip, p] : peers_) {
      if (p->session.myDiscriminator() == decoded->yourDiscriminator) peer = p.get();
    }
  } else if (auto it = peers_.find(from); it != peers_.end()) {
    peer = it->second.get();
  }
  if (peer == nullptr) {
    spdlog::debug("bfd: packet from {} matches no session", from.toString());
    return;
  }
  if (ttl != kSingleHopTtl) {  // RFC 5881 §5: not from a directly connected system
    ++peer->droppedTtl;
    spdlog::debug("bfd {}: packet with TTL {} dropped (single hop needs 255)", from.toString(),
                  ttl);
    return;
  }
  if (!decoded) {
    spdlog::debug("bfd {}: {}", from.toString(), decoded.error().message);
    return;
  }
  ++peer->packetsIn;
  apply(*peer, peer->session.onPacket(*decoded, clock_.now()));
}

void UdpEndpoint::apply(Peer& p, const Effects& fx) {
  const asio::ip::udp::endpoint to(toAsio(p.spec.peer), kControlPort);
  for (const auto& packet : fx.send) {
    const auto bytes = encodeControlPacket(packet);
    std::error_code ec;
    p.socket.send_to(asio::buffer(bytes), to, 0, ec);
    if (!ec) ++p.packetsOut;
  }
  p.txAt = fx.txAt;
  p.detectAt = fx.detectAt;
  bool changed = false;
  for (const auto& c : fx.changes) {
    changed = true;
    if (c.to == State::kUp) ++p.upTransitions;
    p.lastChange = formatUtc(clock_.wallNow());
    // Logged from the time-critical loop: a few short lines only on a state change.
    logEvent(c.from == State::kUp ? spdlog::level::warn : spdlog::level::info,
             c.to == State::kUp ? "bfd_session_up"
             : c.from == State::kUp ? "bfd_session_down"
                                    : "bfd_state",
             {{"peer_ip", p.spec.peer.toString()},
              {"from", std::string(stateName(c.from))},
              {"to", std::string(stateName(c.to))},
              {"diagnostic", std::string(diagnosticName(c.diag))}},
             fmt::format("bfd {}: {} -> {} ({})", p.spec.peer.toString(), stateName(c.from),
                         stateName(c.to), diagnosticName(c.diag)));
    if (onChange_) onChange_(p.spec.peer, c);
  }
  arm(p);
  if (changed) publish();
}

void UdpEndpoint::arm(Peer& p) {
  std::optional<SteadyTime> at = p.txAt;
  if (p.detectAt && (!at || *p.detectAt < *at)) at = p.detectAt;
  if (!at) {
    p.timer.cancel();
    return;
  }
  p.timer.expires_at(*at);
  const IpAddress peer = p.spec.peer;
  p.timer.async_wait([this, peer](std::error_code ec) {
    if (ec) return;
    auto it = peers_.find(peer);
    if (it == peers_.end()) return;
    apply(*it->second, it->second->session.onTimer(clock_.now()));
  });
}

void UdpEndpoint::stopPeer(Peer& p) {
  apply(p, p.session.adminDown(clock_.now()));
  p.timer.cancel();
  std::error_code ec;
  p.socket.close(ec);
}

void UdpEndpoint::shutdown() {
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  asio::post(io_, [this, done] {
    for (auto& [ip, p] : peers_) stopPeer(*p);
    peers_.clear();
    for (auto& [ip, r] : receivers_) {
      std::error_code ec;
      r->socket.close(ec);
    }
    receivers_.clear();
    publish();
    done->set_value();
  });
  (void)finished.wait_for(std::chrono::seconds(1));
}

void UdpEndpoint::publish() {
  nlohmann::json out = nlohmann::json::array();
  std::map<IpAddress, State> states;
  for (const auto& [ip, p] : peers_) {
    const auto& s = p->session;
    states[ip] = s.state();
    out.push_back({{"peer_ip", ip.toString()},
                   {"local_ip", p->spec.local.toString()},
                   {"interface", p->spec.device},
                   {"state", stateName(s.state())},
                   {"local_diag", diagnosticName(s.localDiag())},
                   {"my_discriminator", s.myDiscriminator()},
                   {"your_discriminator", s.remoteDiscriminator()},
                   {"tx_interval_ms", s.txIntervalUs() / 1000.0},
                   {"detect_time_ms", s.detectionTimeUs() / 1000.0},
                   {"packets_in", p->packetsIn},
                   {"packets_out", p->packetsOut},
                   {"dropped_ttl", p->droppedTtl},
                   {"up_transitions", p->upTransitions},
                   {"last_change", p->lastChange}});
  }
  std::lock_guard lock(statusMutex_);
  status_ = std::move(out);
  states_ = std::move(states);
}

nlohmann::json UdpEndpoint::status() {
  // Fresh counters from the loop; the last published snapshot if it does not answer in time.
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  asio::post(io_, [this, done] {
    publish();
    done->set_value();
  });
  (void)finished.wait_for(std::chrono::milliseconds(200));
  std::lock_guard lock(statusMutex_);
  return status_;
}

State UdpEndpoint::state(const IpAddress& peer) const {
  std::lock_guard lock(statusMutex_);
  auto it = states_.find(peer);
  return it == states_.end() ? State::kAdminDown : it->second;
}

}  // namespace floe::bfd
