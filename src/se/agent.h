// The agent converges what the kernel holds toward a DesiredState, level-triggered: every pass
// observes the kernel afresh (one dump each of links, addresses and routes) and acts on the
// difference; it never trusts its own record of what it did last (STYLE.md "Reconcile against
// what is observed"). Passes run on every relevant netlink notification, on a periodic timer,
// after each apply and before each status; an object that fails is retried with backoff.
// It owns only what it added (floe's tag), and reports per object what the kernel holds now.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
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

// Announces an address the SE has just claimed: gratuitous ARP (IPv4, RFC 5227 §3) or
// unsolicited Neighbor Advertisements (IPv6, RFC 4861 §7.2.6).
class GarpSender {
 public:
  virtual ~GarpSender() = default;
  virtual Status announce(const std::string& device, const IpAddress& ip) = 0;
};

// Asks the link whether another host already uses an address before the SE claims it:
// RFC 5227 §2.1.1 ARP probes for IPv4, RFC 4862 §5.4 duplicate address detection (a Neighbor
// Solicitation from the unspecified address) for IPv6. Asynchronous: `done` runs later on the
// agent's thread with nullopt (nobody answered) or a description of the holder
// ("answered by 02:00:00:00:00:07").
class AddressProber {
 public:
  virtual ~AddressProber() = default;
  using Done = std::function<void(std::optional<std::string> holder)>;
  virtual void probe(const std::string& device, const IpAddress& ip, Done done) = 0;
};

// Whoever restarts the lifetimes of the addresses the agent holds (AddressRefresher on the
// time-critical loop). The agent calls keep() after every pass with what it holds, and before it
// removes an address with the set that leaves that one out.
class LifetimeKeeper {
 public:
  virtual ~LifetimeKeeper() = default;
  virtual void keep(std::vector<net::Address> addresses) = 0;  // lifetime_s filled in
};

// What the agent knows of one object it must hold, as last observed. Names are the status
// strings ("INSTALLED", ...).
enum class ObjectState {
  kInstalled,  // the kernel holds it, tagged as floe's
  kProbing,    // asking the link whether another host uses the address (RFC 5227 / DAD)
  kWaiting,    // its interface is missing or down; retried when it appears
  kConflict,   // someone else holds it (an address or route floe did not add); left alone
  kRetrying,   // the kernel refused it; retried with backoff
  kStandby,    // not held on purpose: this SE is the standby of a legacy HA pair
};

// The SE's part in its group (DESIGN.md "HA, addresses and ARP"): the active SE holds the
// floating IPs, VIPs and SNAT IPs; the standby holds none of them, but keeps its listeners
// (IP_FREEBIND), health monitors and static routes, so a takeover is only adding addresses.
enum class Role { kActive, kStandby };
const char* toString(Role);  // "ACTIVE", "STANDBY"
const char* toString(ObjectState);

struct ObjectStatus {
  ObjectState state = ObjectState::kRetrying;
  std::string reason;  // empty when kInstalled
  WallTime since{};    // when `state` last changed
};

struct AgentOptions {
  // Lifetime of the active role's addresses. The time-critical loop refreshes them every
  // second (AddressRefresher), so a floe-se that dies or hangs stops answering for them after
  // this long (DESIGN.md "HA, addresses and ARP").
  std::chrono::seconds addressLifetime{6};
  // Backoff after the kernel refuses an object: first retry after `retryMin`, doubling up to
  // `retryMax`.
  std::chrono::milliseconds retryMin{250};
  std::chrono::milliseconds retryMax{30'000};
  // A probe that found another holder is repeated after this long (the holder may go away).
  std::chrono::milliseconds conflictRetry{30'000};
};

class Agent {
 public:
  // `prober` may be null: addresses are then claimed without asking the link first. After a
  // probe completes the owner schedules a pass (the prober's callback runs on its thread).
  Agent(net::Netlink& netlink, DataPlane& dataPlane, GarpSender& garp, LifetimeKeeper& keeper,
        const Clock& clock, AddressProber* prober = nullptr, AgentOptions options = {});

  // Removes what an earlier run of floe left behind (it crashed or was killed): every address
  // and route carrying floe's tag, and floe0. Returns what it removed, for the log.
  Result<std::vector<std::string>> removeLeftovers();

  // Takes `desired` as the state to converge to: applies its data-plane config, then runs a
  // pass. Returns problems worth logging (a listener that could not bind); per-object problems
  // are in status().
  std::vector<std::string> apply(const DesiredState& desired);

  // One pass: observe the kernel, converge. Returns when the next pass is due for a retry
  // (nullopt: nothing is waiting on a timer; notifications and the periodic pass cover the rest).
  std::optional<SteadyTime> reconcile();

  // Takes the role, then runs a pass. kStandby removes every address of the active role
  // (the refresher lets go of them first). kActive with `claimAtOnce` (a takeover from a dead or
  // departing peer, which held them a moment ago) adds them without probing the link first;
  // without it (no SE of the group held them) on-link addresses are probed as at start.
  void setRole(Role role, bool claimAtOnce);
  Role role() const { return role_; }
  // This SE is active and the kernel holds `ip` on `device` for it (as of the last pass).
  bool holds(const std::string& device, const IpAddress& ip) const;
  // Announces every installed on-link address again (gratuitous ARP / unsolicited NA): an
  // active SE that keeps its role against another active one re-claims its neighbours' caches.
  void announce();
  // Carrier of the interfaces that hold (or would hold) the active role's on-link addresses, as
  // last observed: {up, total}; degraded when up < total (HA hands over to a healthier peer).
  std::pair<uint8_t, uint8_t> interfaceHealth() const;

  // The addresses the kernel holds for floe now (state INSTALLED), with the lifetime to give
  // them: what the time-critical loop refreshes.
  std::vector<net::Address> installedAddresses() const;

  // Removes every address and route the agent holds, and floe0 if it created it.
  void withdrawAll();

  nlohmann::json status() const;

  // Logs an event for each virtual service whose state (UP, DOWN, STANDBY, as in status())
  // changed since the last call: virtualservice_up, virtualservice_down (with the reason),
  // virtualservice_standby, virtualservice_removed. The owner calls it after every pass and
  // every few hundred ms (a server going down changes a service's state between passes).
  void logServiceChanges();

 private:
  struct ServiceState {
    std::string state;  // "UP", "DOWN", "STANDBY"
    std::string reason;
  };
  ServiceState serviceState(const proxy::VirtualServiceStatus& vs) const;

  struct AddressRecord {
    HeldAddress held;
    ObjectStatus status;
    int failures = 0;
    SteadyTime nextAttempt{};
    bool probed = false;    // the link said nobody else uses it
    bool probing = false;   // a probe is under way
    bool everHeld = false;  // held in this run: claimed again at once if it vanishes
  };
  struct RouteRecord {
    net::Route route;
    ObjectStatus status;
    int failures = 0;
    SteadyTime nextAttempt{};
    std::string shadows;  // a host route to the same prefix this one shadows, or is shadowed by
  };
  struct Observed {
    std::vector<net::Link> links;
    std::vector<net::ObservedAddress> addresses;
    std::vector<net::ObservedRoute> routes;
  };

  Result<Observed> observe();
  bool reconcileLocalDevice(const Observed& seen);  // true: floe0 created or set up
  void reconcileAddresses(const Observed& seen, std::optional<SteadyTime>& retryAt);
  void reconcileAddress(AddressRecord& r, const Observed& seen);
  void reconcileRoutes(const Observed& seen, std::optional<SteadyTime>& retryAt);
  void reconcileRoute(RouteRecord& r, const Observed& seen);
  void startProbe(AddressRecord& r);
  void setState(ObjectStatus& s, ObjectState state, std::string reason, const std::string& what);
  void failed(int& failures, SteadyTime& nextAttempt);
  net::Address withLifetime(net::Address a) const;
  bool needsLocalDevice() const;

  net::Netlink& netlink_;
  DataPlane& dataPlane_;
  GarpSender& garp_;
  LifetimeKeeper& keeper_;
  const Clock& clock_;
  AddressProber* prober_;
  AgentOptions options_;

  DesiredState desired_;
  std::vector<AddressRecord> addresses_;
  std::vector<RouteRecord> routes_;
  std::vector<std::string> proxyProblems_;
  std::map<std::string, ServiceState> loggedServices_;  // by name, as logServiceChanges() saw it
  bool localDevice_ = false;  // floe created floe0 in this run
  Role role_ = Role::kActive;  // a group of one SE is always active (DESIGN.md rule 8)
  bool claimAtOnce_ = false;
  std::vector<net::Link> lastLinks_;  // the last pass's view, for interfaceHealth()
  // Bumped by apply(): a probe answer for an older generation's record is dropped.
  uint64_t generation_ = 0;
};

}  // namespace floe::se
