#include "se/agent.h"

#include <algorithm>
#include <cerrno>

#include "common/log.h"
#include "se/proxy_status.h"

namespace floe::se {

namespace {

bool sameAddress(const net::Address& a, const net::Address& b) {
  return a.prefix == b.prefix && a.device == b.device;
}

}  // namespace

Agent::Agent(net::Netlink& netlink, DataPlane& dataPlane, GarpSender& garp, AgentOptions options)
    : netlink_(netlink), dataPlane_(dataPlane), garp_(garp), options_(options) {}

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
  const bool hasLocal = std::any_of(links->begin(), links->end(),
                                    [](const net::Link& l) { return l.name == net::kLocalDevice; });
  if (hasLocal) {
    if (auto st = netlink_.deleteLink(net::kLocalDevice); !st) return st.error();
    removed.push_back(std::string("device ") + net::kLocalDevice);
  }
  return removed;
}

net::Address Agent::withLifetime(net::Address a) const {
  a.lifetime_s = static_cast<uint32_t>(options_.addressLifetime.count());
  return a;
}

Status Agent::ensureLocalDevice() {
  if (localDevice_) return {};
  if (auto st = netlink_.ensureLocalDevice(net::kLocalDevice); !st) return st;
  localDevice_ = true;
  return {};
}

std::vector<std::string> Agent::apply(const DesiredState& desired) {
  std::vector<std::string> problems;
  desired_ = desired;
  // Data plane first: listeners bind with IP_FREEBIND, so they can exist before the VIPs; when
  // a service goes away its listeners close before its address does.
  proxyProblems_.clear();
  for (const auto& e : dataPlane_.apply(desired.proxy)) {
    proxyProblems_.push_back(e.message);
    problems.push_back("listener " + e.message);
  }
  reconcileAddresses(desired.addresses, problems);
  reconcileRoutes(desired.routes, problems);
  return problems;
}

void Agent::reconcileAddresses(const std::vector<HeldAddress>& desired,
                               std::vector<std::string>& problems) {
  // Remove what is no longer wanted.
  for (auto it = addresses_.begin(); it != addresses_.end();) {
    const bool wanted = std::any_of(desired.begin(), desired.end(), [&](const HeldAddress& d) {
      return sameAddress(d.address, it->held.address);
    });
    if (wanted) {
      ++it;
      continue;
    }
    if (auto st = netlink_.removeAddress(it->held.address); !st) {
      problems.push_back("remove address " + net::toString(it->held.address) + ": " +
                         st.error().message);
    } else {
      spdlog::info("released {} {} ({})", toString(it->held.role), net::toString(it->held.address),
                   it->held.owner);
    }
    it = addresses_.erase(it);
  }

  const bool needLocal = std::any_of(desired.begin(), desired.end(), [](const HeldAddress& d) {
    return d.address.device == net::kLocalDevice;
  });
  if (needLocal) {
    if (auto st = ensureLocalDevice(); !st) {
      problems.push_back(std::string("create ") + net::kLocalDevice + ": " + st.error().message);
    }
  }

  for (const auto& d : desired) {
    auto held = std::find_if(addresses_.begin(), addresses_.end(), [&](const AddressState& s) {
      return sameAddress(s.held.address, d.address);
    });
    if (held != addresses_.end() && held->state == "installed") {
      held->held = d;  // role/owner may have changed
      continue;
    }
    AddressState state{d, "installed"};
    if (auto st = netlink_.addAddress(withLifetime(d.address)); !st) {
      state.state = st.error().message;
      problems.push_back("add address " + net::toString(d.address) + ": " + st.error().message);
    } else {
      spdlog::info("holding {} {} ({})", toString(d.role), net::toString(d.address), d.owner);
      if (d.onInterface && d.address.prefix.address().isV4()) {
        if (auto g = garp_.announce(d.address.device, d.address.prefix.address()); !g) {
          spdlog::warn("gratuitous ARP for {}: {}", net::toString(d.address), g.error().message);
        }
      }
    }
    if (held != addresses_.end()) {
      *held = state;
    } else {
      addresses_.push_back(state);
    }
  }

  if (!needLocal && localDevice_) {
    if (auto st = netlink_.deleteLink(net::kLocalDevice); st) localDevice_ = false;
  }
}

void Agent::reconcileRoutes(const std::vector<net::Route>& desired,
                            std::vector<std::string>& problems) {
  for (auto it = routes_.begin(); it != routes_.end();) {
    if (std::find(desired.begin(), desired.end(), it->route) != desired.end()) {
      ++it;
      continue;
    }
    if (it->installed) {
      if (auto st = netlink_.removeRoute(it->route); !st) {
        problems.push_back("remove route " + net::toString(it->route) + ": " + st.error().message);
      } else {
        spdlog::info("removed route {}", net::toString(it->route));
      }
    }
    it = routes_.erase(it);
  }
  for (const auto& r : desired) {
    auto held = std::find_if(routes_.begin(), routes_.end(),
                             [&](const RouteState& s) { return s.route == r; });
    if (held != routes_.end() && held->installed) continue;
    RouteState state{r, false, ""};
    if (auto st = netlink_.addRoute(r); !st) {
      // A route that exists already belongs to someone else: reported, never replaced.
      state.state = st.error().code == EEXIST
                        ? "not installed: a route to " + r.destination.toString() +
                              " exists already and is not floe's; it was left alone"
                        : "not installed: " + st.error().message;
      problems.push_back("route " + net::toString(r) + ": " + state.state);
    } else {
      state.installed = true;
      state.state = "installed";
      spdlog::info("installed route {}", net::toString(r));
    }
    if (held != routes_.end()) {
      *held = state;
    } else {
      routes_.push_back(state);
    }
  }
}

void Agent::refresh() {
  for (auto& s : addresses_) {
    if (s.state != "installed") continue;
    if (auto st = netlink_.addAddress(withLifetime(s.held.address)); !st) {
      spdlog::warn("refresh address {}: {}", net::toString(s.held.address), st.error().message);
      s.state = st.error().message;
    }
  }
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

nlohmann::json Agent::status() const {
  using nlohmann::json;
  json j;
  j["name"] = desired_.engine;
  j["se_group"] = desired_.group;
  j["ha_state"] = "ACTIVE";  // a group of one SE is always active (DESIGN.md rule 8)

  const auto proxy = dataPlane_.status();
  json vss = json::array();
  for (const auto& vs : proxy.virtual_services) {
    json listeners = json::array();
    for (const auto& l : vs.listeners) listeners.push_back(formatEndpoint(l.ip, l.port));
    vss.push_back({{"name", vs.name},
                   {"state", vs.up ? "UP" : "DOWN"},
                   {"reason", vs.reason},
                   {"listeners", listeners},
                   {"active_connections", vs.active_connections},
                   {"total_connections", vs.total_connections},
                   {"refused_connections", vs.refused_connections},
                   {"over_capacity", vs.over_capacity}});
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
                         {"state", a.state}});
  }
  j["addresses"] = addresses;

  json routes = json::array();
  for (const auto& r : routes_) {
    json route = {{"prefix", r.route.destination.toString()}, {"state", r.state}};
    if (r.route.gateway) route["next_hop"] = r.route.gateway->toString();
    if (r.route.device) route["device"] = *r.route.device;
    routes.push_back(route);
  }
  j["routes"] = routes;
  j["bgp_peers"] = json::array();
  j["notices"] = desired_.notices;
  return j;
}

}  // namespace floe::se
