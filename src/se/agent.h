// The agent reconciles a DesiredState onto the kernel (through net::Netlink) and the data
// plane. Idempotent and diff-based: applying the same state twice changes nothing; a new state
// touches only what differs. It owns only what it added.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/netlink.h"
#include "proxy/engine.h"
#include "se/desired_state.h"

namespace floe::se {

// The seam over proxy::ProxyEngine, so the agent is testable without sockets.
class DataPlane {
 public:
  virtual ~DataPlane() = default;
  virtual std::vector<Error> apply(const proxy::ProxyConfig& config) = 0;
  virtual proxy::ProxyStatus status() const = 0;
};

class ProxyDataPlane final : public DataPlane {
 public:
  explicit ProxyDataPlane(proxy::ProxyEngine& engine) : engine_(engine) {}
  std::vector<Error> apply(const proxy::ProxyConfig& config) override {
    return engine_.apply(config);
  }
  proxy::ProxyStatus status() const override { return engine_.status(); }

 private:
  proxy::ProxyEngine& engine_;
};

class GarpSender {
 public:
  virtual ~GarpSender() = default;
  virtual Status announce(const std::string& device, const IpAddress& ip) = 0;
};

class KernelGarpSender final : public GarpSender {
 public:
  Status announce(const std::string& device, const IpAddress& ip) override {
    return net::sendGratuitousArp(device, ip);
  }
};

struct AgentOptions {
  // Lifetime of the active role's addresses. The agent refreshes them every second, so a
  // floe-se that dies or hangs stops answering for them after this long (DESIGN.md).
  std::chrono::seconds addressLifetime{6};
};

class Agent {
 public:
  Agent(net::Netlink& netlink, DataPlane& dataPlane, GarpSender& garp, AgentOptions options = {});

  // Removes what an earlier run of floe left behind (it crashed or was killed): every address
  // and route carrying floe's tag, and floe0. Returns what it removed, for the log.
  Result<std::vector<std::string>> removeLeftovers();

  // Reconciles toward `desired`. Returns problems worth logging (a route that exists already
  // and is not floe's, a listener that could not bind); what could be applied is applied.
  std::vector<std::string> apply(const DesiredState& desired);

  // Re-adds every held address so its lifetime starts again. Call about once a second.
  void refresh();

  // Removes every address and route the agent holds, and floe0 if it created it.
  void withdrawAll();

  nlohmann::json status() const;

 private:
  struct AddressState {
    HeldAddress held;
    std::string state = "installed";  // or the error
  };
  struct RouteState {
    net::Route route;
    bool installed = false;
    std::string state;  // "installed" or why not
  };

  Status ensureLocalDevice();
  void reconcileAddresses(const std::vector<HeldAddress>& desired, std::vector<std::string>& problems);
  void reconcileRoutes(const std::vector<net::Route>& desired, std::vector<std::string>& problems);
  net::Address withLifetime(net::Address a) const;

  net::Netlink& netlink_;
  DataPlane& dataPlane_;
  GarpSender& garp_;
  AgentOptions options_;

  DesiredState desired_;
  std::vector<AddressState> addresses_;
  std::vector<RouteState> routes_;
  std::vector<std::string> proxyProblems_;
  bool localDevice_ = false;
};

}  // namespace floe::se
