// A standalone floe-se: loads and validates its config document, refuses to run on an invalid
// one or on a host that does not match its data_vnics, applies it through the agent, reloads
// on SIGHUP, refreshes its addresses' lifetimes, serves the control socket and withdraws
// everything it holds on SIGTERM/SIGINT.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include "config/document.h"
#include "net/netlink.h"
#include "proxy/engine.h"
#include "se/agent.h"
#include "se/control_server.h"

namespace floe::se {

// Exit codes (DESIGN.md "Command-line contract").
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitInvalidDocument = 2;
inline constexpr int kExitHostMismatch = 3;

struct RuntimeOptions {
  std::string name;
  std::filesystem::path configPath;
  std::filesystem::path runDir = "/run/floe";
  proxy::Tuning tuning;
};

std::filesystem::path socketPath(const std::filesystem::path& runDir, const std::string& name);

// Reads and decodes a config document file and computes this SE's desired state. On failure
// `errors` holds every "path: reason" line.
struct Loaded {
  config::Document document;
  std::optional<DesiredState> desired;
  config::Report report;
  std::vector<std::string> errors;
};
Loaded loadDocument(const std::filesystem::path& path, const std::string& engine);

// Sends the first announcement at once and paces the rest on the control loop, so a takeover
// of many on-link addresses never stalls the loop (which refreshes the address lifetimes).
class PacedGarpSender final : public GarpSender {
 public:
  explicit PacedGarpSender(asio::io_context& io) : io_(io) {}
  Status announce(const std::string& device, const IpAddress& ip) override;

 private:
  static constexpr int kRepeats = 2;  // after the first: 3 in all, 100 ms apart (RFC 5227 §2.3)
  asio::io_context& io_;
};

class Runtime {
 public:
  Runtime(asio::io_context& io, RuntimeOptions options, net::Netlink& netlink);
  ~Runtime();

  // Everything up to serving. Returns an exit code when it must not run (kExitOk: running).
  int start();

  // For --metrics; call on the control loop. What `floe-se status` prints, and the data
  // plane's counters.
  nlohmann::json status() { return handleCommand("status"); }
  proxy::ProxyStatus proxyStatus() const {
    return engine_ ? engine_->status() : proxy::ProxyStatus{};
  }

 private:
  void reload();
  void shutdown();
  void armRefresh();
  void waitSignals();
  nlohmann::json handleCommand(const std::string& command);
  std::vector<std::string> checkHostFor(const Loaded& loaded);

  asio::io_context& io_;
  RuntimeOptions options_;
  net::Netlink& netlink_;
  int lockFd_ = -1;
  std::unique_ptr<proxy::ProxyEngine> engine_;
  std::unique_ptr<ProxyDataPlane> dataPlane_;
  PacedGarpSender garp_;
  std::unique_ptr<Agent> agent_;
  std::unique_ptr<ControlServer> control_;
  asio::signal_set signals_;
  asio::steady_timer refreshTimer_;
  bool stopping_ = false;

  // What is running, for status.
  uint64_t generation_ = 0;
  std::string loadedAt_;
  nlohmann::json lastReload_;
  std::vector<std::string> notices_;
};

}  // namespace floe::se
