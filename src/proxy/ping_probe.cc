#include "proxy/ping_probe.h"

#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>

#include <array>
#include <asio/ip/icmp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <map>
#include <optional>
#include <random>
#include <utility>

#include "common/log.h"
#include "proxy/icmp.h"
#include "proxy/local_errors.h"

namespace floe::proxy {

namespace {

// Far more than any pool has servers; keeps the 16-bit sequence space from filling up.
constexpr size_t kMaxOutstanding = 16384;
constexpr std::array<uint8_t, 16> kPayload = {'f', 'l', 'o', 'e', ' ', 'h', 'e', 'a',
                                              'l', 't', 'h', ' ', 'p', 'i', 'n', 'g'};

asio::ip::address toAsio(const IpAddress& ip) {
  if (ip.isV4()) return asio::ip::address_v4(ip.v4HostOrder());
  return asio::ip::address_v6(ip.bytes());
}

uint16_t randomIdentifier() {
  std::random_device rd;
  return static_cast<uint16_t>(rd());
}

}  // namespace

class PingProber::Shared : public std::enable_shared_from_this<PingProber::Shared> {
 public:
  explicit Shared(asio::io_context& io)
      : io_(io),
        tracker_(randomIdentifier()),
        v4_(io, icmp::Family::kV4),
        v6_(io, icmp::Family::kV6) {}

  std::shared_ptr<ProbeOp> probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
                                 ProbeCallback done);
  void close();

 private:
  class Op;
  struct Socket {
    Socket(asio::io_context& io, icmp::Family f) : socket(io), family(f) {}
    asio::ip::icmp::socket socket;
    icmp::Family family;
    std::optional<std::string> error;  // why it could not be opened
    std::array<uint8_t, 2048> rx{};
    asio::ip::icmp::endpoint from;
  };

  // The error, and its errno when it is a local one (EMFILE…: not remembered, tried again).
  std::optional<std::pair<std::string, int>> ensureOpen(Socket& s);
  void receive(Socket& s);
  void onPacket(Socket& s, size_t n);
  void finish(uint64_t token, ProbeResult result);
  void fail(std::shared_ptr<Op> op, std::string detail, int localError = 0);

  asio::io_context& io_;
  icmp::EchoTracker tracker_;
  Socket v4_;
  Socket v6_;
  std::map<uint64_t, std::shared_ptr<Op>> ops_;  // outstanding probes by token
  uint64_t next_token_ = 1;
  bool closed_ = false;
};

class PingProber::Shared::Op final : public ProbeOp {
 public:
  Op(std::weak_ptr<Shared> owner, asio::io_context& io, uint64_t token, ProbeCallback done)
      : owner_(std::move(owner)), timer_(io), token_(token), done_(std::move(done)) {}

  void cancel() override {
    done_ = nullptr;
    timer_.cancel();
    if (auto owner = owner_.lock()) {
      if (seq_) owner->tracker_.remove(*seq_);
      owner->ops_.erase(token_);
    }
  }

  void complete(ProbeResult r) {
    timer_.cancel();
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(r));
  }

  std::weak_ptr<Shared> owner_;
  asio::steady_timer timer_;
  uint64_t token_;
  std::optional<uint16_t> seq_;  // set once the request is tracked
  ProbeCallback done_;
};

std::optional<std::pair<std::string, int>> PingProber::Shared::ensureOpen(Socket& s) {
  if (s.socket.is_open()) return std::nullopt;
  if (s.error) return std::make_pair(*s.error, 0);
  const bool v4 = s.family == icmp::Family::kV4;
  asio::error_code ec;
  s.socket.open(v4 ? asio::ip::icmp::v4() : asio::ip::icmp::v6(), ec);
  if (ec) {
    const std::string what =
        std::string(v4 ? "raw ICMP socket: " : "raw ICMPv6 socket: ") + ec.message();
    if (ec.category() == asio::system_category() && localCause(ec.value())) {
      return std::make_pair(what, ec.value());  // out of descriptors or memory: retry next time
    }
    // Remembered: without CAP_NET_RAW every later ping fails the same way, and says why.
    s.error = what;
    spdlog::warn("ping health monitor: {}", *s.error);
    return std::make_pair(what, 0);
  }
  s.socket.non_blocking(true, ec);
  // Let only echo replies through: a raw socket otherwise sees every ICMP message of the host.
  const int fd = s.socket.native_handle();
  if (v4) {
    icmp_filter filter{~(1U << ICMP_ECHOREPLY)};
    ::setsockopt(fd, SOL_RAW, ICMP_FILTER, &filter, sizeof filter);
  } else {
    icmp6_filter filter;
    ICMP6_FILTER_SETBLOCKALL(&filter);
    ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
    ::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
  }
  receive(s);
  return std::nullopt;
}

void PingProber::Shared::receive(Socket& s) {
  s.socket.async_receive_from(
      asio::buffer(s.rx), s.from,
      [self = shared_from_this(), &s](const asio::error_code& ec, size_t n) {
        if (ec == asio::error::operation_aborted || self->closed_) return;
        if (ec) {
          spdlog::debug("ping health monitor: receive: {}", ec.message());
        } else {
          self->onPacket(s, n);
        }
        self->receive(s);
      });
}

void PingProber::Shared::onPacket(Socket& s, size_t n) {
  auto reply = icmp::decodeEchoReply(s.family, std::span<const uint8_t>(s.rx.data(), n));
  if (!reply) return;  // not ours or malformed: a raw socket sees other traffic
  const auto source = IpAddress::fromSockaddr(s.from.data());
  if (!source) return;
  if (auto token = tracker_.match(*reply, *source)) finish(*token, {true, "echo reply"});
}

void PingProber::Shared::finish(uint64_t token, ProbeResult result) {
  auto it = ops_.find(token);
  if (it == ops_.end()) return;
  auto op = it->second;
  ops_.erase(it);
  op->seq_.reset();  // the tracker entry is gone (matched or timed out)
  op->complete(std::move(result));
}

void PingProber::Shared::fail(std::shared_ptr<Op> op, std::string detail, int localError) {
  // Never call back from inside probe(): the caller may not be ready for re-entry.
  asio::post(io_, [self = shared_from_this(), op, detail = std::move(detail), localError] {
    self->ops_.erase(op->token_);
    op->complete({false, detail, localError});
  });
}

std::shared_ptr<ProbeOp> PingProber::Shared::probe(const ProbeTarget& target,
                                                   std::chrono::milliseconds timeout,
                                                   ProbeCallback done) {
  const uint64_t token = next_token_++;
  auto op = std::make_shared<Op>(weak_from_this(), io_, token, std::move(done));
  ops_[token] = op;
  Socket& s = target.ip.isV4() ? v4_ : v6_;
  if (auto err = ensureOpen(s)) {
    fail(op, err->first, err->second);
    return op;
  }
  if (tracker_.pending() >= kMaxOutstanding) {
    fail(op, "too many pings outstanding");
    return op;
  }
  const uint16_t seq = tracker_.add(target.ip, token);
  op->seq_ = seq;
  const auto packet = icmp::encodeEchoRequest(s.family, tracker_.id(), seq, kPayload);
  asio::error_code ec;
  s.socket.send_to(asio::buffer(packet), asio::ip::icmp::endpoint(toAsio(target.ip), 0), 0, ec);
  if (ec) {
    tracker_.remove(seq);
    op->seq_.reset();
    const int local =
        ec.category() == asio::system_category() && localCause(ec.value()) ? ec.value() : 0;
    fail(op, "send: " + ec.message(), local);
    return op;
  }
  op->timer_.expires_after(timeout);
  op->timer_.async_wait([self = shared_from_this(), token, timeout](const asio::error_code& e) {
    if (e || self->closed_) return;
    if (auto it = self->ops_.find(token); it != self->ops_.end()) {
      if (it->second->seq_) self->tracker_.remove(*it->second->seq_);
      self->finish(token, {false, describeTimeout(timeout)});
    }
  });
  return op;
}

void PingProber::Shared::close() {
  closed_ = true;
  asio::error_code ignored;
  v4_.socket.close(ignored);
  v6_.socket.close(ignored);
  for (auto& [token, op] : ops_) {
    op->done_ = nullptr;
    op->timer_.cancel();
  }
  ops_.clear();
}

PingProber::PingProber(asio::io_context& io) : shared_(std::make_shared<Shared>(io)) {}

PingProber::~PingProber() { shared_->close(); }

std::shared_ptr<ProbeOp> PingProber::probe(const ProbeTarget& target,
                                           std::chrono::milliseconds timeout, ProbeCallback done) {
  return shared_->probe(target, timeout, std::move(done));
}

}  // namespace floe::proxy
