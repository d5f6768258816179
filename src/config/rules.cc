// The validation rules DESIGN.md derives from the two reference documents, one function each.
// Objects a rule needs but that are missing (a dangling ref) are reported elsewhere; the rule
// skips them.
#include <algorithm>
#include <map>
#include <set>

#include "config/checks.h"

namespace floe::config::detail {
namespace {

class Rules {
 public:
  Rules(const Document& doc, Report& report) : doc_(doc), report_(report) {}

  const Document& doc() const { return doc_; }
  void error(std::string path, std::string reason) {
    report_.errors.push_back(Diagnostic{std::move(path), std::move(reason)});
  }
  void notice(std::string path, std::string reason) {
    report_.notices.push_back(Diagnostic{std::move(path), std::move(reason)});
  }

  std::string groupPath(size_t i) const {
    return objectPath("serviceenginegroup", doc_.serviceenginegroup[i].name, i);
  }
  std::string vsPath(size_t i) const {
    return objectPath("virtualservice", doc_.virtualservice[i].name, i);
  }
  std::string profilePath(const ApplicationProfile& p) const {
    const size_t i = static_cast<size_t>(&p - doc_.applicationprofile.data());
    return objectPath("applicationprofile", p.name, i);
  }

  // The serviceengine objects whose se_group_ref names the group.
  std::vector<const ServiceEngine*> enginesOf(const ServiceEngineGroup& g) const {
    std::vector<const ServiceEngine*> out;
    for (const auto& e : doc_.serviceengine) {
      if (e.se_group_ref == g.name) out.push_back(&e);
    }
    return out;
  }

 private:
  const Document& doc_;
  Report& report_;
};

Prefix subnetOf(const DataVnic& v) { return Prefix(v.ip.network(), v.ip.length()); }

// The distinct attached subnets of the engines, in order.
std::vector<Prefix> attachedSubnets(const std::vector<const ServiceEngine*>& engines) {
  std::vector<Prefix> out;
  for (const auto* e : engines) {
    for (const auto& v : e->data_vnics) {
      const Prefix s = subnetOf(v);
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
  }
  return out;
}

std::vector<std::string> toStrings(const std::vector<Prefix>& prefixes) {
  std::vector<std::string> out;
  for (const auto& p : prefixes) out.push_back(p.toString());
  return out;
}

std::string engineNames(const std::vector<const ServiceEngine*>& engines) {
  std::vector<std::string> names;
  for (const auto* e : engines) names.push_back(e->name);
  return join(names);
}

bool isCluster(const ServiceEngineGroup& g, size_t engineCount) {
  return engineCount > 1 && g.ha_mode != HaMode::kLegacyActiveStandby;
}

// Rule 1.
void ruleRoutingNeedsLegacyHa(Rules& r) {
  const auto& groups = r.doc().serviceenginegroup;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].enable_routing && groups[i].ha_mode != HaMode::kLegacyActiveStandby) {
      r.error(fieldPath(r.groupPath(i), "enable_routing"),
              "requires ha_mode HA_MODE_LEGACY_ACTIVE_STANDBY");
    }
  }
}

// Rule 2.
void ruleRoutingExcludesDistributeLoad(Rules& r) {
  const auto& groups = r.doc().serviceenginegroup;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].enable_routing && groups[i].distribute_load_active_standby) {
      r.error(fieldPath(r.groupPath(i), "enable_routing"),
              "cannot be combined with distribute_load_active_standby; set "
              "distribute_load_active_standby false");
    }
  }
}

// Rule 3: IP routing is enabled in one VRF only, global.
void ruleRoutingOnlyInGlobalVrf(Rules& r) {
  const auto& services = r.doc().virtualservice;
  for (size_t i = 0; i < services.size(); ++i) {
    const VirtualService& vs = services[i];
    const ServiceEngineGroup* g = findGroup(r.doc(), vs.se_group_ref);
    if (g == nullptr || !g->enable_routing || vs.vrf_context_ref == "global") continue;
    r.error(fieldPath(r.vsPath(i), "vrf_context_ref"),
            "serviceenginegroup " + g->name +
                " has enable_routing, and IP routing is supported only in vrfcontext global; "
                "use vrf_context_ref global or a group without enable_routing");
  }
}

// Rule 4.
void ruleAdvertiseBackendNeedsRouting(Rules& r) {
  const auto& groups = r.doc().serviceenginegroup;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].advertise_backend_networks && !groups[i].enable_routing) {
      r.error(fieldPath(r.groupPath(i), "advertise_backend_networks"),
              "requires enable_routing; set enable_routing true (with ha_mode "
              "HA_MODE_LEGACY_ACTIVE_STANDBY) or advertise_backend_networks false");
    }
  }
}

bool multiplexing(const ApplicationProfile& p) {
  if (p.type != ApplicationProfileType::kHttp) return false;
  return p.http_profile ? p.http_profile->connection_multiplexing_enabled
                        : HttpProfile{}.connection_multiplexing_enabled;
}

// Rule 5: preserve_client_ip needs IP routing, excludes SNAT and connection multiplexing.
void rulePreserveClientIp(Rules& r) {
  const Document& doc = r.doc();
  const bool anyRouting = std::any_of(doc.serviceenginegroup.begin(), doc.serviceenginegroup.end(),
                                      [](const ServiceEngineGroup& g) { return g.enable_routing; });
  for (const auto& p : doc.applicationprofile) {
    if (!p.preserve_client_ip) continue;
    const std::string path = fieldPath(r.profilePath(p), "preserve_client_ip");
    if (!anyRouting) {
      r.error(path,
              "requires a serviceenginegroup with enable_routing; enable IP routing on "
              "the group first (back-end servers must route replies through the SE)");
    }
    if (multiplexing(p)) {
      r.error(path,
              "cannot be used with connection multiplexing; set "
              "http_profile.connection_multiplexing_enabled false (turn multiplexing off)");
    }
  }
  for (size_t i = 0; i < doc.virtualservice.size(); ++i) {
    const VirtualService& vs = doc.virtualservice[i];
    const ApplicationProfile* p = findProfile(doc, vs.application_profile_ref);
    if (p == nullptr || !p->preserve_client_ip) continue;
    const ServiceEngineGroup* g = findGroup(doc, vs.se_group_ref);
    if (g != nullptr && !g->enable_routing) {
      r.error(fieldPath(r.vsPath(i), "application_profile_ref"),
              "profile " + p->name +
                  " preserves the client IP, which needs enable_routing on "
                  "serviceenginegroup " +
                  g->name +
                  "; enable it or use a profile without "
                  "preserve_client_ip");
    }
    if (!vs.snat_ip.empty()) {
      r.error(fieldPath(r.vsPath(i), "snat_ip"),
              "cannot be used with profile " + p->name +
                  ", which preserves the client IP; remove snat_ip or turn preserve_client_ip "
                  "off");
    }
  }
}

// Rule 6: a floating IP lies in an attached subnet; at most one per subnet. A group that no
// serviceengine object references yet has no known subnets: its floating IPs are checked once
// an SE joins (the SE refuses to start on a floating IP it cannot place anyway).
void ruleFloatingIpsInAttachedSubnets(Rules& r) {
  const auto& groups = r.doc().serviceenginegroup;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const ServiceEngineGroup& g = groups[gi];
    const auto engines = r.enginesOf(g);
    if (g.floating_intf_ip.empty() || engines.empty()) continue;
    const auto subnets = attachedSubnets(engines);
    const std::string listPath = fieldPath(r.groupPath(gi), "floating_intf_ip");
    for (size_t i = 0; i < g.floating_intf_ip.size(); ++i) {
      const IpAddress& ip = g.floating_intf_ip[i];
      const std::string path = indexPath(listPath, i);
      auto in = std::find_if(subnets.begin(), subnets.end(),
                             [&](const Prefix& s) { return s.contains(ip); });
      if (in == subnets.end()) {
        r.error(path, ip.toString() +
                          " is not in a data-interface subnet of the group's "
                          "service engines (" +
                          join(toStrings(subnets)) +
                          "); a floating IP must be in an attached subnet");
        continue;
      }
      if (auto bad = checkInterfaceAddress(Prefix(ip, in->length()))) {
        r.error(path, *bad);
        continue;
      }
      for (size_t j = 0; j < i; ++j) {
        if (in->contains(g.floating_intf_ip[j]) && g.floating_intf_ip[j] != ip) {
          r.error(path, ip.toString() + " and floating_intf_ip[" + std::to_string(j) + "] " +
                            g.floating_intf_ip[j].toString() + " are both in " + in->toString() +
                            "; at most one floating IP per attached subnet");
          break;
        }
      }
    }
  }
}

// The attached subnets through which the SEs reach `destination`, or reach clients (the
// default route) when there is no destination. Empty when the document does not say.
std::vector<Prefix> subnetsToward(const std::vector<Prefix>& attached, const VrfContext* vrf,
                                  IpAddress::Family family,
                                  const std::optional<IpAddress>& destination) {
  auto attachedContaining = [&](const IpAddress& a) -> std::optional<Prefix> {
    std::optional<Prefix> best;
    for (const auto& s : attached) {
      if (s.contains(a) && (!best || s.length() > best->length())) best = s;
    }
    return best;
  };
  if (destination) {
    if (auto s = attachedContaining(*destination)) return {*s};
  }
  if (vrf == nullptr) return {};
  const StaticRoute* route = nullptr;
  for (const auto& rt : vrf->static_routes) {
    if (rt.prefix.address().family() != family) continue;
    const bool matches = destination ? rt.prefix.contains(*destination) : rt.prefix.length() == 0;
    if (matches && (route == nullptr || rt.prefix.length() > route->prefix.length())) route = &rt;
  }
  if (route == nullptr) return {};
  if (auto s = attachedContaining(route->next_hop)) return {*s};
  return {};
}

// The router-side route for `ip` through `subnet`, naming the group's floating IP there.
std::string routeAdvice(const ServiceEngineGroup& g,
                        const std::vector<const ServiceEngine*>& engines, const IpAddress& ip,
                        const Prefix& subnet) {
  for (const auto& f : g.floating_intf_ip) {
    if (subnet.contains(f)) return hostRouteCommand(ip, f);
  }
  if (engines.size() == 1) {
    for (const auto& v : engines[0]->data_vnics) {
      if (subnetOf(v) != subnet) continue;
      return hostRouteCommand(ip, v.ip.address()) + " (serviceengine " + engines[0]->name +
             "'s own address; better configure a floating_intf_ip in " + subnet.toString() +
             " and use it as the gateway, so that a second SE can be added later without "
             "touching the router)";
    }
  }
  return "a route to " + ip.toString() + " via a floating_intf_ip in " + subnet.toString() +
         ", which the group lacks: add one (a route to one SE's own address breaks on failover)";
}

// Rule 7: a VIP or SNAT IP outside every attached subnet and not advertised by BGP needs a
// static route on the next-hop router: rejected in cluster HA, otherwise a notice naming it.
void ruleVipSnatReachability(Rules& r) {
  const Document& doc = r.doc();
  std::set<std::pair<std::string, IpAddress>> noticed;  // one notice per group and address
  for (size_t i = 0; i < doc.virtualservice.size(); ++i) {
    const VirtualService& vs = doc.virtualservice[i];
    const ServiceEngineGroup* g = findGroup(doc, vs.se_group_ref);
    if (g == nullptr) continue;
    const auto engines = r.enginesOf(*g);
    if (engines.empty()) continue;  // no SE known: nothing to compare with (as rule 6)
    const auto attached = attachedSubnets(engines);
    const VrfContext* vrf = findVrf(doc, vs.vrf_context_ref);
    const Pool* pool = findPool(doc, vs.pool_ref);

    auto check = [&](const IpAddress& ip, const std::string& path, bool snat) {
      if (std::any_of(attached.begin(), attached.end(),
                      [&](const Prefix& s) { return s.contains(ip); })) {
        return;  // on an attached subnet: the active SE answers ARP for it
      }
      if (vrf != nullptr && vrf->bgp_profile) {
        for (const auto& peer : vrf->bgp_profile->peers) {
          if (snat ? peer.advertise_snat_ip : peer.advertise_vip) return;
        }
      }
      const std::string what = ip.toString() +
                               " is outside every data-interface subnet of "
                               "serviceenginegroup " +
                               g->name + " and no BGP peer in vrfcontext " + vs.vrf_context_ref +
                               " advertises it";
      if (isCluster(*g, engines.size())) {
        r.error(path, what +
                          "; static routes for VIP/SNAT reachability are unsupported in "
                          "cluster HA (" +
                          toString(g->ha_mode) + " with " + std::to_string(engines.size()) +
                          " service engines): use an "
                          "address in an attached subnet or a BGP peer with " +
                          (snat ? "advertise_snat_ip" : "advertise_vip") + " true");
        return;
      }
      if (!noticed.insert({g->name, ip}).second) return;
      // The VIP is reached from clients (the default route); a SNAT IP from the pool's servers.
      std::vector<Prefix> via;
      auto addVia = [&](const std::optional<IpAddress>& dest) {
        for (const auto& s : subnetsToward(attached, vrf, ip.family(), dest)) {
          if (std::find(via.begin(), via.end(), s) == via.end()) via.push_back(s);
        }
      };
      if (snat && pool != nullptr && !pool->servers.empty()) {
        for (const auto& srv : pool->servers) {
          if (srv.ip.family() == ip.family()) addVia(srv.ip);
        }
      } else {
        addVia(std::nullopt);
      }
      if (via.empty()) {
        for (const auto& s : attached) {
          if (s.address().family() == ip.family()) via.push_back(s);
        }
      }
      if (via.empty()) {
        r.notice(path, what +
                           "; it is reached through no data interface of its address family, "
                           "so a router needs a route to it through an SE");
        return;
      }
      std::vector<std::string> routes;
      for (const auto& s : via) routes.push_back(routeAdvice(*g, engines, ip, s));
      r.notice(path, what + "; the next-hop router needs a static route: " + join(routes, "; "));
    };

    const std::string path = r.vsPath(i);
    for (size_t k = 0; k < vs.vip.size(); ++k) {
      check(vs.vip[k].ip_address, fieldPath(indexPath(fieldPath(path, "vip"), k), "ip_address"),
            false);
    }
    for (size_t k = 0; k < vs.snat_ip.size(); ++k) {
      check(vs.snat_ip[k], indexPath(fieldPath(path, "snat_ip"), k), true);
    }
  }
}

// Where a server of the pool sits, for diagnostics: `pool[web].servers[1]`.
std::string serverPath(const Document& doc, const Pool& pool, size_t server) {
  const auto index = static_cast<size_t>(&pool - doc.pool.data());
  return indexPath(fieldPath(objectPath("pool", pool.name, index), "servers"), server);
}

uint16_t serverPort(const Pool& pool, const PoolServer& s) {
  return s.port.value_or(pool.default_server_port);
}

// Rule 5, continued: the reference requires back-end servers "on a directly-connected network
// (no router in between SE and servers)": a server reached through a router would answer the
// client directly, not through the SE that holds the connection. Every server of a pool of a
// virtual service that preserves the client IP lies in a data interface subnet of every SE of
// the group. A disabled virtual service carries no traffic: it is checked once enabled.
void rulePreserveClientIpServersAttached(Rules& r) {
  const Document& doc = r.doc();
  for (const auto& vs : doc.virtualservice) {
    if (!vs.enabled) continue;
    const ApplicationProfile* p = findProfile(doc, vs.application_profile_ref);
    const ServiceEngineGroup* g = findGroup(doc, vs.se_group_ref);
    const Pool* pool = findPool(doc, vs.pool_ref);
    if (p == nullptr || !p->preserve_client_ip || g == nullptr || pool == nullptr) continue;
    for (const auto* e : r.enginesOf(*g)) {
      std::vector<Prefix> subnets;
      for (const auto& v : e->data_vnics) subnets.push_back(subnetOf(v));
      for (size_t k = 0; k < pool->servers.size(); ++k) {
        const IpAddress& ip = pool->servers[k].ip;
        const bool attached = std::any_of(subnets.begin(), subnets.end(),
                                          [&](const Prefix& s) { return s.contains(ip); });
        if (attached) continue;
        r.error(fieldPath(serverPath(doc, *pool, k), "ip"),
                ip.toString() + " is not on a network directly attached to serviceengine " +
                    e->name + " (" + join(toStrings(subnets)) + "), and virtualservice " + vs.name +
                    " preserves the client IP (profile " + p->name +
                    "): back-end servers must be on a directly-connected network, with the "
                    "group's floating IP there as their default gateway, so that their "
                    "replies come back through the SE");
      }
    }
  }
}

bool onServicePort(const VirtualService& vs, uint16_t port) {
  return std::any_of(vs.services.begin(), vs.services.end(), [&](const Service& s) {
    return port >= s.port && port <= std::max(s.port, s.port_range_end.value_or(s.port));
  });
}

// Addresses floe claims (floating IPs, VIPs, SNAT IPs) that belong to someone else: a floating
// IP of its group or an SE interface address (any SE: every SE holds its own), a static route's
// next hop (floe would claim the router's address and announce it with gratuitous ARP), or a
// pool server (floe would take the server's address; a VIP may be another group's server, which
// is how virtual services are chained, but not one of its own group's: see ruleNoSelfLoop).
// Lookups go through maps: the document may hold thousands of each.
void ruleClaimedAddressesAreFree(Rules& r) {
  const Document& doc = r.doc();
  std::map<IpAddress, std::string> seAddresses;
  for (const auto& e : doc.serviceengine) {
    for (const auto& v : e.data_vnics) {
      seAddresses.emplace(v.ip.address(),
                          "the address of " + v.if_name + " on serviceengine " + e.name);
    }
  }
  std::map<std::pair<const VrfContext*, IpAddress>, std::string> nextHops;
  std::map<IpAddress, std::string> anyNextHop;
  for (size_t vi = 0; vi < doc.vrfcontext.size(); ++vi) {
    const VrfContext& v = doc.vrfcontext[vi];
    for (size_t k = 0; k < v.static_routes.size(); ++k) {
      std::string what =
          "the next hop of " +
          indexPath(fieldPath(objectPath("vrfcontext", v.name, vi), "static_routes"), k) +
          " (a router's address)";
      nextHops.emplace(std::make_pair(&v, v.static_routes[k].next_hop), what);
      anyNextHop.emplace(v.static_routes[k].next_hop, std::move(what));
    }
  }
  std::map<IpAddress, std::string> anyServer;
  // By se_group_ref and address: the servers of pools the group's virtual services use.
  std::map<std::pair<std::string, IpAddress>, std::vector<std::pair<const Pool*, size_t>>>
      groupServers;
  for (const auto& pool : doc.pool) {
    for (size_t k = 0; k < pool.servers.size(); ++k) {
      anyServer.emplace(pool.servers[k].ip, "the server " + serverPath(doc, pool, k));
    }
  }
  std::set<std::pair<std::string, const Pool*>> seen;
  for (const auto& vs : doc.virtualservice) {
    const Pool* pool = findPool(doc, vs.pool_ref);
    if (pool == nullptr || !seen.insert({vs.se_group_ref, pool}).second) continue;
    for (size_t k = 0; k < pool->servers.size(); ++k) {
      groupServers[{vs.se_group_ref, pool->servers[k].ip}].emplace_back(pool, k);
    }
  }
  auto find = [](const auto& map, const auto& key) -> std::optional<std::string> {
    auto it = map.find(key);
    if (it == map.end()) return std::nullopt;
    return it->second;
  };

  // A server of the virtual service's own group at the VIP; at one of the virtual service's
  // ports it is a self-loop, which ruleNoSelfLoop reports at the server instead.
  auto ownGroupServer = [&](const VirtualService& vs,
                            const IpAddress& ip) -> std::optional<std::string> {
    auto it = groupServers.find({vs.se_group_ref, ip});
    if (it == groupServers.end()) return std::nullopt;
    for (const auto& [pool, k] : it->second) {
      if (onServicePort(vs, serverPort(*pool, pool->servers[k]))) return std::nullopt;
    }
    const auto& [pool, k] = it->second.front();
    return "the server " + serverPath(doc, *pool, k);
  };

  const auto& groups = doc.serviceenginegroup;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    for (size_t i = 0; i < groups[gi].floating_intf_ip.size(); ++i) {
      const IpAddress& ip = groups[gi].floating_intf_ip[i];
      if (ip.isUnspecified()) continue;
      auto what = find(seAddresses, ip);
      if (!what) what = find(anyNextHop, ip);
      if (!what) what = find(anyServer, ip);
      if (what) {
        r.error(indexPath(fieldPath(r.groupPath(gi), "floating_intf_ip"), i),
                ip.toString() + " is " + *what + "; a floating IP needs an address of its own");
      }
    }
  }
  for (size_t i = 0; i < doc.virtualservice.size(); ++i) {
    const VirtualService& vs = doc.virtualservice[i];
    const ServiceEngineGroup* g = findGroup(doc, vs.se_group_ref);
    if (g == nullptr) continue;
    const VrfContext* vrf = findVrf(doc, vs.vrf_context_ref);
    auto check = [&](const IpAddress& ip, const std::string& path, bool isVip) {
      if (ip.isUnspecified()) return;  // failed to decode, or rejected as such elsewhere
      const auto& floating = g->floating_intf_ip;
      std::optional<std::string> what;
      if (std::find(floating.begin(), floating.end(), ip) != floating.end()) {
        what = "a floating_intf_ip of serviceenginegroup " + g->name;
      }
      if (!what) what = find(seAddresses, ip);
      if (!what) what = find(nextHops, std::make_pair(vrf, ip));
      if (!what && !isVip) what = find(anyServer, ip);
      if (!what && isVip) what = ownGroupServer(vs, ip);
      if (what) {
        r.error(path,
                ip.toString() + " is " + *what + "; VIPs and SNAT IPs need addresses of their own");
      }
    };
    const std::string path = r.vsPath(i);
    for (size_t k = 0; k < vs.vip.size(); ++k) {
      check(vs.vip[k].ip_address, fieldPath(indexPath(fieldPath(path, "vip"), k), "ip_address"),
            true);
    }
    for (size_t k = 0; k < vs.snat_ip.size(); ++k) {
      check(vs.snat_ip[k], indexPath(fieldPath(path, "snat_ip"), k), false);
    }
  }
}

// A pool server that is a VIP:port of a virtual service on the same SE group, used by a virtual
// service of that group: the SE would connect to itself, once per connection and per probe.
void ruleNoSelfLoop(Rules& r) {
  const Document& doc = r.doc();
  std::map<std::pair<std::string, IpAddress>, std::vector<size_t>> vips;  // (group, VIP) -> VSs
  for (size_t i = 0; i < doc.virtualservice.size(); ++i) {
    const VirtualService& vs = doc.virtualservice[i];
    for (const Vip& v : vs.vip) {
      auto& list = vips[{vs.se_group_ref, v.ip_address}];
      if (list.empty() || list.back() != i) list.push_back(i);
    }
  }
  std::set<std::pair<std::string, const Pool*>> seen;
  for (const VirtualService& user : doc.virtualservice) {
    const Pool* pool = findPool(doc, user.pool_ref);
    if (pool == nullptr || !seen.insert({user.se_group_ref, pool}).second) continue;
    for (size_t k = 0; k < pool->servers.size(); ++k) {
      const PoolServer& srv = pool->servers[k];
      const uint16_t port = serverPort(*pool, srv);
      if (srv.ip.isUnspecified()) continue;
      auto it = vips.find({user.se_group_ref, srv.ip});
      if (it == vips.end()) continue;
      for (size_t i : it->second) {
        const VirtualService& vs = doc.virtualservice[i];
        if (!onServicePort(vs, port)) continue;
        r.error(serverPath(doc, *pool, k),
                formatEndpoint(srv.ip, port) + " is a VIP and port of " + r.vsPath(i) +
                    " on serviceenginegroup " + vs.se_group_ref + ", whose virtual service " +
                    user.name +
                    " uses this pool: the SE would connect to itself; give the real servers");
        break;
      }
    }
  }
}

// A virtual service with SNAT IPs connects to each server from a SNAT IP of the server's
// family; a family without one has nothing to connect from.
void ruleSnatCoversServerFamilies(Rules& r) {
  const Document& doc = r.doc();
  std::map<const Pool*, std::map<IpAddress::Family, size_t>> firstOfFamily;
  for (const auto& pool : doc.pool) {
    auto& first = firstOfFamily[&pool];
    for (size_t k = 0; k < pool.servers.size(); ++k) {
      // Unspecified: the address failed to decode (reported there) or was never given.
      if (!pool.servers[k].ip.isUnspecified()) first.emplace(pool.servers[k].ip.family(), k);
    }
  }
  for (size_t i = 0; i < doc.virtualservice.size(); ++i) {
    const VirtualService& vs = doc.virtualservice[i];
    const Pool* pool = findPool(doc, vs.pool_ref);
    if (vs.snat_ip.empty() || pool == nullptr) continue;
    for (const auto& entry : firstOfFamily[pool]) {
      const IpAddress::Family family = entry.first;  // clang 14 captures no structured binding
      const size_t k = entry.second;
      const bool covered = std::any_of(vs.snat_ip.begin(), vs.snat_ip.end(),
                                       [&](auto& a) { return a.family() == family; });
      if (covered) continue;
      const IpAddress& ip = pool->servers[k].ip;
      const std::string name = ip.isV4() ? "IPv4" : "IPv6";
      r.error(fieldPath(r.vsPath(i), "snat_ip"),
              "has no " + name + " address, but " + serverPath(doc, *pool, k) + " " +
                  ip.toString() + " is " + name +
                  ": connections to it would have no SNAT IP to leave from; add an " + name +
                  " SNAT IP or remove the server");
    }
  }
}

// Rule 8: a legacy active/standby group holds one or two SEs.
void ruleLegacyGroupSize(Rules& r) {
  const auto& groups = r.doc().serviceenginegroup;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].ha_mode != HaMode::kLegacyActiveStandby) continue;
    const auto engines = r.enginesOf(groups[i]);
    if (engines.size() <= 2) continue;
    r.error(r.groupPath(i), std::to_string(engines.size()) + " service engines reference it (" +
                                engineNames(engines) +
                                "), but HA_MODE_LEGACY_ACTIVE_STANDBY holds one or two (one "
                                "active, one standby); move the others to another group");
  }
}

// DESIGN.md, "HA, addresses and ARP": without ha_heartbeat_secret heartbeats carry no HMAC.
void noticeUnauthenticatedHeartbeats(Rules& r) {
  const auto& groups = r.doc().serviceenginegroup;
  for (size_t i = 0; i < groups.size(); ++i) {
    const ServiceEngineGroup& g = groups[i];
    if (g.ha_mode != HaMode::kLegacyActiveStandby || g.ha_heartbeat_secret) continue;
    const auto engines = r.enginesOf(g);
    if (engines.size() != 2) continue;
    r.notice(fieldPath(r.groupPath(i), "ha_heartbeat_secret"),
             "not set, so heartbeats between " + engineNames(engines) +
                 " are unauthenticated; set ha_heartbeat_secret to key their HMAC");
  }
}

}  // namespace

void checkDesignRules(const Document& doc, Report& report) {
  Rules r(doc, report);
  ruleRoutingNeedsLegacyHa(r);
  ruleRoutingExcludesDistributeLoad(r);
  ruleRoutingOnlyInGlobalVrf(r);
  ruleAdvertiseBackendNeedsRouting(r);
  rulePreserveClientIp(r);
  rulePreserveClientIpServersAttached(r);
  ruleFloatingIpsInAttachedSubnets(r);
  ruleVipSnatReachability(r);
  ruleClaimedAddressesAreFree(r);
  ruleNoSelfLoop(r);
  ruleSnatCoversServerFamilies(r);
  ruleLegacyGroupSize(r);
  noticeUnauthenticatedHeartbeats(r);
}

}  // namespace floe::config::detail
