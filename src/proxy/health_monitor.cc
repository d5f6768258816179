#include "proxy/health_monitor.h"

#include <algorithm>
#include <asio/steady_timer.hpp>
#include <cerrno>
#include <random>

#include "common/log.h"

namespace floe::proxy {

namespace {

// The first probe of a server goes out at once (at start and when the server or monitor is
// added: until it answers the server is UNKNOWN and gets no traffic). The second one is delayed
// by up to this much (or the interval, if shorter), so that the later probes of a pool of 100
// servers do not all go out in the same millisecond.
constexpr auto kMaxJitter = std::chrono::milliseconds(1000);

std::chrono::milliseconds jitter(std::chrono::milliseconds interval) {
  static thread_local std::minstd_rand rng{std::random_device{}()};
  const auto span = std::min(interval, kMaxJitter).count();
  if (span <= 1) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, span - 1)(rng));
}

std::string plural(uint32_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

MonitorDef MonitorDef::from(const MonitorSpec& spec) {
  MonitorDef d;
  d.name = spec.name;
  d.type = spec.type;
  d.interval = std::chrono::seconds(std::max<uint32_t>(1, spec.send_interval_s));
  d.timeout = std::chrono::seconds(std::max<uint32_t>(1, spec.receive_timeout_s));
  d.successful_checks = spec.successful_checks;
  d.failed_checks = spec.failed_checks;
  d.port = spec.port;
  d.http = spec.http;
  return d;
}

// One monitor probing one server.
class ServerHealth::Runner : public std::enable_shared_from_this<Runner> {
 public:
  Runner(ServerHealth& owner, Prober& prober, MonitorDef def, ProbeTarget target,
         bool returnPath = false)
      : owner_(owner),
        prober_(prober),
        def_(std::move(def)),
        target_(std::move(target)),
        return_path_(returnPath),
        timer_(owner.io_),
        state_(def_.successful_checks, def_.failed_checks) {
    // Avi requires receive_timeout < send_interval; never let one probe overlap the next.
    def_.timeout = std::min(def_.timeout, def_.interval);
  }

  void start() {
    timer_.expires_after(std::chrono::milliseconds(0));
    first_ = true;
    arm();
  }

  void stop() {
    stopped_ = true;
    timer_.cancel();
    if (op_) op_->cancel();
    op_.reset();
  }

  const MonitorDef& def() const { return def_; }
  const HealthState& state() const { return state_; }
  const std::string& detail() const { return detail_; }
  bool maintenance() const { return maintenance_; }

 private:
  void arm() {
    timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      if (ec || self->stopped_) return;
      self->fire();
    });
  }

  void fire() {
    if (!op_) {  // a probe still out means the control loop lagged; skip this round
      op_ = prober_.probe(target_, def_.timeout, [weak = weak_from_this()](ProbeResult r) {
        if (auto self = weak.lock(); self && !self->stopped_) {
          self->onResult(std::move(r));
        }
      });
    }
    // Fixed rate from the second probe (jittered once); after a stall, resume from now rather
    // than catch up.
    auto next = timer_.expiry() + def_.interval;
    if (first_) {
      next += jitter(def_.interval);
      first_ = false;
    }
    const auto now = asio::steady_timer::clock_type::now();
    if (next < now) next = now + def_.interval;
    timer_.expires_at(next);
    arm();
  }

  void onResult(ProbeResult r) {
    op_.reset();
    if (return_path_) {
      owner_.onReturnResult(*this, r);
      return;
    }
    if (r.local_error != 0) {
      // This host failed (out of descriptors, ports, buffers), not the server: no verdict.
      if (owner_.probers_.local_errors != nullptr) {
        owner_.probers_.local_errors->note(r.local_error, "health monitor " + def_.name);
      }
      return;
    }
    detail_ = std::move(r.detail);
    // A maintenance answer (HTTP monitors) disables the server while it lasts; it is neither
    // a success nor a failure for the up/down hysteresis.
    maintenance_ = r.maintenance;
    if (!maintenance_) state_.onResult(r.ok);
    owner_.onResult(*this);
  }

  ServerHealth& owner_;  // outlives the runner's callbacks: it stops the runner first
  Prober& prober_;
  MonitorDef def_;
  ProbeTarget target_;
  bool return_path_;
  asio::steady_timer timer_;
  HealthState state_;
  std::shared_ptr<ProbeOp> op_;
  std::string detail_;
  bool stopped_ = false;
  bool first_ = false;  // the next fire() sends the first probe
  bool maintenance_ = false;  // the latest result said "maintenance"
};

ServerHealth::ServerHealth(asio::io_context& io, Probers probers, std::string pool,
                           std::shared_ptr<ServerRuntime> runtime)
    : io_(io), probers_(probers), pool_(std::move(pool)), runtime_(std::move(runtime)) {}

ServerHealth::~ServerHealth() { stopAll(); }

void ServerHealth::stopAll() {
  for (auto& r : runners_) r->stop();
  runners_.clear();
  for (auto& c : return_checks_) c.runner->stop();
  return_checks_.clear();
}

void ServerHealth::configure(const ServerSpec& server, const std::vector<MonitorDef>& monitors,
                             const std::vector<ReturnPath>& returnPaths) {
  const bool serverChanged = !(server_ == server);
  server_ = server;
  if (!server.enabled) {
    stopAll();
    reason_ = "disabled";
    disabled_by_config_ = true;
    setState(ServerState::kDisabled, "disabled");
    return;
  }
  if (monitors.empty()) {
    stopAll();
    reason_ = "no health monitor";
    disabled_by_config_ = false;
    setState(ServerState::kUp, "no health monitor");
    return;
  }
  // Enabled again. A server DISABLED by a monitor's maintenance answer stays so while that
  // monitor is kept (a reload with the same monitors changes nothing); recompute() below
  // judges it afresh if the monitor went.
  if (state() == ServerState::kDisabled && disabled_by_config_) {
    setState(ServerState::kUnknown, "enabled");
  }
  disabled_by_config_ = false;

  std::vector<std::shared_ptr<Runner>> next;
  for (const MonitorDef& def : monitors) {
    auto same = std::find_if(runners_.begin(), runners_.end(),
                             [&](const auto& r) { return r && r->def() == def; });
    if (same != runners_.end()) {
      next.push_back(std::move(*same));  // leaves a null behind: it is not stopped below
      continue;
    }
    Prober* prober = def.type == MonitorType::kPing                               ? probers_.ping
                     : def.type == MonitorType::kHttp && probers_.http != nullptr ? probers_.http
                                                                                  : probers_.tcp;
    ProbeTarget target{server.ip, def.port.value_or(server.port), std::nullopt, def.http};
    auto runner = std::make_shared<Runner>(*this, *prober, def, std::move(target));
    runner->start();
    next.push_back(std::move(runner));
  }
  for (auto& r : runners_) {
    if (r) r->stop();
  }
  runners_ = std::move(next);

  // Return-path checks: rebuilt when their SNAT IPs, the TCP monitor or the server change.
  const auto tcp = std::find_if(monitors.begin(), monitors.end(),
                                [](const MonitorDef& d) { return d.type == MonitorType::kTcp; });
  std::vector<ReturnPath> wanted;
  if (tcp != monitors.end()) {
    for (const ReturnPath& p : returnPaths) {
      if (p.snat_ip.af() == server.ip.af()) wanted.push_back(p);
    }
  }
  bool same = !serverChanged && wanted.size() == return_checks_.size();
  for (size_t i = 0; same && i < wanted.size(); ++i) {
    same = return_checks_[i].path == wanted[i] && return_checks_[i].runner->def() == *tcp;
  }
  if (!same) {
    for (auto& c : return_checks_) c.runner->stop();
    return_checks_.clear();
    for (const ReturnPath& p : wanted) {
      ProbeTarget target{server.ip, tcp->port.value_or(server.port), p.snat_ip};
      auto runner = std::make_shared<Runner>(*this, *probers_.tcp, *tcp, target, true);
      runner->start();
      return_checks_.push_back(ReturnCheck{p, std::move(runner)});
    }
  }
  recompute(nullptr);
}

void ServerHealth::onReturnResult(const Runner& runner, const ProbeResult& r) {
  auto it = std::find_if(return_checks_.begin(), return_checks_.end(),
                         [&](const ReturnCheck& c) { return c.runner.get() == &runner; });
  if (it == return_checks_.end()) return;
  if (r.local_error == EADDRNOTAVAIL) {
    it->state = "not held here";  // a standby SE: the SNAT IP is on the active one
    it->detail = r.detail;
  } else if (r.local_error != 0) {
    if (probers_.local_errors != nullptr) {
      probers_.local_errors->note(r.local_error,
                                  "return-path check from " + it->path.snat_ip.toString());
    }
    return;
  } else {
    it->detail = r.detail;
    // A refusal came back too: the route back works (the server's port is another matter,
    // which the interface-sourced checks judge).
    it->state = r.ok || r.answered ? "ok" : "failed";
  }
  reportReturnPaths();
}

std::string ServerHealth::routerCommand(const ReturnPath& p) const {
  std::string cmd = p.snat_ip.isV4() ? "route add -host " + p.snat_ip.toString()
                                     : "route -A inet6 add " + p.snat_ip.toString() + "/128";
  if (p.gateway) cmd += " gw " + p.gateway->toString();
  return cmd;
}

bool ServerHealth::interfaceChecksPass() const {
  if (state() != ServerState::kUp) return false;
  // The latest result of every monitor was a success: a server on its way DOWN fails from
  // every source, which says nothing about the route back.
  return std::all_of(runners_.begin(), runners_.end(),
                     [](const auto& r) { return r->state().consecutiveSuccesses() > 0; });
}

std::vector<ReturnPathStatus> ServerHealth::returnPaths() const {
  std::vector<ReturnPathStatus> out;
  const bool up = interfaceChecksPass();
  for (const ReturnCheck& c : return_checks_) {
    ReturnPathStatus s;
    s.snat_ip = c.path.snat_ip;
    s.detail = c.detail;
    if (c.state == "failed") {
      // Only meaningful while the interface-sourced checks pass: a DOWN server fails both.
      s.state = up ? "failing" : "unknown";
      if (up) s.router_command = routerCommand(c.path);
    } else {
      s.state = c.state;
    }
    out.push_back(std::move(s));
  }
  return out;
}

void ServerHealth::reportReturnPaths() {
  const bool up = interfaceChecksPass();
  for (ReturnCheck& c : return_checks_) {
    const bool failing = up && c.state == "failed";
    if (failing == c.reported_failing) continue;
    c.reported_failing = failing;
    const std::string where =
        "pool " + pool_ + " server " + formatEndpoint(server_.ip, server_.port);
    const std::string server = formatEndpoint(server_.ip, server_.port);
    if (failing) {
      logEvent(spdlog::level::warn, "return_path_failing",
               {{"pool", pool_},
                {"server", server},
                {"snat_ip", c.path.snat_ip.toString()},
                {"reason", c.detail}},
               fmt::format("{}: reachable from the SE's interface address but not from SNAT IP "
                           "{} ({}): the network has no route back to {}; on the router: {}",
                           where, c.path.snat_ip.toString(), c.detail,
                           c.path.snat_ip.toString(), routerCommand(c.path)));
    } else {
      logEvent(spdlog::level::info, "return_path_ok",
               {{"pool", pool_}, {"server", server}, {"snat_ip", c.path.snat_ip.toString()}},
               fmt::format("{}: reachable from SNAT IP {} again", where,
                           c.path.snat_ip.toString()));
    }
  }
}

void ServerHealth::onResult(const Runner& cause) {
  recompute(&cause);
  reportReturnPaths();
}

void ServerHealth::recompute(const Runner* cause) {
  std::vector<Verdict> verdicts;
  verdicts.reserve(runners_.size());
  const Runner* down = nullptr;
  const Runner* maintenance = nullptr;
  for (const auto& r : runners_) {
    verdicts.push_back(r->state().verdict());
    if (!down && r->state().verdict() == Verdict::kDown) down = r.get();
    if (!maintenance && r->maintenance()) maintenance = r.get();
  }
  if (maintenance != nullptr) {
    reason_ = runners_.size() > 1 ? maintenance->def().name + ": " + maintenance->detail()
                                  : maintenance->detail();
    setState(ServerState::kDisabled, reason_);
    return;
  }
  // Out of maintenance: judged afresh, as a server whose checks just started.
  const ServerState previous = state() == ServerState::kDisabled ? ServerState::kUnknown : state();
  const ServerState next = aggregate(previous, verdicts);

  // The reason is the result that explains the state: a failing monitor's while DOWN.
  const Runner* explain = next == ServerState::kDown && down != nullptr ? down : cause;
  if (explain != nullptr && !explain->detail().empty()) {
    reason_ =
        runners_.size() > 1 ? explain->def().name + ": " + explain->detail() : explain->detail();
  }
  if (next == state()) return;

  std::string why = reason_;
  if (explain != nullptr) {
    const HealthState& h = explain->state();
    why += ", " +
           (h.verdict() == Verdict::kDown
                ? plural(h.consecutiveFailures(), "consecutive failure", "consecutive failures")
                : plural(h.consecutiveSuccesses(), "consecutive success", "consecutive successes"));
  } else {
    why = "health monitors changed";
  }
  setState(next, why);
}

void ServerHealth::setState(ServerState next, const std::string& why) {
  if (next == state()) return;
  runtime_->state.store(next, std::memory_order_relaxed);
  const std::string server = formatEndpoint(server_.ip, server_.port);
  const char* event = next == ServerState::kUp         ? "server_up"
                      : next == ServerState::kDisabled ? "server_disabled"
                      : next == ServerState::kDown     ? "server_down"
                                                       : "server_unknown";
  logEvent(next == ServerState::kDown ? spdlog::level::warn : spdlog::level::info, event,
           {{"pool", pool_}, {"server", server}, {"state", toString(next)}, {"reason", why}},
           fmt::format("pool {} server {} {} ({})", pool_, server, toString(next), why));
  reportReturnPaths();
}

}  // namespace floe::proxy
