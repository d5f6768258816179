// Health monitoring of one server of one pool, on the control loop: one runner per monitor,
// each probing every interval (the first probe at once, the second jittered), feeding a
// HealthState; the server's state is the aggregate, published to the workers through
// ServerRuntime::state.
#pragma once

#include <asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/health_state.h"
#include "proxy/local_errors.h"
#include "proxy/pool.h"
#include "proxy/probe.h"

namespace floe::proxy {

// A monitor with millisecond timings (MonitorSpec has whole seconds, as Avi does).
struct MonitorDef {
  std::string name;
  MonitorType type = MonitorType::kTcp;
  std::chrono::milliseconds interval{10000};
  std::chrono::milliseconds timeout{4000};  // kept below interval
  uint32_t successful_checks = 2;
  uint32_t failed_checks = 2;
  std::optional<uint16_t> port;
  std::optional<HttpCheckSpec> http;  // type kHttp

  static MonitorDef from(const MonitorSpec& spec);
  bool operator==(const MonitorDef&) const = default;
};

struct Probers {
  Prober* tcp = nullptr;
  Prober* ping = nullptr;
  LocalErrors* local_errors = nullptr;  // where local probe failures are counted; may be null
  Prober* http = nullptr;               // HEALTH_MONITOR_HTTP; may be null when no monitor needs it
};

// A SNAT IP the server is also probed from, and the gateway the router needs for it.
struct ReturnPath {
  IpAddress snat_ip;
  std::optional<IpAddress> gateway;
  bool operator==(const ReturnPath&) const = default;
};

class ServerHealth {
 public:
  ServerHealth(asio::io_context& io, Probers probers, std::string pool,
               std::shared_ptr<ServerRuntime> runtime);
  ~ServerHealth();  // stops every monitor; no callback afterwards
  ServerHealth(const ServerHealth&) = delete;
  ServerHealth& operator=(const ServerHealth&) = delete;

  // (Re)configures. Monitors whose definition is unchanged keep their state and schedule;
  // a disabled server is not probed; a server without monitors is UP.
  //
  // `returnPaths`: each server is also probed, with the first TCP monitor's timings, from
  // these SNAT IPs (those of its family). Their results never change the server's state; a
  // probe that fails while the server is UP means the network has no route back to the SNAT
  // IP, which is logged (once per change) and shown by returnPaths().
  void configure(const ServerSpec& server, const std::vector<MonitorDef>& monitors,
                 const std::vector<ReturnPath>& returnPaths = {});
  std::vector<ReturnPathStatus> returnPaths() const;

  ServerState state() const { return runtime_->state.load(std::memory_order_relaxed); }
  const std::string& reason() const { return reason_; }
  const std::shared_ptr<ServerRuntime>& runtime() const { return runtime_; }

 private:
  class Runner;

  struct ReturnCheck {
    ReturnPath path;
    std::shared_ptr<Runner> runner;
    std::string state = "unknown";  // as ReturnPathStatus::state
    std::string detail;
    bool reported_failing = false;
  };

  void stopAll();
  void onResult(const Runner& cause);
  void onReturnResult(const Runner& runner, const ProbeResult& r);
  void reportReturnPaths();          // logs a change of any return path's "failing"
  bool interfaceChecksPass() const;  // UP, and every monitor's latest result a success
  std::string routerCommand(const ReturnPath& p) const;
  void recompute(const Runner* cause);
  void setState(ServerState next, const std::string& why);

  asio::io_context& io_;
  Probers probers_;
  std::string pool_;
  std::shared_ptr<ServerRuntime> runtime_;
  ServerSpec server_;
  std::vector<std::shared_ptr<Runner>> runners_;
  std::vector<ReturnCheck> return_checks_;
  std::string reason_;
  bool disabled_by_config_ = false;  // DISABLED because enabled: false (not maintenance)
};

}  // namespace floe::proxy
