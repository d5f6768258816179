// ProxyEngine: the control-thread side. Owns the workers, the listening sockets' bookkeeping,
// the health monitors and the runtime counters; turns each apply() into immutable snapshots
// posted to the workers. Listening sockets are opened here, so bind errors are known before
// apply() returns, without waiting on any worker.
#include "proxy/engine.h"

#include <algorithm>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <future>
#include <map>
#include <thread>

#include "common/log.h"
#include "proxy/fd_limit.h"
#include "proxy/health_monitor.h"
#include "proxy/http_probe.h"
#include "proxy/local_errors.h"
#include "proxy/ping_probe.h"
#include "proxy/pool.h"
#include "proxy/socket_util.h"
#include "proxy/tcp_probe.h"
#include "proxy/worker.h"

namespace floe::proxy {

namespace {

struct ServerKey {
  IpAddress ip;
  uint16_t port = 0;
  auto operator<=>(const ServerKey&) const = default;
};

HttpStats httpStats(const HttpCounters& counters) {
  HttpStats s;
  const auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  std::array<uint64_t, HttpCounterSet::kLatencyBoundsUs.size() + 1> latency{};
  counters.forEach([&](const HttpCounterSet& c) {
    s.requests += get(c.requests);
    for (size_t i = 0; i < s.responses.size(); ++i) s.responses[i] += get(c.responses[i]);
    s.local_responses += get(c.local_responses);
    s.parse_errors += get(c.parse_errors);
    s.bytes_from_client += get(c.bytes_from_client);
    s.bytes_to_client += get(c.bytes_to_client);
    s.server_connections_opened += get(c.server_connections_opened);
    s.server_connections_reused += get(c.server_connections_reused);
    s.retries += get(c.retries);
    s.client_timeouts += get(c.client_timeouts);
    s.server_timeouts += get(c.server_timeouts);
    for (size_t i = 0; i < latency.size(); ++i) latency[i] += get(c.latency[i]);
    s.latency_sum_us += get(c.latency_sum_us);
  });
  uint64_t cumulative = 0;
  for (size_t i = 0; i < latency.size(); ++i) {
    cumulative += latency[i];
    const uint64_t bound =
        i < HttpCounterSet::kLatencyBoundsUs.size() ? HttpCounterSet::kLatencyBoundsUs[i] : 0;
    s.latency_buckets.emplace_back(bound, cumulative);
  }
  s.latency_count = cumulative;
  return s;
}

std::string endpointText(const Endpoint& ep) { return formatEndpoint(ep.ip, ep.port); }

// How long apply() waits for the workers to take a new config (they normally need microseconds).
constexpr std::chrono::milliseconds kApplyWait{2000};

}  // namespace

class ProxyEngine::Impl {
 public:
  Impl(asio::io_context& control, Tuning tuning);
  ~Impl();

  std::vector<Error> apply(const ProxyConfig& config);
  ProxyStatus status() const;

 private:
  struct PoolState {
    PoolSpec spec;
    std::shared_ptr<const PoolSnapshot> snapshot;
    std::map<ServerKey, std::unique_ptr<ServerHealth>> servers;
  };
  struct ServiceState {
    VirtualServiceSpec spec;
    std::shared_ptr<ServiceRuntime> runtime;
    std::shared_ptr<const ServiceSnapshot> snapshot;
  };
  struct ListenerState {
    std::string service;
    bool bound = false;
    bool refused = false;  // not even tried: the service is over a listener limit (error says)
    std::string error;  // why not bound: "10.10.2.100:80: Address already in use"
  };

  void applyPools(const ProxyConfig& config);
  void applyServices(const ProxyConfig& config);
  std::vector<Error> applyListeners(const ProxyConfig& config);
  std::string serviceDownReason(const VirtualServiceSpec& vs) const;

  // A new listener's sockets, bound and listening (the kernel completes handshakes into the
  // queue) but not yet handed to the workers: they accept once every server of the pool has a
  // health verdict or the deadline (the monitors' first receive_timeout) has passed (§7).
  struct PendingListener {
    std::vector<UniqueFd> fds;  // one per worker
    std::string pool;
    std::chrono::steady_clock::time_point deadline;
  };
  bool poolDecided(const std::string& pool) const;
  std::chrono::milliseconds firstVerdictWait(const PoolSpec& pool) const;
  void armGate();
  void releaseReady();

  // Why `vs` may not open `added` more listeners (limits of issue 5 §5), or empty.
  std::string listenerLimit(const VirtualServiceSpec& vs, size_t added, uint64_t inUse) const;

  asio::io_context& control_;
  const Tuning tuning_;
  EngineShared shared_;  // before workers_: they hold a reference
  FdLimit fd_limit_;
  uint64_t listen_budget_ = 0;  // listening sockets (endpoints × workers) allowed
  // Declaration order is destruction order reversed: workers go first, then the monitors,
  // then the probers the monitors use.
  TcpProber tcp_prober_;
  PingProber ping_prober_;
  HttpProber http_prober_;
  ProxyConfig config_;
  std::map<std::string, PoolState> pools_;
  std::map<std::string, ServiceState> services_;
  std::map<Endpoint, ListenerState> listeners_;
  std::map<Endpoint, PendingListener> pending_;
  std::shared_ptr<const ConfigSnapshot> snapshot_;  // the last one sent to the workers
  std::vector<std::unique_ptr<Worker>> workers_;
  asio::steady_timer gate_;  // polls pending_ while it is not empty
  bool gate_armed_ = false;
};

ProxyEngine::Impl::Impl(asio::io_context& control, Tuning tuning)
    : control_(control),
      tuning_(tuning),
      tcp_prober_(control),
      ping_prober_(control),
      http_prober_(control),
      gate_(control) {
  fd_limit_ = tuning_.raise_fd_limit ? raiseFdLimit() : currentFdLimit();
  const uint64_t fds = fd_limit_.soft;
  shared_.max_connections =
      tuning_.max_connections != 0
          ? tuning_.max_connections
          : std::max<uint64_t>(16, (fds > kReservedFds ? fds - kReservedFds : 0) / 2);
  shared_.max_connections_per_vs = tuning_.max_connections_per_virtual_service != 0
                                       ? tuning_.max_connections_per_virtual_service
                                       : shared_.max_connections;
  int n = tuning_.workers;
  if (n <= 0) n = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  listen_budget_ = std::max<uint64_t>(static_cast<uint64_t>(n), fds / 4);
  const WorkerLimits limits = WorkerLimits::from(tuning_);
  for (int i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, limits, shared_));
    workers_.back()->start();
  }
  spdlog::info(
      "proxy: {} worker thread(s); open files limit {} (hard {}): up to {} connections ({} per "
      "virtual service), {} listening sockets",
      n, fd_limit_.soft, fd_limit_.hard, shared_.max_connections, shared_.max_connections_per_vs,
      listen_budget_);
}

std::string ProxyEngine::Impl::listenerLimit(const VirtualServiceSpec& vs, size_t added,
                                             uint64_t inUse) const {
  if (vs.listeners.size() > kMaxListenersPerService) {
    return "virtual service " + vs.name + " has more than the " +
           std::to_string(kMaxListenersPerService) +
           " VIP:port listeners (VIPs × service ports) floe-se serves per virtual service; "
           "narrow its services' port_range_end";
  }
  const uint64_t need = static_cast<uint64_t>(added) * workers_.size();
  if (inUse + need > listen_budget_) {
    return "virtual service " + vs.name + " needs " + std::to_string(need) +
           " listening sockets (" + std::to_string(added) + " VIP:port × " +
           std::to_string(workers_.size()) + " workers); " + std::to_string(inUse) + " of " +
           std::to_string(listen_budget_) +
           " are in use (the budget is a quarter of the open files limit " +
           std::to_string(fd_limit_.soft) + "); narrow its port range or raise the limit";
  }
  return {};
}

ProxyEngine::Impl::~Impl() {
  gate_.cancel();
  pending_.clear();
  for (auto& w : workers_) w->stop();  // closes listeners and connections, joins
  workers_.clear();
  pools_.clear();  // stops the health monitors
}

std::vector<Error> ProxyEngine::Impl::apply(const ProxyConfig& config) {
  applyPools(config);
  applyServices(config);
  auto errors = applyListeners(config);
  config_ = config;
  return errors;
}

void ProxyEngine::Impl::applyPools(const ProxyConfig& config) {
  std::map<std::string, PoolState> next;
  for (const PoolSpec& spec : config.pools) {
    if (next.count(spec.name) != 0) continue;  // validation rejects duplicates; first wins
    PoolState& st = next[spec.name];
    st.spec = spec;
    auto old = pools_.find(spec.name);

    std::vector<MonitorDef> monitors;
    for (const MonitorSpec& m : spec.monitors) monitors.push_back(MonitorDef::from(m));
    // Return-path checks (§11): from every SNAT IP of the services this pool serves.
    std::vector<ReturnPath> returnPaths;
    for (const VirtualServiceSpec& vs : config.virtual_services) {
      if (vs.pool != spec.name) continue;
      for (const IpAddress& snat : vs.snat_ips) {
        const bool known = std::any_of(returnPaths.begin(), returnPaths.end(),
                                       [&](const ReturnPath& p) { return p.snat_ip == snat; });
        if (!known) returnPaths.push_back({snat, vs.return_gateway});
      }
    }

    auto snapshot = std::make_shared<PoolSnapshot>();
    snapshot->name = spec.name;
    snapshot->algorithm = spec.algorithm;
    snapshot->hash_key = spec.hash_key;
    snapshot->hash_header = spec.hash_header;
    for (const ServerSpec& server : spec.servers) {
      const ServerKey key{server.ip, server.port};
      auto& health = st.servers[key];
      if (!health) {
        // Health state and counters survive apply() for a server that stays in its pool.
        if (old != pools_.end()) {
          if (auto it = old->second.servers.find(key); it != old->second.servers.end()) {
            health = std::move(it->second);
          }
        }
        if (!health) {
          health = std::make_unique<ServerHealth>(
              control_, Probers{&tcp_prober_, &ping_prober_, &shared_.local_errors, &http_prober_},
              spec.name, std::make_shared<ServerRuntime>());
        }
        health->configure(server, monitors, returnPaths);
      }
      ServerEntry entry;
      entry.spec = server;
      entry.address_len = server.ip.toSockaddr(server.port, entry.address);
      entry.runtime = health->runtime();
      snapshot->servers.push_back(std::move(entry));
    }
    // An unchanged pool keeps its snapshot, so workers keep their balancer position.
    if (old != pools_.end() && old->second.spec == spec && old->second.snapshot) {
      st.snapshot = old->second.snapshot;
    } else {
      st.snapshot = std::move(snapshot);
    }
  }
  pools_ = std::move(next);  // monitors of servers and pools not carried over stop here
}

void ProxyEngine::Impl::applyServices(const ProxyConfig& config) {
  std::map<std::string, ServiceState> next;
  for (const VirtualServiceSpec& vs : config.virtual_services) {
    if (next.count(vs.name) != 0) continue;
    ServiceState& st = next[vs.name];
    st.spec = vs;
    auto old = services_.find(vs.name);
    st.runtime = old != services_.end() ? old->second.runtime : std::make_shared<ServiceRuntime>();
    std::shared_ptr<const PoolSnapshot> pool;
    if (auto p = pools_.find(vs.pool); p != pools_.end()) pool = p->second.snapshot;
    if (old != services_.end() && old->second.spec == vs && old->second.snapshot->pool == pool) {
      st.snapshot = old->second.snapshot;
    } else {
      auto snap = std::make_shared<ServiceSnapshot>();
      snap->name = vs.name;
      snap->runtime = st.runtime;
      snap->snat_ips = vs.snat_ips;
      snap->idle_timeout_s = vs.idle_timeout_s;
      snap->preserve_client_ip = vs.preserve_client_ip;
      snap->mode = vs.mode;
      snap->http = vs.http;
      snap->pool = pool;
      st.snapshot = std::move(snap);
    }
  }
  services_ = std::move(next);
}

std::vector<Error> ProxyEngine::Impl::applyListeners(const ProxyConfig& config) {
  std::vector<Error> errors;
  std::map<Endpoint, ListenerState> next;
  for (const VirtualServiceSpec& vs : config.virtual_services) {
    for (const Endpoint& ep : vs.listeners) {
      auto [it, inserted] = next.try_emplace(ep, ListenerState{vs.name, false, false, {}});
      if (!inserted && it->second.service != vs.name) {
        errors.push_back(makeError(endpointText(ep) + ": also a listener of virtual service " +
                                   it->second.service));
      }
    }
  }

  // Listener limits, service by service in document order: a service over a limit is refused
  // as a whole (DOWN with the reason) and never takes descriptors the others need.
  uint64_t inUse = 0;
  for (const auto& [ep, st] : next) {
    auto old = listeners_.find(ep);
    if (old != listeners_.end() && old->second.bound) inUse += workers_.size();
  }
  for (const VirtualServiceSpec& vs : config.virtual_services) {
    size_t added = 0;
    uint64_t kept = 0;
    for (const Endpoint& ep : vs.listeners) {
      auto it = next.find(ep);
      if (it == next.end() || it->second.service != vs.name) continue;
      auto old = listeners_.find(ep);
      if (old != listeners_.end() && old->second.bound) {
        kept += workers_.size();
      } else {
        ++added;
      }
    }
    const std::string why = listenerLimit(vs, added, inUse);
    if (why.empty()) {
      inUse += static_cast<uint64_t>(added) * workers_.size();
      continue;
    }
    inUse -= kept;  // its kept listeners close too
    errors.push_back(makeError(why));
    spdlog::warn("{}", why);
    for (const Endpoint& ep : vs.listeners) {
      auto it = next.find(ep);
      if (it == next.end() || it->second.service != vs.name) continue;
      it->second.refused = true;
      it->second.error = why;
    }
  }

  std::vector<WorkerUpdate> updates(workers_.size());
  for (const auto& [ep, st] : listeners_) {
    if (!st.bound) continue;
    auto n = next.find(ep);
    if (n == next.end() || n->second.refused) {
      for (auto& u : updates) u.close.push_back(ep);
      pending_.erase(ep);  // never handed over: its sockets close here
    }
  }
  for (auto& [ep, st] : next) {
    if (st.refused) continue;
    if (auto old = listeners_.find(ep); old != listeners_.end() && old->second.bound) {
      st.bound = true;  // unchanged endpoint: acceptors and their connections stay
      continue;
    }
    if (auto foreign = findForeignListener(ep)) {
      st.error = foreign->message;
      errors.push_back(*foreign);
      spdlog::warn("virtual service {}: listen {}", st.service, st.error);
      continue;
    }
    // One socket per worker, all bound before any is handed over: all or nothing.
    std::vector<UniqueFd> fds;
    for (size_t i = 0; i < workers_.size(); ++i) {
      auto fd = openListenSocket(ep);
      if (!fd) {
        st.error = fd.error().message;
        errors.push_back(fd.error());
        spdlog::warn("virtual service {}: listen {}", st.service, st.error);
        break;
      }
      fds.push_back(std::move(*fd));
    }
    if (!st.error.empty()) continue;
    st.bound = true;
    const std::string& poolName = services_.at(st.service).spec.pool;
    if (auto pool = pools_.find(poolName); pool != pools_.end() && !poolDecided(poolName)) {
      pending_[ep] =
          PendingListener{std::move(fds), poolName,
                          std::chrono::steady_clock::now() + firstVerdictWait(pool->second.spec)};
      continue;
    }
    for (size_t i = 0; i < workers_.size(); ++i)
      updates[i].open.emplace_back(ep, std::move(fds[i]));
  }
  listeners_ = std::move(next);

  auto snapshot = std::make_shared<ConfigSnapshot>();
  for (const auto& [ep, st] : listeners_) {
    if (st.bound) snapshot->services[ep] = services_.at(st.service).snapshot;
  }
  for (const VirtualServiceSpec& vs : config.virtual_services) {
    for (const Endpoint& ep : vs.listeners) snapshot->vips.insert(ep.ip);
    snapshot->snat_ips.emplace(vs.name, vs.snat_ips);
  }
  snapshot_ = snapshot;
  std::vector<std::future<void>> applied;
  for (size_t i = 0; i < workers_.size(); ++i) {
    updates[i].config = snapshot;
    updates[i].done = std::make_shared<std::promise<void>>();
    applied.push_back(updates[i].done->get_future());
    workers_[i]->update(std::move(updates[i]));
  }
  // Wait (bounded) until every worker has applied it: connections orphaned by this config are
  // reset, and removed listeners closed, before apply() returns and the agent removes
  // addresses. Workers never wait on the control loop, so this cannot deadlock.
  const auto deadline = std::chrono::steady_clock::now() + kApplyWait;
  for (auto& f : applied) {
    if (f.wait_until(deadline) != std::future_status::ready) {
      spdlog::warn("proxy: a worker took more than {}ms to apply the new config",
                   kApplyWait.count());
      break;
    }
  }
  if (!pending_.empty()) armGate();
  return errors;
}

bool ProxyEngine::Impl::poolDecided(const std::string& pool) const {
  auto it = pools_.find(pool);
  if (it == pools_.end()) return true;
  for (const auto& [key, health] : it->second.servers) {
    if (health->state() == ServerState::kUnknown) return false;
  }
  return true;
}

std::chrono::milliseconds ProxyEngine::Impl::firstVerdictWait(const PoolSpec& pool) const {
  // The first probes go out at once (health_monitor.cc); a server without an answer by the
  // slowest monitor's receive_timeout gets its verdict then. A little slack lets that
  // timeout's verdict land before the gate opens.
  std::chrono::milliseconds wait{0};
  for (const MonitorSpec& m : pool.monitors) {
    const MonitorDef d = MonitorDef::from(m);
    wait = std::max(wait, std::min(d.timeout, d.interval));
  }
  return wait + std::chrono::milliseconds(100);
}

void ProxyEngine::Impl::armGate() {
  if (gate_armed_) return;
  gate_armed_ = true;
  gate_.expires_after(std::chrono::milliseconds(10));
  gate_.async_wait([this](const asio::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;  // the engine is going away
    gate_armed_ = false;
    releaseReady();
  });
}

void ProxyEngine::Impl::releaseReady() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<WorkerUpdate> updates(workers_.size());
  bool any = false;
  for (auto it = pending_.begin(); it != pending_.end();) {
    PendingListener& p = it->second;
    const bool decided = poolDecided(p.pool);
    if (!decided && now < p.deadline) {
      ++it;
      continue;
    }
    if (!decided) {
      spdlog::info(
          "listen {}: accepting before every server of pool {} has a health verdict "
          "(first receive_timeout passed)",
          endpointText(it->first), p.pool);
    }
    for (size_t i = 0; i < workers_.size(); ++i) {
      updates[i].open.emplace_back(it->first, std::move(p.fds[i]));
    }
    any = true;
    it = pending_.erase(it);
  }
  if (any) {
    for (size_t i = 0; i < workers_.size(); ++i) {
      updates[i].config = snapshot_;
      workers_[i]->update(std::move(updates[i]));
    }
  }
  if (!pending_.empty()) armGate();
}

std::string ProxyEngine::Impl::serviceDownReason(const VirtualServiceSpec& vs) const {
  if (vs.listeners.empty()) return "no listener";
  for (const Endpoint& ep : vs.listeners) {
    auto it = listeners_.find(ep);
    if (it == listeners_.end()) return "listen " + endpointText(ep) + ": not configured";
    if (it->second.service != vs.name) {
      return "listen " + endpointText(ep) + ": used by virtual service " + it->second.service;
    }
    if (it->second.refused) return it->second.error;
    if (pending_.count(ep) != 0) {
      return "waiting for the first health checks of pool " + vs.pool + " before accepting";
    }
    if (!it->second.bound) return "listen " + it->second.error;
  }
  auto pool = pools_.find(vs.pool);
  if (pool == pools_.end()) return "pool " + vs.pool + " not found";
  for (const auto& [key, health] : pool->second.servers) {
    if (health->state() == ServerState::kUp) return {};
  }
  return "no server up in pool " + vs.pool;
}

ProxyStatus ProxyEngine::Impl::status() const {
  ProxyStatus out;
  for (const PoolSpec& spec : config_.pools) {
    auto pool = pools_.find(spec.name);
    if (pool == pools_.end()) continue;
    PoolStatus ps;
    ps.name = spec.name;
    for (const ServerSpec& server : spec.servers) {
      auto it = pool->second.servers.find(ServerKey{server.ip, server.port});
      if (it == pool->second.servers.end()) continue;
      const ServerHealth& h = *it->second;
      const ServerRuntime& rt = *h.runtime();
      ServerStatus s;
      s.ip = server.ip;
      s.port = server.port;
      s.state = h.state();
      s.reason = h.reason();
      s.active_connections = rt.active.load(std::memory_order_relaxed);
      s.total_connections = rt.total.load();
      s.connect_failures = rt.connect_failures.load();
      s.bytes_in = rt.bytes_in.load();
      s.bytes_out = rt.bytes_out.load();
      s.return_paths = h.returnPaths();
      s.http = httpStats(rt.http);
      s.http.open_server_connections = rt.open_connections.load(std::memory_order_relaxed);
      s.http.idle_server_connections = rt.idle_connections.load(std::memory_order_relaxed);
      ps.servers.push_back(std::move(s));
    }
    out.pools.push_back(std::move(ps));
  }
  for (const VirtualServiceSpec& vs : config_.virtual_services) {
    auto st = services_.find(vs.name);
    if (st == services_.end()) continue;
    const ServiceRuntime& rt = *st->second.runtime;
    VirtualServiceStatus s;
    s.name = vs.name;
    s.listeners = vs.listeners;
    s.reason = serviceDownReason(vs);
    s.up = s.reason.empty();
    s.active_connections = rt.active.load(std::memory_order_relaxed);
    s.total_connections = rt.total.load();
    s.refused_connections = rt.refused.load();
    s.connection_errors = rt.errors.load();
    s.idle_timeouts = rt.idle_timeouts.load();
    s.over_capacity = rt.over_capacity.load();
    s.mode = vs.mode;
    if (vs.mode == ServiceMode::kHttp) s.http = httpStats(rt.http);
    out.virtual_services.push_back(std::move(s));
  }
  EngineStatus& e = out.engine;
  e.fd_limit = fd_limit_.soft;
  e.fd_limit_hard = fd_limit_.hard;
  e.max_connections = shared_.max_connections;
  e.max_connections_per_virtual_service = shared_.max_connections_per_vs;
  for (const auto& [ep, st] : listeners_) {
    if (st.bound) e.listening_sockets += workers_.size();
  }
  e.listening_socket_budget = listen_budget_;
  e.active_connections = shared_.active.load(std::memory_order_relaxed);
  e.over_capacity = shared_.over_capacity.load();
  for (size_t i = 0; i < kLocalCauses; ++i) {
    const auto c = static_cast<LocalCause>(i);
    e.local_errors.emplace_back(toString(c), shared_.local_errors.count(c));
  }
  return out;
}

ProxyEngine::ProxyEngine(asio::io_context& control, Tuning tuning)
    : impl_(std::make_unique<Impl>(control, tuning)) {}

ProxyEngine::~ProxyEngine() = default;

std::vector<Error> ProxyEngine::apply(const ProxyConfig& config) { return impl_->apply(config); }

ProxyStatus ProxyEngine::status() const { return impl_->status(); }

}  // namespace floe::proxy
