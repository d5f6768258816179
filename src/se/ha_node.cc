#include "se/ha_node.h"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <future>

#include <asio/post.hpp>

#include "common/log.h"

namespace floe::se {

namespace {

// A role change that follows a peer that held the addresses a moment ago: claim them at once.
bool claimAtOnce(ha::Cause c) {
  switch (c) {
    case ha::Cause::kPeerDead:
    case ha::Cause::kPeerGoodbye:
    case ha::Cause::kPeerDegraded:
    case ha::Cause::kSwitchoverRequested:
    case ha::Cause::kSplitBrain:
      return true;
    default:
      return false;
  }
}

std::vector<uint8_t> bytesOf(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

HaNode::HaNode(asio::io_context& critical, asio::io_context& control, HaSettings settings,
               AddressRefresher& refresher, const Clock& clock, RoleChange onRole)
    : critical_(critical),
      control_(control),
      settings_(std::move(settings)),
      refresher_(refresher),
      clock_(clock),
      onRole_(std::move(onRole)),
      machine_(ha::StateMachine::Config{settings_.self, settings_.priority,
                                        settings_.firstListed, settings_.interval,
                                        settings_.deadCount, settings_.paths.size(),
                                        settings_.group, settings_.peer}),
      inbound_(ha::Inbound::Config{settings_.self, settings_.group, settings_.peer,
                                   bytesOf(settings_.secret), settings_.paths.size(),
                                   settings_.interval * settings_.deadCount}),
      timer_(critical),
      sendTimer_(critical),
      bootId_(ha::newBootId(clock.wallNow())) {}

HaNode::~HaNode() = default;

Status HaNode::start() {
  for (const auto& spec : settings_.paths) {
    Path p;
    p.spec = spec;
    p.socket = std::make_unique<asio::ip::udp::socket>(critical_);
    const auto address = asio::ip::make_address(spec.local.toString());
    asio::ip::udp::endpoint local(address, kHeartbeatPort);
    std::error_code ec;
    p.socket->open(local.protocol(), ec);
    if (!ec) {
      const int fd = p.socket->native_handle();
      // Bound to its interface: a heartbeat must leave by the path it tests, never by a route
      // through another one.
      ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, spec.device.c_str(),
                   static_cast<socklen_t>(spec.device.size()));
      const int tos = 0xC0;  // CS6, network control: ahead of data under load
      if (spec.local.isV4()) {
        ::setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
      } else {
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
      }
      p.socket->bind(local, ec);
    }
    if (ec) {
      return makeError("HA heartbeats on " + spec.device + ": cannot bind " +
                       spec.local.toString() + " UDP " + std::to_string(kHeartbeatPort) + ": " +
                       ec.message());
    }
    paths_.push_back(std::move(p));
  }
  if (settings_.secret.empty()) {
    spdlog::warn("serviceenginegroup[{}]: no ha_heartbeat_secret; HA heartbeats are "
                 "unauthenticated",
                 settings_.group);
  }
  spdlog::info("HA: pair with serviceengine {} over {} path(s), {} ms x {}; listening first",
               settings_.peer, paths_.size(), settings_.interval.count(), settings_.deadCount);
  asio::post(critical_, [this] {
    for (size_t i = 0; i < paths_.size(); ++i) receiveOn(i);
    apply(machine_.start(clock_.now()));
    arm_send();
  });
  return {};
}

void HaNode::receiveOn(size_t i) {
  Path& p = paths_[i];
  p.socket->async_receive_from(
      asio::buffer(p.buffer), p.from, [this, i](std::error_code ec, size_t n) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
          const auto now = clock_.now();
          auto hb = inbound_.receive(std::span<const uint8_t>(paths_[i].buffer.data(), n), i, now);
          if (hb) {
            apply(machine_.onHeartbeat(*hb, i, now));
          } else {
            spdlog::debug("HA: heartbeat on {} from {} refused: {}", paths_[i].spec.device,
                          paths_[i].from.address().to_string(), hb.error().message);
            publish();
          }
        }
        receiveOn(i);
      });
}

void HaNode::sendAll() {
  auto hb = machine_.outgoing();
  hb.boot_id = bootId_;
  hb.sequence = ++sequence_;
  hb.config_generation = generation_;
  const auto bytes = ha::encodeHeartbeat(hb, std::span<const uint8_t>(
                                                 reinterpret_cast<const uint8_t*>(
                                                     settings_.secret.data()),
                                                 settings_.secret.size()));
  for (auto& p : paths_) {
    std::error_code ec;
    const asio::ip::udp::endpoint to(asio::ip::make_address(p.spec.peer.toString()),
                                     kHeartbeatPort);
    p.socket->send_to(asio::buffer(bytes), to, 0, ec);  // a down path fails; the others carry
    if (!ec) inbound_.countSent();
  }
}

void HaNode::arm_send() {
  sendTimer_.expires_after(settings_.interval);
  sendTimer_.async_wait([this](std::error_code ec) {
    if (ec) return;
    sendAll();
    arm_send();
  });
}

void HaNode::arm(SteadyTime at) {
  if (at == SteadyTime{}) return;
  timer_.expires_at(at);
  timer_.async_wait([this](std::error_code ec) {
    if (ec) return;
    apply(machine_.onTimer(clock_.now()));
  });
}

void HaNode::apply(const ha::Effects& e) {
  if (e.become && (!lastRole_ || *lastRole_ != *e.become)) {
    lastRole_ = e.become;
    const auto st = machine_.status(clock_.now());
    const std::string cause = e.cause.empty() ? std::string(ha::causeName(st.cause)) : e.cause;
    logEvent(spdlog::level::warn, "ha_transition",
             {{"state", std::string(ha::stateName(machine_.state()))},
              {"peer", settings_.peer},
              {"cause", cause}},
             fmt::format("HA: {} ({})", ha::stateName(machine_.state()), cause));
    if (*e.become == ha::Role::kActive) {
      const bool atOnce = claimAtOnce(st.cause);
      asio::post(control_, [this, atOnce, cause] { onRole_(Role::kActive, atOnce, cause); });
    } else {
      // Standby or leaving: the addresses go first, here, whatever the control loop is doing.
      refresher_.releaseAll();
      asio::post(control_, [this, cause] { onRole_(Role::kStandby, false, cause); });
    }
  } else if (e.announce) {
    asio::post(control_, [this] { onRole_(Role::kActive, true, "re-announce"); });
  }
  if (e.send_now) sendAll();
  arm(e.next_timer);
  publish();
}

void HaNode::publish() {
  const auto now = clock_.now();
  const auto st = machine_.status(now);
  if (!lastState_ || *lastState_ != st.state) {
    if (lastState_) ++transitions_;
    lastState_ = st.state;
  }
  auto j = ha::toJson(st, now);
  j["transitions"] = transitions_;
  // Both SEs of a pair should run the same document: heartbeats carry its digest.
  if (st.peer_alive && st.peer_config_generation != 0) {
    const bool same = st.peer_config_generation == generation_;
    j["config_match"] = same;
    if (!same && !mismatchLogged_) {
      spdlog::warn("HA: serviceengine {} runs another configuration than this SE (document "
                   "digests differ); give both SEs the same document",
                   settings_.peer);
    }
    mismatchLogged_ = !same;
  }
  j["counters"] = ha::toJson(inbound_.counters());
  nlohmann::json paths = nlohmann::json::array();
  for (const auto& p : settings_.paths) {
    paths.push_back({{"device", p.device}, {"local", p.local.toString()}, {"peer", p.peer.toString()}});
  }
  j["heartbeat"] = {{"interval_ms", settings_.interval.count()},
                    {"timeout_count", settings_.deadCount},
                    {"udp_port", kHeartbeatPort},
                    {"authenticated", !settings_.secret.empty()},
                    {"paths", paths}};
  std::lock_guard lock(statusMutex_);
  status_ = std::move(j);
}

nlohmann::json HaNode::status() const {
  std::lock_guard lock(statusMutex_);
  return status_;
}

void HaNode::setLocalHealth(uint8_t up, uint8_t total) {
  asio::post(critical_, [this, up, total] {
    if (up < total) spdlog::warn("HA: {} of {} data interface(s) up: degraded", up, total);
    apply(machine_.onLocalHealth(up, total, up < total, clock_.now()));
  });
}

void HaNode::shutdown() {
  std::promise<void> done;
  auto f = done.get_future();
  asio::post(critical_, [this, &done] {
    apply(machine_.onShutdown(clock_.now()));
    sendAll();  // the goodbye, after the addresses are gone
    timer_.cancel();
    sendTimer_.cancel();
    for (auto& p : paths_) {
      std::error_code ec;
      p.socket->close(ec);
    }
    done.set_value();
  });
  if (f.wait_for(std::chrono::seconds(1)) != std::future_status::ready) {
    spdlog::warn("HA: the time-critical loop did not answer the shutdown within 1 s");
  }
}

std::string HaNode::switchover() {
  auto done = std::make_shared<std::promise<std::string>>();
  auto f = done->get_future();
  asio::post(critical_, [this, done] {
    const auto e = machine_.onSwitchover(clock_.now());
    apply(e);
    done->set_value(e.refused ? (e.cause.empty() ? std::string("refused") : e.cause)
                              : std::string());
  });
  if (f.wait_for(std::chrono::seconds(1)) != std::future_status::ready) {
    return "the time-critical loop did not answer within 1 s";
  }
  return f.get();
}

}  // namespace floe::se
