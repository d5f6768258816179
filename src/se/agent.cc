#include "se/agent.h"

#include <algorithm>
#include <cerrno>

#include "common/log.h"
#include "se/proxy_status.h"

namespace floe::se {

const char* toString(ObjectState s) {
  switch (s) {
    case ObjectState::kInstalled: return "INSTALLED";
    case ObjectState::kProbing: return "PROBING";
    case ObjectState::kWaiting: return "WAITING";
    case ObjectState::kConflict: return "CONFLICT";
    case ObjectState::kRetrying: return "RETRYING";
    case ObjectState::kStandby: return "STANDBY";
  }
  return "?";
}

const char* toString(Role r) { return r == Role::kActive ? "ACTIVE" : "STANDBY"; }

namespace {

const net::Link* findLink(const std::vector<net::Link>& links, const std::string& name) {
  for (const auto& l : links) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

// As the kernel compares addresses: IPv4 by address and prefix length on a device, IPv6 by
// address. Across devices an address is "the same" when its IP is (for conflicts).
bool sameIp(const net::ObservedAddress& o, const net::Address& a) {
  return o.address.prefix.address() == a.prefix.address();
}

bool sameSlot(const net::Route& a, const net::Route& b) {
  return a.destination == b.destination && a.table == b.table;
}

// floe's observed route is the desired one: same slot and gateway, and device when asked.
bool isDesired(const net::ObservedRoute& o, const net::Route& want) {
  if (!sameSlot(o.route, want) || o.route.gateway != want.gateway) return false;
  return !want.device || o.route.device == want.device;
}

std::string describe(const net::ObservedRoute& o) {
  std::string s = o.route.destination.toString();
  if (o.route.gateway) s += " via " + o.route.gateway->toString();
  if (o.route.device) s += " dev " + *o.route.device;
  s += " metric " + std::to_string(o.metric);
  return s;
}

}  // namespace

Agent::Agent(net::Netlink& netlink, DataPlane& dataPlane, GarpSender& garp,
             LifetimeKeeper& keeper, const Clock& clock, AddressProber* prober,
             AgentOptions options)
    : netlink_(netlink),
      dataPlane_(dataPlane),
      garp_(garp),
      keeper_(keeper),
      clock_(clock),
      prober_(prober),
      options_(options) {}

Result<std::vector<std::string>> Agent::removeLeftovers() {
  std::vector<std::string> removed;
  auto addresses = netlink_.ownedAddresses();
  if (!addresses) return addresses.error();
  for (const auto& a : *addresses) {
    if (auto st = netlink_.removeAddress(a); !st) return st.error();
    removed.push_back("address " + net::toString(a));
  }
  auto routes = netlink_.ownedRoutes();
  if (!routes) return routes.error();
  for (const auto& r : *routes) {
    if (auto st = netlink_.removeRoute(r); !st) return st.error();
    removed.push_back("route " + net::toString(r));
  }
  auto links = netlink_.links();
  if (!links) return links.error();
  if (findLink(*links, net::kLocalDevice) != nullptr) {
    if (auto st = netlink_.deleteLink(net::kLocalDevice); !st) return st.error();
    removed.push_back(std::string("device ") + net::kLocalDevice);
  }
  return removed;
}

net::Address Agent::withLifetime(net::Address a) const {
  a.lifetime_s = static_cast<uint32_t>(options_.addressLifetime.count());
  return a;
}

bool Agent::needsLocalDevice() const {
  return std::any_of(addresses_.begin(), addresses_.end(), [](const AddressRecord& r) {
    return r.held.address.device == net::kLocalDevice;
  });
}

void Agent::setState(ObjectStatus& s, ObjectState state, std::string reason,
                     const std::string& what) {
  if (s.state == state && s.reason == reason) return;
  const bool wasInstalled = s.state == ObjectState::kInstalled;
  s.state = state;
  s.reason = std::move(reason);
  s.since = clock_.wallNow();
  if (state == ObjectState::kInstalled) {
    logEvent(spdlog::level::info, "object_installed", {{"object", what}, {"state", "INSTALLED"}},
             fmt::format("{}: INSTALLED", what));
  } else {
    // Probing the link and standing by are normal steps; the other states need a look.
    const bool normal = state == ObjectState::kProbing || state == ObjectState::kStandby;
    logEvent(normal && !wasInstalled ? spdlog::level::info : spdlog::level::warn,
             wasInstalled ? "object_lost" : "object_state",
             {{"object", what}, {"state", toString(state)}, {"reason", s.reason}},
             wasInstalled
                 ? fmt::format("{}: was INSTALLED, now {}: {}", what, toString(state), s.reason)
                 : fmt::format("{}: {}: {}", what, toString(state), s.reason));
  }
}

void Agent::failed(int& failures, SteadyTime& nextAttempt) {
  ++failures;
  auto delay = options_.retryMin;
  for (int i = 1; i < failures && delay < options_.retryMax; ++i) delay *= 2;
  nextAttempt = clock_.now() + std::min(delay, options_.retryMax);
}

std::vector<std::string> Agent::apply(const DesiredState& desired) {
  std::vector<std::string> problems;
  desired_ = desired;
  ++generation_;
  // Data plane first: listeners bind with IP_FREEBIND, so they can exist before the VIPs; when
  // a service goes away its listeners close before its address does.
  proxyProblems_.clear();
  for (const auto& e : dataPlane_.apply(desired.proxy)) {
    proxyProblems_.push_back(e.message);
    problems.push_back("listener " + e.message);
  }

  // Records follow the desired objects; what stays keeps its history (state, since, backoff).
  std::vector<AddressRecord> addresses;
  for (const auto& d : desired.addresses) {
    auto old = std::find_if(addresses_.begin(), addresses_.end(), [&](const AddressRecord& r) {
      return r.held.address.prefix == d.address.prefix && r.held.address.device == d.address.device;
    });
    AddressRecord r = old != addresses_.end() ? *old : AddressRecord{};
    if (old == addresses_.end()) {
      r.status = {ObjectState::kRetrying, "not yet added", clock_.wallNow()};
    }
    r.held = d;
    r.probing = false;  // an answer to a probe of an earlier generation is dropped
    addresses.push_back(std::move(r));
  }
  addresses_ = std::move(addresses);

  std::vector<RouteRecord> routes;
  for (const auto& d : desired.routes) {
    auto old = std::find_if(routes_.begin(), routes_.end(),
                            [&](const RouteRecord& r) { return r.route == d; });
    RouteRecord r = old != routes_.end() ? *old : RouteRecord{};
    if (old == routes_.end()) r.status = {ObjectState::kRetrying, "not yet added", clock_.wallNow()};
    r.route = d;
    routes.push_back(std::move(r));
  }
  routes_ = std::move(routes);

  (void)reconcile();
  return problems;
}

Result<Agent::Observed> Agent::observe() {
  Observed seen;
  auto links = netlink_.links();
  if (!links) return links.error();
  seen.links = std::move(*links);
  auto addresses = netlink_.addresses();
  if (!addresses) return addresses.error();
  seen.addresses = std::move(*addresses);
  auto routes = netlink_.routes();
  if (!routes) return routes.error();
  seen.routes = std::move(*routes);
  return seen;
}

void Agent::setRole(Role role, bool claimAtOnce) {
  if (role != role_) {
    logEvent(spdlog::level::info, "agent_role", {{"from", toString(role_)}, {"to", toString(role)}},
             fmt::format("role: {} -> {}", toString(role_), toString(role)));
  }
  role_ = role;
  claimAtOnce_ = role == Role::kActive && claimAtOnce;
  if (role == Role::kStandby) {
    // Stop refreshing before removing, so no refresh brings one back.
    keeper_.keep({});
    for (auto& r : addresses_) {
      r.probing = false;
      r.probed = false;
    }
  }
  (void)reconcile();
}

bool Agent::holds(const std::string& device, const IpAddress& ip) const {
  if (role_ != Role::kActive) return false;
  return std::any_of(addresses_.begin(), addresses_.end(), [&](const AddressRecord& r) {
    return r.status.state == ObjectState::kInstalled && r.held.address.device == device &&
           r.held.address.prefix.address() == ip;
  });
}

void Agent::announce() {
  for (const auto& r : addresses_) {
    if (r.status.state != ObjectState::kInstalled || !r.held.onInterface) continue;
    if (auto g = garp_.announce(r.held.address.device, r.held.address.prefix.address()); !g) {
      spdlog::warn("announce {}: {}", net::toString(r.held.address), g.error().message);
    }
  }
}

std::pair<uint8_t, uint8_t> Agent::interfaceHealth() const {
  std::vector<std::string> devices;
  for (const auto& r : addresses_) {
    if (r.held.onInterface &&
        std::find(devices.begin(), devices.end(), r.held.address.device) == devices.end()) {
      devices.push_back(r.held.address.device);
    }
  }
  uint8_t up = 0;
  for (const auto& d : devices) {
    const net::Link* l = findLink(lastLinks_, d);
    if (l != nullptr && l->carrier) ++up;
  }
  return {up, static_cast<uint8_t>(devices.size())};
}

std::optional<SteadyTime> Agent::reconcile() {
  auto seen = observe();
  if (!seen) {
    spdlog::warn("reconcile: cannot read the kernel's state: {}; retrying",
                 seen.error().message);
    return clock_.now() + options_.retryMin;
  }
  std::optional<SteadyTime> retryAt;
  lastLinks_ = seen->links;
  if (reconcileLocalDevice(*seen)) {
    // floe0 was just created or set up: its addresses need a fresh view of the links.
    if (auto links = netlink_.links()) seen->links = std::move(*links);
  }
  reconcileAddresses(*seen, retryAt);
  reconcileRoutes(*seen, retryAt);
  keeper_.keep(installedAddresses());
  return retryAt;
}

bool Agent::reconcileLocalDevice(const Observed& seen) {
  const net::Link* local = findLink(seen.links, net::kLocalDevice);
  if (!needsLocalDevice()) {
    if (local != nullptr && localDevice_) {
      if (auto st = netlink_.deleteLink(net::kLocalDevice); st) {
        localDevice_ = false;
      } else {
        spdlog::warn("delete {}: {}", net::kLocalDevice, st.error().message);
      }
    }
    return false;
  }
  if (local != nullptr && local->up) return false;
  if (local == nullptr && localDevice_) {
    spdlog::warn("device {} vanished (deleted behind floe's back); creating it again",
                 net::kLocalDevice);
  }
  if (auto st = netlink_.ensureLocalDevice(net::kLocalDevice); !st) {
    spdlog::warn("create {}: {}", net::kLocalDevice, st.error().message);
    return false;
  }
  localDevice_ = true;
  return true;
}

void Agent::reconcileAddresses(const Observed& seen, std::optional<SteadyTime>& retryAt) {
  // floe's addresses that nothing wants any more go (a virtual service removed by a reload),
  // once the refresher has let go of them.
  keeper_.keep(installedAddresses());
  for (const auto& o : seen.addresses) {
    if (!o.owned) continue;
    const bool wanted =
        role_ == Role::kActive &&
        std::any_of(addresses_.begin(), addresses_.end(), [&](const AddressRecord& r) {
          return r.held.address.device == o.address.device && sameIp(o, r.held.address);
        });
    if (wanted) continue;
    if (auto st = netlink_.removeAddress(o.address); !st) {
      spdlog::warn("remove address {}: {}", net::toString(o.address), st.error().message);
    } else {
      spdlog::info("released {}", net::toString(o.address));
    }
  }
  for (auto& r : addresses_) {
    reconcileAddress(r, seen);
    if (r.status.state != ObjectState::kInstalled && r.status.state != ObjectState::kStandby &&
        !r.probing) {
      const SteadyTime due = std::max(r.nextAttempt, clock_.now() + options_.retryMin);
      if (!retryAt || due < *retryAt) retryAt = due;
    }
  }
}

void Agent::reconcileAddress(AddressRecord& r, const Observed& seen) {
  const net::Address& want = r.held.address;
  const std::string what = std::string(toString(r.held.role)) + " " + net::toString(want) + " (" +
                           r.held.owner + ")";
  if (role_ == Role::kStandby) {
    // Removed above with every other floe address; the active SE holds it.
    setState(r.status, ObjectState::kStandby, "this SE is standby; the active SE holds it",
             what);
    return;
  }
  const net::ObservedAddress* mine = nullptr;
  const net::ObservedAddress* other = nullptr;
  for (const auto& o : seen.addresses) {
    if (!sameIp(o, want)) continue;
    if (o.owned && o.address.device == want.device) {
      mine = &o;
    } else if (!o.owned) {
      other = &o;
    }
  }
  const net::Link* link = findLink(seen.links, want.device);
  if (mine != nullptr && !mine->dadFailed) {
    r.failures = 0;
    r.everHeld = true;
    if (link != nullptr && !link->up) {
      // The kernel keeps addresses on a link that is down, but nobody can reach them there:
      // not refreshed, so it expires unless the link comes back first.
      setState(r.status, ObjectState::kWaiting,
               "interface " + want.device + " is down (the kernel still holds the address)",
               what);
      return;
    }
    setState(r.status, ObjectState::kInstalled, "", what);
    return;
  }
  if (other != nullptr) {
    setState(r.status, ObjectState::kConflict,
             other->address.prefix.toString() + " is on " + other->address.device +
                 " and is not floe's (added by someone else); floe leaves it alone: remove it "
                 "from the host or from the configuration",
             what);
    return;
  }
  if (r.status.state == ObjectState::kInstalled) {
    spdlog::warn("{} vanished from the kernel (held since {}); putting it back", what,
                 formatUtc(r.status.since));
  }
  if (link == nullptr || !link->up) {
    setState(r.status, ObjectState::kWaiting,
             "waiting for interface " + want.device +
                 (link == nullptr ? " (not present)" : " (down)"),
             what);
    return;
  }
  if (r.probing) return;
  if (clock_.now() < r.nextAttempt) return;
  // Claim at once what this SE held in this run (it vanished; nobody else holds it, as the
  // dump shows); ask the link first before claiming an on-link address for the first time.
  if (r.held.onInterface && !r.everHeld && !r.probed && !claimAtOnce_ && prober_ != nullptr) {
    startProbe(r);
    return;
  }
  if (auto st = netlink_.addAddress(withLifetime(want)); !st) {
    const int code = st.error().code;
    failed(r.failures, r.nextAttempt);
    if (code == ENODEV) {
      setState(r.status, ObjectState::kWaiting, "waiting for interface " + want.device, what);
    } else if (code == EEXIST) {
      setState(r.status, ObjectState::kConflict, st.error().message, what);
    } else {
      setState(r.status, ObjectState::kRetrying, st.error().message, what);
    }
    return;
  }
  r.failures = 0;
  r.everHeld = true;
  setState(r.status, ObjectState::kInstalled, "", what);
  if (r.held.onInterface) {
    if (auto g = garp_.announce(want.device, want.prefix.address()); !g) {
      spdlog::warn("announce {}: {}", net::toString(want), g.error().message);
    }
  }
}

void Agent::startProbe(AddressRecord& r) {
  r.probing = true;
  const std::string what = std::string(toString(r.held.role)) + " " +
                           net::toString(r.held.address) + " (" + r.held.owner + ")";
  setState(r.status, ObjectState::kProbing,
           "asking " + r.held.address.device + " whether another host uses " +
               r.held.address.prefix.address().toString(),
           what);
  const uint64_t generation = generation_;
  const net::Address address = r.held.address;
  prober_->probe(address.device, address.prefix.address(),
                 [this, generation, address, what](std::optional<std::string> holder) {
                   if (generation != generation_) return;
                   auto it = std::find_if(addresses_.begin(), addresses_.end(),
                                          [&](const AddressRecord& x) {
                                            return x.held.address == address && x.probing;
                                          });
                   if (it == addresses_.end()) return;
                   it->probing = false;
                   if (holder) {
                     it->probed = false;
                     it->nextAttempt = clock_.now() + options_.conflictRetry;
                     setState(it->status, ObjectState::kConflict,
                              address.prefix.address().toString() +
                                  " is in use by another host on " + address.device + " (" +
                                  *holder + "); not claimed, asked again in " +
                                  std::to_string(options_.conflictRetry.count() / 1000) + " s",
                              what);
                   } else {
                     it->probed = true;
                   }
                 });
}

void Agent::reconcileRoutes(const Observed& seen, std::optional<SteadyTime>& retryAt) {
  for (const auto& o : seen.routes) {
    if (!o.owned()) continue;
    const bool wanted = std::any_of(routes_.begin(), routes_.end(),
                                    [&](const RouteRecord& r) { return isDesired(o, r.route); });
    if (wanted) continue;
    if (auto st = netlink_.removeRoute(o.route); !st) {
      spdlog::warn("remove route {}: {}", net::toString(o.route), st.error().message);
    } else {
      spdlog::info("removed route {}", net::toString(o.route));
    }
  }
  for (auto& r : routes_) {
    reconcileRoute(r, seen);
    if (r.status.state != ObjectState::kInstalled) {
      const SteadyTime due = std::max(r.nextAttempt, clock_.now() + options_.retryMin);
      if (!retryAt || due < *retryAt) retryAt = due;
    }
  }
}

void Agent::reconcileRoute(RouteRecord& r, const Observed& seen) {
  const std::string what = "route " + net::toString(r.route);
  const net::ObservedRoute* mine = nullptr;
  const net::ObservedRoute* sameMetric = nullptr;
  std::string shadows;
  for (const auto& o : seen.routes) {
    if (!sameSlot(o.route, r.route)) continue;
    if (o.owned()) {
      if (isDesired(o, r.route)) mine = &o;
      continue;
    }
    // floe's routes have metric 0: a host route to the same prefix with a higher metric loses
    // to floe's (it is shadowed); one with metric 0 blocks floe's (a conflict).
    if (o.metric == 0) {
      sameMetric = &o;
    } else {
      if (!shadows.empty()) shadows += "; ";
      shadows += "shadows the host's route " + describe(o) + " (floe's metric 0 wins)";
    }
  }
  if (shadows != r.shadows) {
    if (!shadows.empty()) spdlog::warn("{}: {}", what, shadows);
    r.shadows = shadows;
  }
  if (mine != nullptr) {
    r.failures = 0;
    setState(r.status, ObjectState::kInstalled, "", what);
    return;
  }
  if (sameMetric != nullptr) {
    setState(r.status, ObjectState::kConflict,
             "a route " + describe(*sameMetric) +
                 " exists already and is not floe's; it was left alone",
             what);
    return;
  }
  if (r.status.state == ObjectState::kInstalled) {
    spdlog::warn("{} vanished from the kernel (installed since {}); putting it back", what,
                 formatUtc(r.status.since));
  }
  if (r.route.device) {
    const net::Link* link = findLink(seen.links, *r.route.device);
    if (link == nullptr || !link->up) {
      setState(r.status, ObjectState::kWaiting,
               "waiting for interface " + *r.route.device +
                   (link == nullptr ? " (not present)" : " (down)"),
               what);
      return;
    }
  }
  if (clock_.now() < r.nextAttempt) return;
  if (auto st = netlink_.addRoute(r.route); !st) {
    const int code = st.error().code;
    failed(r.failures, r.nextAttempt);
    if (code == ENETUNREACH || code == ENODEV || code == ENETDOWN) {
      // The gateway's subnet is on no interface that is up (e.g. eth0 was set down: the
      // kernel flushed the route and refuses it until the link is back).
      setState(r.status, ObjectState::kWaiting,
               "waiting for an interface that is up toward " +
                   (r.route.gateway ? r.route.gateway->toString() : std::string("the gateway")) +
                   ": " + st.error().message,
               what);
    } else if (code == EEXIST) {
      setState(r.status, ObjectState::kConflict, st.error().message, what);
    } else {
      setState(r.status, ObjectState::kRetrying, st.error().message, what);
    }
    return;
  }
  r.failures = 0;
  setState(r.status, ObjectState::kInstalled, "", what);
}

std::vector<net::Address> Agent::installedAddresses() const {
  std::vector<net::Address> out;
  for (const auto& r : addresses_) {
    if (r.status.state == ObjectState::kInstalled) out.push_back(withLifetime(r.held.address));
  }
  return out;
}

void Agent::withdrawAll() {
  DesiredState empty;
  empty.engine = desired_.engine;
  empty.group = desired_.group;
  for (const auto& p : apply(empty)) spdlog::warn("withdraw: {}", p);
  if (localDevice_) {
    if (auto st = netlink_.deleteLink(net::kLocalDevice); !st) {
      spdlog::warn("delete {}: {}", net::kLocalDevice, st.error().message);
    }
    localDevice_ = false;
  }
}

Agent::ServiceState Agent::serviceState(const proxy::VirtualServiceStatus& vs) const {
  if (role_ == Role::kStandby) {
    return {"STANDBY",
            "this SE is standby: the active SE of the group serves it; listeners stay open for "
            "a takeover"};
  }
  // A virtual service is only as up as the addresses it needs: a VIP or SNAT IP that the
  // kernel does not hold makes it DOWN, whatever the proxy says.
  auto addressProblem = [&](const IpAddress& ip, const char* kind) -> std::string {
    for (const auto& r : addresses_) {
      if (r.held.address.prefix.address() != ip) continue;
      if (r.status.state == ObjectState::kInstalled) return "";
      return std::string(kind) + " " + ip.toString() + " is not held: " +
             toString(r.status.state) + ", " + r.status.reason;
    }
    return "";
  };
  bool up = vs.up;
  std::string reason = vs.reason;
  for (const auto& spec : desired_.proxy.virtual_services) {
    if (spec.name != vs.name) continue;
    std::vector<IpAddress> vips;
    for (const auto& l : spec.listeners) {
      if (std::find(vips.begin(), vips.end(), l.ip) == vips.end()) vips.push_back(l.ip);
    }
    std::string problem;
    for (const auto& ip : vips) {
      if (problem.empty()) problem = addressProblem(ip, "VIP");
    }
    for (const auto& ip : spec.snat_ips) {
      if (problem.empty()) problem = addressProblem(ip, "SNAT IP");
    }
    if (!problem.empty()) {
      up = false;
      reason = reason.empty() ? problem : problem + "; " + reason;
    }
  }
  return {up ? "UP" : "DOWN", reason};
}

void Agent::logServiceChanges() {
  std::map<std::string, ServiceState> now;
  for (const auto& vs : dataPlane_.status().virtual_services) now[vs.name] = serviceState(vs);
  for (const auto& [name, st] : now) {
    auto old = loggedServices_.find(name);
    if (old != loggedServices_.end() && old->second.state == st.state) continue;
    // Down after having been up (or standby) is a warning; a service that starts DOWN while
    // its first health checks run is not.
    const bool down = st.state == "DOWN" && old != loggedServices_.end();
    logEvent(down ? spdlog::level::warn : spdlog::level::info,
             st.state == "DOWN" ? "virtualservice_down" : (st.state == "UP" ? "virtualservice_up"
                                                              : "virtualservice_standby"),
             {{"virtualservice", name},
              {"state", st.state},
              {"previous", old == loggedServices_.end() ? "" : old->second.state},
              {"reason", st.reason}},
             st.reason.empty() ? fmt::format("virtual service {} {}", name, st.state)
                               : fmt::format("virtual service {} {}: {}", name, st.state,
                                             st.reason));
  }
  for (const auto& [name, st] : loggedServices_) {
    if (now.count(name) == 0) {
      logEvent(spdlog::level::info, "virtualservice_removed",
               {{"virtualservice", name}, {"previous", st.state}},
               fmt::format("virtual service {} removed", name));
    }
  }
  loggedServices_ = std::move(now);
}

nlohmann::json Agent::status() const {
  using nlohmann::json;
  json j;
  j["name"] = desired_.engine;
  j["se_group"] = desired_.group;
  j["ha_state"] = toString(role_);

  const auto proxy = dataPlane_.status();
  json vss = json::array();
  for (const auto& vs : proxy.virtual_services) {
    json listeners = json::array();
    for (const auto& l : vs.listeners) listeners.push_back(formatEndpoint(l.ip, l.port));
    const ServiceState st = serviceState(vs);
    json entry = {{"name", vs.name},
                  {"state", st.state},
                  {"reason", st.reason},
                  {"listeners", listeners},
                  {"active_connections", vs.active_connections},
                  {"total_connections", vs.total_connections},
                  {"refused_connections", vs.refused_connections}};
    if (role_ != Role::kStandby) entry["over_capacity"] = vs.over_capacity;
    vss.push_back(std::move(entry));
  }
  j["virtualservices"] = vss;
  j["data_plane"] = dataPlaneStatus(proxy.engine);

  json pools = json::array();
  for (const auto& p : proxy.pools) {
    json servers = json::array();
    for (const auto& s : p.servers) {
      servers.push_back({{"ip", s.ip.toString()},
                         {"port", s.port},
                         {"state", proxy::toString(s.state)},
                         {"reason", s.reason},
                         {"active_connections", s.active_connections},
                         {"total_connections", s.total_connections},
                         {"connect_failures", s.connect_failures},
                         {"bytes_in", s.bytes_in},
                         {"bytes_out", s.bytes_out},
                         {"return_paths", returnPathsStatus(s.return_paths)}});
    }
    pools.push_back({{"name", p.name}, {"servers", servers}});
  }
  j["pools"] = pools;

  json addresses = json::array();
  for (const auto& a : addresses_) {
    addresses.push_back({{"address", a.held.address.prefix.toString()},
                         {"device", a.held.address.device},
                         {"role", toString(a.held.role)},
                         {"owner", a.held.owner},
                         {"state", toString(a.status.state)},
                         {"reason", a.status.reason},
                         {"since", formatUtc(a.status.since)}});
  }
  j["addresses"] = addresses;

  json routes = json::array();
  for (const auto& r : routes_) {
    json route = {{"prefix", r.route.destination.toString()},
                  {"state", toString(r.status.state)},
                  {"reason", r.status.reason},
                  {"since", formatUtc(r.status.since)}};
    if (r.route.gateway) route["next_hop"] = r.route.gateway->toString();
    if (r.route.device) route["device"] = *r.route.device;
    if (!r.shadows.empty()) route["shadows"] = r.shadows;
    routes.push_back(route);
  }
  j["routes"] = routes;
  j["bgp_peers"] = json::array();
  j["notices"] = desired_.notices;
  return j;
}

}  // namespace floe::se
