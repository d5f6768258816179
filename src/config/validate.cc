// validate(): types and ranges, names, refs and duplicates on a decoded (or edited) Document.
// The DESIGN.md rules 1-8 are in rules.cc. Every check adds to the report and goes on.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "config/checks.h"
#include "config/document.h"

namespace floe::config {
namespace {

using detail::fieldPath;
using detail::indexPath;
using detail::objectPath;

class Sink {
 public:
  explicit Sink(Report& report) : report_(report) {}
  void error(std::string path, std::string reason) {
    report_.errors.push_back(Diagnostic{std::move(path), std::move(reason)});
  }
  void check(const std::string& path, const std::optional<std::string>& bad) {
    if (bad) error(path, *bad);
  }
  void range(const std::string& path, uint64_t value, const detail::Range& range) {
    check(path, detail::checkRange(value, range));
  }

 private:
  Report& report_;
};

template <class T>
std::vector<std::string> namesOf(const std::vector<T>& objects) {
  std::vector<std::string> names;
  for (const auto& o : objects) names.push_back(o.name);
  return names;
}

// ---- names and refs --------------------------------------------------------------------------

template <class T>
void checkNames(Sink& s, std::string_view type, const std::vector<T>& objects) {
  std::map<std::string, size_t> first;
  for (size_t i = 0; i < objects.size(); ++i) {
    const std::string& name = objects[i].name;
    const std::string path = objectPath(type, name, i);
    if (auto bad = detail::checkName(name)) {
      s.error(fieldPath(path, "name"), *bad);
      continue;
    }
    auto [it, inserted] = first.emplace(name, i);
    if (!inserted) {
      s.error(path, "duplicate name: " + std::string(type) + " objects " +
                        std::to_string(it->second) + " and " + std::to_string(i) +
                        " are both named \"" + name + "\"; names are unique within a type");
    }
  }
}

template <class T>
void checkRef(Sink& s, const std::string& path, const std::string& name, std::string_view type,
              const std::vector<T>& targets) {
  if (name.empty()) {
    s.error(path, "must not be empty; name a " + std::string(type));
    return;
  }
  if (auto bad = detail::checkName(name)) {  // never echoed: it may hold a newline
    s.error(path, "the name " + *bad);
    return;
  }
  for (const auto& t : targets) {
    if (t.name == name) return;
  }
  std::vector<std::string> names = namesOf(targets);
  std::string known = names.empty() ? "none is declared" : "declared: " + detail::join(names);
  if (names.size() > 12) known = "declared: " + std::to_string(names.size()) + " objects";
  s.error(path, "no " + std::string(type) + " named \"" + name + "\"" +
                    detail::didYouMean(name, names) + "; " + known);
}

// ---- serviceenginegroup ----------------------------------------------------------------------

void checkGroup(Sink& s, const ServiceEngineGroup& g, const std::string& path) {
  s.range(fieldPath(path, "dp_hb_frequency"), g.dp_hb_frequency, detail::kHbFrequency);
  s.range(fieldPath(path, "dp_hb_timeout_count"), g.dp_hb_timeout_count, detail::kHbTimeoutCount);
  if (g.ha_heartbeat_secret) {
    s.check(fieldPath(path, "ha_heartbeat_secret"),
            detail::checkSecret(*g.ha_heartbeat_secret, SIZE_MAX));
  }
  if (g.ha_mode == HaMode::kLegacyActiveStandby && !g.active_standby) {
    s.error(fieldPath(path, "active_standby"),
            "HA_MODE_LEGACY_ACTIVE_STANDBY is active/standby; set active_standby true or omit it");
  }
  for (size_t i = 0; i < g.floating_intf_ip.size(); ++i) {
    const std::string p = indexPath(fieldPath(path, "floating_intf_ip"), i);
    s.check(p, detail::checkClaimable(g.floating_intf_ip[i]));
    for (size_t j = 0; j < i; ++j) {
      if (g.floating_intf_ip[j] == g.floating_intf_ip[i]) {
        s.error(p, g.floating_intf_ip[i].toString() + " is listed twice (also floating_intf_ip[" +
                       std::to_string(j) + "]); give each floating IP once");
        break;
      }
    }
  }
}

// ---- serviceengine ---------------------------------------------------------------------------

void checkEngine(Sink& s, const Document& doc, const ServiceEngine& e, const std::string& path) {
  checkRef(s, fieldPath(path, "se_group_ref"), e.se_group_ref, "serviceenginegroup",
           doc.serviceenginegroup);
  const std::string vnicsPath = fieldPath(path, "data_vnics");
  for (size_t i = 0; i < e.data_vnics.size(); ++i) {
    const DataVnic& v = e.data_vnics[i];
    const std::string p = indexPath(vnicsPath, i);
    s.check(fieldPath(p, "if_name"), detail::checkIfName(v.if_name));
    s.check(fieldPath(p, "ip"), detail::checkInterfaceAddress(v.ip));
    for (size_t j = 0; j < i; ++j) {
      const DataVnic& w = e.data_vnics[j];
      if (w.if_name == v.if_name) {
        s.error(fieldPath(p, "if_name"), "interface \"" + v.if_name + "\" is already data_vnics[" +
                                             std::to_string(j) +
                                             "]; list each interface once with one address");
      } else if (detail::overlaps(w.ip, v.ip)) {
        s.error(fieldPath(p, "ip"), v.ip.toString() + " overlaps " + w.ip.toString() + " of " +
                                        w.if_name + " (data_vnics[" + std::to_string(j) +
                                        "]); each data interface needs its own subnet");
      }
    }
  }
}

// The same interface address on two service engines.
void checkEngineAddressesUnique(Sink& s, const Document& doc) {
  std::map<IpAddress, std::string> owner;
  for (size_t i = 0; i < doc.serviceengine.size(); ++i) {
    const ServiceEngine& e = doc.serviceengine[i];
    const std::string path = objectPath("serviceengine", e.name, i);
    for (size_t k = 0; k < e.data_vnics.size(); ++k) {
      const IpAddress& a = e.data_vnics[k].ip.address();
      auto [it, inserted] = owner.emplace(a, e.name);
      if (!inserted && it->second != e.name) {
        s.error(fieldPath(indexPath(fieldPath(path, "data_vnics"), k), "ip"),
                a.toString() + " is also an interface address of serviceengine " + it->second +
                    "; every SE interface needs its own address");
      }
    }
  }
}

// ---- vrfcontext ------------------------------------------------------------------------------

void checkStaticRoutes(Sink& s, const VrfContext& vrf, const std::string& path) {
  const std::string routesPath = fieldPath(path, "static_routes");
  std::map<std::string, size_t> ids;
  for (size_t i = 0; i < vrf.static_routes.size(); ++i) {
    const StaticRoute& r = vrf.static_routes[i];
    const std::string p = indexPath(routesPath, i);
    if (r.route_id.empty()) {
      s.error(fieldPath(p, "route_id"), "must not be empty; give an id such as \"1\"");
    } else if (auto bad = detail::checkControlCharacters(r.route_id)) {
      s.error(fieldPath(p, "route_id"), *bad);  // never echoed: it may hold a newline
    } else if (auto [it, inserted] = ids.emplace(r.route_id, i); !inserted) {
      s.error(fieldPath(p, "route_id"), "\"" + r.route_id + "\" is already static_routes[" +
                                            std::to_string(it->second) +
                                            "]; route ids are unique within a vrfcontext");
    }
    s.check(fieldPath(p, "prefix"), detail::checkNetworkPrefix(r.prefix));
    s.check(fieldPath(p, "next_hop"), detail::checkUnicast(r.next_hop));
    if (r.next_hop.family() != r.prefix.address().family()) {
      s.error(fieldPath(p, "next_hop"), r.next_hop.toString() + " is not of the family of " +
                                            r.prefix.toString() +
                                            "; an IPv4 route needs an IPv4 next hop (IPv6 alike)");
    }
    if (r.if_name) s.check(fieldPath(p, "if_name"), detail::checkIfName(*r.if_name));
  }
}

void checkBgpPeer(Sink& s, const BgpProfile& b, const BgpPeer& peer, const std::string& p) {
  s.check(fieldPath(p, "peer_ip"), detail::checkUnicast(peer.peer_ip));
  const std::string asPath = fieldPath(p, "remote_as");
  if (peer.remote_as == 0) {
    if (!b.ibgp) {
      s.error(asPath, "is required for an eBGP peer (ibgp is false); " +
                          std::string(detail::kAsNumber.accepted));
    }
  } else if (b.ibgp && peer.remote_as != b.local_as) {
    s.error(asPath, std::to_string(peer.remote_as) + " differs from local_as " +
                        std::to_string(b.local_as) +
                        " but ibgp is true; omit remote_as or set it to local_as (or set ibgp "
                        "false for eBGP)");
  } else if (!b.ibgp && peer.remote_as == b.local_as && b.local_as != 0) {
    s.error(asPath, std::to_string(peer.remote_as) +
                        " equals local_as, which makes the session iBGP; set ibgp true");
  }
  if (peer.subnet) {
    const std::string subnetPath = fieldPath(p, "subnet");
    if (auto bad = detail::checkNetworkPrefix(*peer.subnet)) {
      s.error(subnetPath, *bad);
    } else if (!peer.subnet->contains(peer.peer_ip)) {
      s.error(subnetPath, peer.subnet->toString() + " does not contain peer_ip " +
                              peer.peer_ip.toString() +
                              "; give the subnet through which the peer is reached");
    }
  }
  if (peer.md5_secret) {
    s.check(fieldPath(p, "md5_secret"),
            detail::checkSecret(*peer.md5_secret, detail::kMaxMd5SecretLength));
  }
}

void checkBgpProfile(Sink& s, const BgpProfile& b, const std::string& path) {
  s.range(fieldPath(path, "local_as"), b.local_as, detail::kAsNumber);
  s.range(fieldPath(path, "hold_time"), b.hold_time, detail::kHoldTime);
  s.range(fieldPath(path, "keepalive_interval"), b.keepalive_interval, detail::kKeepalive);
  if (b.hold_time != 0 && b.keepalive_interval >= b.hold_time) {
    s.error(fieldPath(path, "keepalive_interval"),
            std::to_string(b.keepalive_interval) + " is not below hold_time " +
                std::to_string(b.hold_time) + "; use about a third of hold_time, e.g. " +
                std::to_string(std::max<uint32_t>(1, b.hold_time / 3)));
  } else if (b.hold_time != 0 && b.keepalive_interval == 0) {
    s.error(fieldPath(path, "keepalive_interval"),
            "0 sends no keepalives, so the peer's hold timer (hold_time " +
                std::to_string(b.hold_time) + ") expires; use about a third of hold_time, e.g. " +
                std::to_string(std::max<uint32_t>(1, b.hold_time / 3)) + ", or hold_time 0");
  }
  const std::string peersPath = fieldPath(path, "peers");
  for (size_t i = 0; i < b.peers.size(); ++i) {
    const std::string p = indexPath(peersPath, i);
    checkBgpPeer(s, b, b.peers[i], p);
    for (size_t j = 0; j < i; ++j) {
      if (b.peers[j].peer_ip == b.peers[i].peer_ip) {
        s.error(fieldPath(p, "peer_ip"), b.peers[i].peer_ip.toString() + " is already peers[" +
                                             std::to_string(j) + "]; give each peer once");
        break;
      }
    }
  }
}

void checkVrf(Sink& s, const VrfContext& vrf, const std::string& path) {
  checkStaticRoutes(s, vrf, path);
  if (vrf.bgp_profile) checkBgpProfile(s, *vrf.bgp_profile, fieldPath(path, "bgp_profile"));
  if (vrf.bfd_profile) {
    const std::string p = fieldPath(path, "bfd_profile");
    s.range(fieldPath(p, "mintx"), vrf.bfd_profile->mintx, detail::kBfdInterval);
    s.range(fieldPath(p, "minrx"), vrf.bfd_profile->minrx, detail::kBfdInterval);
    s.range(fieldPath(p, "multi"), vrf.bfd_profile->multi, detail::kBfdMulti);
  }
}

// ---- healthmonitor ---------------------------------------------------------------------------

void checkMonitor(Sink& s, const HealthMonitor& m, const std::string& path) {
  s.range(fieldPath(path, "send_interval"), m.send_interval, detail::kSendInterval);
  s.range(fieldPath(path, "receive_timeout"), m.receive_timeout, detail::kReceiveTimeout);
  if (m.receive_timeout >= m.send_interval && m.receive_timeout != 0 && m.send_interval != 0) {
    s.error(fieldPath(path, "receive_timeout"),
            std::to_string(m.receive_timeout) + " is not below send_interval " +
                std::to_string(m.send_interval) +
                "; a check must time out before the next one is sent");
  }
  s.range(fieldPath(path, "successful_checks"), m.successful_checks, detail::kChecks);
  s.range(fieldPath(path, "failed_checks"), m.failed_checks, detail::kChecks);
  if (m.monitor_port) {
    const std::string p = fieldPath(path, "monitor_port");
    if (m.type == HealthMonitorType::kPing) {
      s.error(p, "HEALTH_MONITOR_PING probes no port; omit monitor_port");
    } else {
      s.range(p, *m.monitor_port, detail::kPort);
    }
  }
  if (m.http_monitor) {
    const std::string p = fieldPath(path, "http_monitor");
    if (m.type != HealthMonitorType::kHttp) {
      s.error(p, std::string("applies only to HEALTH_MONITOR_HTTP (type is ") + toString(m.type) +
                     "); omit http_monitor");
    }
    if (m.http_monitor->http_request.empty()) {
      s.error(fieldPath(p, "http_request"), "must not be empty; e.g. \"GET / HTTP/1.0\"");
    }
    const auto& codes = m.http_monitor->http_response_code;
    for (size_t i = 0; i < codes.size(); ++i) {
      s.check(indexPath(fieldPath(p, "http_response_code"), i),
              detail::checkHttpResponseCode(codes[i]));
    }
  }
}

// ---- pool ------------------------------------------------------------------------------------

// lb_algorithm_hash and lb_algorithm_consistent_hash_hdr (docs/configuration.md, "pool"): a
// non-default hash only with LB_ALGORITHM_CONSISTENT_HASH (Avi ignores it otherwise; floe
// refuses what would be silently ignored), the header exactly with CUSTOM_HEADER, and URI or
// header hashing only on pools that no L4 virtual service uses (an L4 proxy sees no request).
void checkPoolHash(Sink& s, const Document& doc, const Pool& pool, const std::string& path) {
  const std::string hashPath = fieldPath(path, "lb_algorithm_hash");
  const std::string hdrPath = fieldPath(path, "lb_algorithm_consistent_hash_hdr");
  const LbAlgorithmHash hash = pool.lb_algorithm_hash;
  const std::string& hdr = pool.lb_algorithm_consistent_hash_hdr;
  if (hash != LbAlgorithmHash::kSourceIpAddress &&
      pool.lb_algorithm != LbAlgorithm::kConsistentHash) {
    s.error(hashPath, std::string(toString(hash)) + " applies only to lb_algorithm " +
                          toString(LbAlgorithm::kConsistentHash) + " (lb_algorithm is " +
                          toString(pool.lb_algorithm) +
                          "); set that lb_algorithm or omit lb_algorithm_hash");
  }
  if (hash == LbAlgorithmHash::kCustomHeader && hdr.empty()) {
    s.error(hdrPath, std::string("is required with lb_algorithm_hash ") + toString(hash) +
                         "; name the request header to hash, e.g. \"X-User\"");
  }
  if (!hdr.empty()) {
    if (auto bad = detail::checkHttpFieldName(hdr)) {
      s.error(hdrPath, *bad);
    } else if (hash != LbAlgorithmHash::kCustomHeader) {
      s.error(hdrPath, std::string("applies only to lb_algorithm_hash ") +
                           toString(LbAlgorithmHash::kCustomHeader) + " (lb_algorithm_hash is " +
                           toString(hash) + "); omit it or set that lb_algorithm_hash");
    }
  }
  if (hash != LbAlgorithmHash::kUri && hash != LbAlgorithmHash::kCustomHeader) return;
  for (const auto& vs : doc.virtualservice) {
    if (vs.pool_ref != pool.name) continue;
    const ApplicationProfile* profile = findProfile(doc, vs.application_profile_ref);
    if (profile == nullptr || profile->type == ApplicationProfileType::kHttp) continue;
    if (detail::checkName(vs.name) || detail::checkName(profile->name)) continue;
    s.error(hashPath, std::string(toString(hash)) + " needs HTTP requests, but virtualservice " +
                          vs.name + " uses this pool with applicationprofile " + profile->name +
                          " (" + toString(profile->type) +
                          "): an L4 proxy sees no URI or header; use " +
                          toString(LbAlgorithmHash::kSourceIpAddress) +
                          " or give that virtual service an HTTP application profile");
  }
}

void checkPool(Sink& s, const Document& doc, const Pool& pool, const std::string& path) {
  s.range(fieldPath(path, "default_server_port"), pool.default_server_port, detail::kPort);
  const std::string refsPath = fieldPath(path, "health_monitor_refs");
  for (size_t i = 0; i < pool.health_monitor_refs.size(); ++i) {
    const std::string p = indexPath(refsPath, i);
    checkRef(s, p, pool.health_monitor_refs[i], "healthmonitor", doc.healthmonitor);
    for (size_t j = 0; j < i; ++j) {
      if (pool.health_monitor_refs[j] == pool.health_monitor_refs[i]) {
        s.error(p, "\"" + pool.health_monitor_refs[i] + "\" is listed twice; give each once");
        break;
      }
    }
  }
  checkPoolHash(s, doc, pool, path);
  const std::string serversPath = fieldPath(path, "servers");
  std::map<std::pair<IpAddress, uint16_t>, size_t> endpoints;
  for (size_t i = 0; i < pool.servers.size(); ++i) {
    const PoolServer& srv = pool.servers[i];
    const std::string p = indexPath(serversPath, i);
    s.check(fieldPath(p, "ip"), detail::checkUnicast(srv.ip));
    if (srv.port) s.range(fieldPath(p, "port"), *srv.port, detail::kPort);
    s.range(fieldPath(p, "ratio"), srv.ratio, detail::kRatio);
    const uint16_t port = srv.port.value_or(pool.default_server_port);
    auto [it, inserted] = endpoints.emplace(std::make_pair(srv.ip, port), i);
    if (!inserted) {
      s.error(p, formatEndpoint(srv.ip, port) + " is already servers[" +
                     std::to_string(it->second) + "]; list each server ip:port once");
    }
  }
}

// ---- applicationprofile ----------------------------------------------------------------------

void checkProfile(Sink& s, const ApplicationProfile& p, const std::string& path) {
  if (p.http_profile && p.type != ApplicationProfileType::kHttp) {
    s.error(fieldPath(path, "http_profile"),
            std::string("applies only to APPLICATION_PROFILE_TYPE_HTTP (type is ") +
                toString(p.type) + "); omit http_profile");
  }
  if (p.http_profile) {
    s.check(fieldPath(fieldPath(path, "http_profile"), "xff_alternate_name"),
            detail::checkXffAlternateName(p.http_profile->xff_alternate_name));
  }
}

// ---- virtualservice --------------------------------------------------------------------------

void checkVirtualService(Sink& s, const Document& doc, const VirtualService& vs,
                         const std::string& path) {
  const std::string vipPath = fieldPath(path, "vip");
  if (vs.vip.empty()) {
    s.error(vipPath,
            "at least one vip is required, e.g. [{\"vip_id\": \"0\", \"ip_address\": "
            "\"10.10.2.100\"}]");
  }
  for (size_t i = 0; i < vs.vip.size(); ++i) {
    const std::string p = indexPath(vipPath, i);
    const Vip& v = vs.vip[i];
    if (v.vip_id.empty()) s.error(fieldPath(p, "vip_id"), "must not be empty; e.g. \"0\"");
    const auto badId = detail::checkControlCharacters(v.vip_id);
    if (badId) s.error(fieldPath(p, "vip_id"), *badId);  // and not echoed below
    s.check(fieldPath(p, "ip_address"), detail::checkClaimable(v.ip_address));
    for (size_t j = 0; j < i; ++j) {
      if (!v.vip_id.empty() && !badId && vs.vip[j].vip_id == v.vip_id) {
        s.error(fieldPath(p, "vip_id"), "\"" + v.vip_id + "\" is already vip[" + std::to_string(j) +
                                            "]; vip ids are unique within a virtual service");
      }
      if (vs.vip[j].ip_address == v.ip_address) {
        s.error(fieldPath(p, "ip_address"), v.ip_address.toString() + " is already vip[" +
                                                std::to_string(j) + "]; give each VIP once");
      }
    }
  }
  const std::string servicesPath = fieldPath(path, "services");
  if (vs.services.empty()) {
    s.error(servicesPath, "at least one service is required, e.g. [{\"port\": 80}]");
  }
  for (size_t i = 0; i < vs.services.size(); ++i) {
    const Service& svc = vs.services[i];
    const std::string p = indexPath(servicesPath, i);
    s.range(fieldPath(p, "port"), svc.port, detail::kPort);
    if (svc.port_range_end) {
      const std::string endPath = fieldPath(p, "port_range_end");
      if (auto bad = detail::checkRange(*svc.port_range_end, detail::kPort)) {
        s.error(endPath, *bad);
      } else if (*svc.port_range_end < svc.port) {
        s.error(endPath, std::to_string(*svc.port_range_end) + " is below port " +
                             std::to_string(svc.port) +
                             "; port_range_end is the last port of the range, at least port");
      }
    }
  }
  const std::string snatPath = fieldPath(path, "snat_ip");
  for (size_t i = 0; i < vs.snat_ip.size(); ++i) {
    const std::string p = indexPath(snatPath, i);
    s.check(p, detail::checkClaimable(vs.snat_ip[i]));
    for (size_t j = 0; j < i; ++j) {
      if (vs.snat_ip[j] == vs.snat_ip[i]) {
        s.error(p, vs.snat_ip[i].toString() + " is listed twice (also snat_ip[" +
                       std::to_string(j) + "]); give each SNAT IP once");
        break;
      }
    }
  }
  if (vs.pool_ref.empty()) {
    s.error(fieldPath(path, "pool_ref"),
            "is required; name the pool that serves this virtual "
            "service, e.g. \"pool_ref\": \"web\"");
  } else {
    checkRef(s, fieldPath(path, "pool_ref"), vs.pool_ref, "pool", doc.pool);
  }
  checkRef(s, fieldPath(path, "application_profile_ref"), vs.application_profile_ref,
           "applicationprofile", doc.applicationprofile);
  checkRef(s, fieldPath(path, "network_profile_ref"), vs.network_profile_ref, "networkprofile",
           doc.networkprofile);
  checkRef(s, fieldPath(path, "se_group_ref"), vs.se_group_ref, "serviceenginegroup",
           doc.serviceenginegroup);
  checkRef(s, fieldPath(path, "vrf_context_ref"), vs.vrf_context_ref, "vrfcontext", doc.vrfcontext);
}

// The same VIP and port in two places (within a vrf), including overlap of port ranges.
void checkListenerConflicts(Sink& s, const Document& doc) {
  struct Listener {
    std::string vrf;
    IpAddress ip;
    uint16_t lo;
    uint16_t hi;
    size_t vs;
    size_t service;
  };
  std::vector<Listener> all;
  for (size_t i = 0; i < doc.virtualservice.size(); ++i) {
    const VirtualService& vs = doc.virtualservice[i];
    std::set<IpAddress> ips;  // a VIP listed twice is reported by checkVirtualService
    for (const Vip& v : vs.vip) ips.insert(v.ip_address);
    for (const IpAddress& ip : ips) {
      for (size_t k = 0; k < vs.services.size(); ++k) {
        const Service& svc = vs.services[k];
        const uint16_t hi = std::max(svc.port, svc.port_range_end.value_or(svc.port));
        all.push_back(Listener{vs.vrf_context_ref, ip, svc.port, hi, i, k});
      }
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const Listener& a, const Listener& b) {
    return std::tie(a.vrf, a.ip, a.lo, a.vs, a.service) <
           std::tie(b.vrf, b.ip, b.lo, b.vs, b.service);
  });
  auto describe = [](const Listener& l) {
    return l.lo == l.hi ? formatEndpoint(l.ip, l.lo)
                        : formatEndpoint(l.ip, l.lo) + "-" + std::to_string(l.hi);
  };
  const Listener* widest = nullptr;  // of the same vrf and ip, the one reaching highest
  for (const Listener& l : all) {
    if (widest == nullptr || widest->vrf != l.vrf || widest->ip != l.ip) {
      widest = &l;
      continue;
    }
    if (l.lo <= widest->hi) {
      const VirtualService& vs = doc.virtualservice[l.vs];
      const VirtualService& other = doc.virtualservice[widest->vs];
      const std::string path = fieldPath(
          indexPath(fieldPath(objectPath("virtualservice", vs.name, l.vs), "services"), l.service),
          "port");
      const std::string where =
          l.vs == widest->vs
              ? "services[" + std::to_string(widest->service) + "] of this virtual service"
              : objectPath("virtualservice", other.name, widest->vs) + ".services[" +
                    std::to_string(widest->service) + "]";
      s.error(path, describe(l) + " overlaps " + describe(*widest) + " of " + where +
                        " in vrfcontext " + l.vrf +
                        "; a VIP and port can belong to one service of one virtual service");
    }
    if (l.hi > widest->hi) widest = &l;
  }
}

}  // namespace

Report validate(const Document& doc) {
  Report report;
  Sink s(report);
  checkNames(s, "serviceenginegroup", doc.serviceenginegroup);
  checkNames(s, "serviceengine", doc.serviceengine);
  checkNames(s, "vrfcontext", doc.vrfcontext);
  checkNames(s, "healthmonitor", doc.healthmonitor);
  checkNames(s, "pool", doc.pool);
  checkNames(s, "applicationprofile", doc.applicationprofile);
  checkNames(s, "networkprofile", doc.networkprofile);
  checkNames(s, "virtualservice", doc.virtualservice);

  for (size_t i = 0; i < doc.serviceenginegroup.size(); ++i) {
    const auto& g = doc.serviceenginegroup[i];
    checkGroup(s, g, objectPath("serviceenginegroup", g.name, i));
  }
  for (size_t i = 0; i < doc.serviceengine.size(); ++i) {
    const auto& e = doc.serviceengine[i];
    checkEngine(s, doc, e, objectPath("serviceengine", e.name, i));
  }
  checkEngineAddressesUnique(s, doc);
  for (size_t i = 0; i < doc.vrfcontext.size(); ++i) {
    const auto& v = doc.vrfcontext[i];
    checkVrf(s, v, objectPath("vrfcontext", v.name, i));
  }
  for (size_t i = 0; i < doc.healthmonitor.size(); ++i) {
    const auto& m = doc.healthmonitor[i];
    checkMonitor(s, m, objectPath("healthmonitor", m.name, i));
  }
  for (size_t i = 0; i < doc.pool.size(); ++i) {
    const auto& p = doc.pool[i];
    checkPool(s, doc, p, objectPath("pool", p.name, i));
  }
  for (size_t i = 0; i < doc.applicationprofile.size(); ++i) {
    const auto& p = doc.applicationprofile[i];
    checkProfile(s, p, objectPath("applicationprofile", p.name, i));
  }
  for (size_t i = 0; i < doc.virtualservice.size(); ++i) {
    const auto& vs = doc.virtualservice[i];
    checkVirtualService(s, doc, vs, objectPath("virtualservice", vs.name, i));
  }
  checkListenerConflicts(s, doc);
  detail::checkDesignRules(doc, report);
  return report;
}

}  // namespace floe::config
