#include "se/desired_state.h"

#include <algorithm>
#include <set>

#include "config/checks.h"
#include "se/support.h"

namespace floe::se {

const char* toString(AddressRole r) {
  switch (r) {
    case AddressRole::kFloating: return "floating";
    case AddressRole::kVip: return "vip";
    case AddressRole::kSnat: return "snat";
  }
  return "?";
}

namespace {

proxy::MonitorSpec toMonitorSpec(const config::HealthMonitor& m) {
  proxy::MonitorSpec spec;
  spec.name = m.name;
  spec.type = m.type == config::HealthMonitorType::kPing   ? proxy::MonitorType::kPing
              : m.type == config::HealthMonitorType::kHttp ? proxy::MonitorType::kHttp
                                                           : proxy::MonitorType::kTcp;
  if (spec.type == proxy::MonitorType::kHttp) {
    const config::HttpMonitor h = m.http_monitor.value_or(config::HttpMonitor{});
    spec.http = proxy::HttpCheckSpec{.http_request = h.http_request,
                                     .http_response_code = h.http_response_code,
                                     .http_response = h.http_response,
                                     .maintenance_code = h.maintenance_code,
                                     .maintenance_response = h.maintenance_response};
  }
  spec.send_interval_s = m.send_interval;
  spec.receive_timeout_s = m.receive_timeout;
  spec.successful_checks = m.successful_checks;
  spec.failed_checks = m.failed_checks;
  spec.port = m.monitor_port;
  return spec;
}

proxy::PoolSpec toPoolSpec(const config::Document& doc, const config::Pool& pool) {
  proxy::PoolSpec spec;
  spec.name = pool.name;
  switch (pool.lb_algorithm) {
    case config::LbAlgorithm::kRoundRobin:
      spec.algorithm = proxy::Algorithm::kRoundRobin;
      break;
    case config::LbAlgorithm::kLeastConnections:
      spec.algorithm = proxy::Algorithm::kLeastConnections;
      break;
    case config::LbAlgorithm::kConsistentHash:
      spec.algorithm = proxy::Algorithm::kConsistentHash;
      break;
    case config::LbAlgorithm::kFastestResponse:
      spec.algorithm = proxy::Algorithm::kFastestResponse;
      break;
  }
  switch (pool.lb_algorithm_hash) {
    case config::LbAlgorithmHash::kSourceIpAddress:
      spec.hash_key = proxy::HashKey::kSourceIp;
      break;
    case config::LbAlgorithmHash::kSourceIpAddressAndPort:
      spec.hash_key = proxy::HashKey::kSourceIpAndPort;
      break;
    case config::LbAlgorithmHash::kUri:
      spec.hash_key = proxy::HashKey::kUri;
      break;
    case config::LbAlgorithmHash::kCustomHeader:
      spec.hash_key = proxy::HashKey::kHeader;
      spec.hash_header = pool.lb_algorithm_consistent_hash_hdr;
      break;
  }
  for (const auto& s : pool.servers) {
    spec.servers.push_back(proxy::ServerSpec{
        .ip = s.ip, .port = s.port.value_or(pool.default_server_port), .ratio = s.ratio,
        .enabled = s.enabled});
  }
  for (const auto& ref : pool.health_monitor_refs) {
    if (const auto* m = config::findMonitor(doc, ref)) spec.monitors.push_back(toMonitorSpec(*m));
  }
  return spec;
}

// The HTTP settings of a virtual service from its application profile's http_profile (Avi's
// field names) and its pool (server_timeout).
proxy::HttpSpec toHttpSpec(const config::ApplicationProfile& profile, const config::Pool* pool) {
  proxy::HttpSpec spec;
  const config::HttpProfile h = profile.http_profile.value_or(config::HttpProfile{});
  spec.connection_multiplexing_enabled = h.connection_multiplexing_enabled;
  spec.client_header_timeout_ms = h.client_header_timeout;
  if (h.client_body_timeout != 0) spec.client_body_timeout_ms = h.client_body_timeout;
  spec.keepalive_timeout_ms = h.keepalive_timeout;
  spec.xff_enabled = h.xff_enabled;
  spec.xff_alternate_name = h.xff_alternate_name;
  spec.x_forwarded_proto_enabled = h.x_forwarded_proto_enabled;
  spec.websockets_enabled = h.websockets_enabled;
  spec.via_enabled = h.via_enabled;
  if (pool != nullptr && pool->server_timeout != 0) {
    spec.server_response_timeout_ms = pool->server_timeout;
    spec.server_connect_timeout_ms = std::min(spec.server_connect_timeout_ms, pool->server_timeout);
  }
  return spec;
}

// Where an address of the active role goes: on the data interface whose subnet holds it (the
// kernel then answers ARP for it), else as a host route target on floe0.
HeldAddress place(const config::ServiceEngine& se, const IpAddress& ip, AddressRole role,
                  const std::string& owner) {
  HeldAddress held;
  held.role = role;
  held.owner = owner;
  held.address.prefix = Prefix::host(ip);
  held.address.device = net::kLocalDevice;
  for (const auto& vnic : se.data_vnics) {
    if (vnic.ip.contains(ip)) {
      held.address.device = vnic.if_name;
      held.onInterface = true;
      break;
    }
  }
  return held;
}

// The interface the SE reaches `server` through: the data vnic whose subnet holds it, else the
// one of the most specific static route toward it (by if_name or by its next hop's subnet).
const config::DataVnic* vnicToward(const config::Document& doc, const config::ServiceEngine& se,
                                   const IpAddress& server) {
  for (const auto& vnic : se.data_vnics) {
    if (vnic.ip.contains(server)) return &vnic;
  }
  const config::StaticRoute* best = nullptr;
  if (const auto* vrf = config::findVrf(doc, "global")) {
    for (const auto& r : vrf->static_routes) {
      if (r.prefix.address().af() != server.af() || !r.prefix.contains(server)) continue;
      if (best == nullptr || r.prefix.length() > best->prefix.length()) best = &r;
    }
  }
  if (best == nullptr) return nullptr;
  for (const auto& vnic : se.data_vnics) {
    if (best->if_name ? vnic.if_name == *best->if_name : vnic.ip.contains(best->next_hop)) {
      return &vnic;
    }
  }
  return nullptr;
}

// Where the router must send traffic for a SNAT IP of `vs` (issue 5 §11): the group's floating
// IP on the interface toward the pool's servers, else that interface's own address.
std::optional<IpAddress> returnGateway(const config::Document& doc, const config::ServiceEngine& se,
                                       const config::ServiceEngineGroup& group,
                                       const config::VirtualService& vs) {
  const auto* pool = config::findPool(doc, vs.pool_ref);
  if (pool == nullptr || pool->servers.empty()) return std::nullopt;
  const auto* vnic = vnicToward(doc, se, pool->servers.front().ip);
  if (vnic == nullptr) return std::nullopt;
  for (const auto& f : group.floating_intf_ip) {
    if (vnic->ip.contains(f)) return f;
  }
  return vnic->ip.address();
}

void addUnique(std::vector<HeldAddress>& out, HeldAddress held) {
  const bool present = std::any_of(out.begin(), out.end(), [&](const HeldAddress& h) {
    return h.address.prefix == held.address.prefix;
  });
  if (!present) out.push_back(std::move(held));
}

// The BGP identifier (RFC 4271 §4.2, RFC 6286): the SE's first IPv4 data address, so the two
// SEs of a pair differ; a host without IPv4 falls back to a value derived from its name.
uint32_t bgpIdentifier(const config::ServiceEngine& se) {
  for (const auto& vnic : se.data_vnics) {
    if (vnic.ip.address().isV4()) return vnic.ip.address().v4HostOrder();
  }
  uint32_t h = 2166136261u;
  for (char c : se.name) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return h == 0 ? 1 : h;
}

Result<BgpSettings> bgpSettings(const config::Document& doc, const config::ServiceEngine& se,
                                const config::ServiceEngineGroup& group,
                                const config::VrfContext& vrf) {
  const auto& profile = *vrf.bgp_profile;
  BgpSettings out;
  out.ibgp = profile.ibgp;
  out.localPreference = profile.local_preference;
  out.asPathPrepend = static_cast<uint8_t>(profile.num_as_path_prepend);
  for (const auto& c : profile.community) {
    if (const auto value = config::detail::parseBgpCommunity(c)) out.communities.push_back(*value);
  }
  if (vrf.bfd_profile) {
    out.bfd = bfd::Profile{vrf.bfd_profile->mintx, vrf.bfd_profile->minrx,
                           static_cast<uint8_t>(vrf.bfd_profile->multi)};
  }
  for (size_t i = 0; i < profile.peers.size(); ++i) {
    const auto& peer = profile.peers[i];
    const std::string path = "vrfcontext[global].bgp_profile.peers[" + std::to_string(i) + "]";
    // peers[].subnet picks the interface the peer is reached on; without it, the data vnic
    // whose subnet holds peer_ip.
    const config::DataVnic* vnic = nullptr;
    for (const auto& v : se.data_vnics) {
      const bool match = peer.subnet ? (peer.subnet->address().af() == v.ip.address().af() &&
                                        peer.subnet->contains(v.ip.address()))
                                     : v.ip.contains(peer.peer_ip);
      if (match) {
        vnic = &v;
        break;
      }
    }
    if (vnic == nullptr) {
      return makeError(path + ".subnet: serviceengine[" + se.name + "] has no data_vnics " +
                       "address in " +
                       (peer.subnet ? peer.subnet->toString()
                                    : "the subnet of peer_ip " + peer.peer_ip.toString()) +
                       ", so it cannot reach the peer; add the interface or fix the subnet");
    }
    BgpPeerSettings ps;
    ps.session.peer = peer.peer_ip;
    ps.session.local = vnic->ip.address();
    ps.session.device = vnic->if_name;
    ps.session.localAs = profile.local_as;
    ps.session.remoteAs = profile.ibgp || peer.remote_as == 0 ? profile.local_as : peer.remote_as;
    ps.session.bgpIdentifier = bgpIdentifier(se);
    ps.session.holdTime = static_cast<uint16_t>(profile.hold_time);
    ps.session.keepaliveInterval = static_cast<uint16_t>(profile.keepalive_interval);
    ps.session.md5Secret = peer.md5_secret.value_or("");
    ps.session.ebgpMultihop = static_cast<uint8_t>(peer.ebgp_multihop);
    ps.bfd = peer.bfd;
    ps.advertiseVip = peer.advertise_vip;
    ps.advertiseSnatIp = peer.advertise_snat_ip;
    for (const auto& v : se.data_vnics) {
      if (v.if_name != vnic->if_name) continue;
      auto& hop = v.ip.address().isV4() ? ps.nextHopV4 : ps.nextHopV6;
      if (!hop) hop = v.ip.address();
    }
    out.peers.push_back(std::move(ps));
  }
  for (const auto& vs : doc.virtualservice) {
    if (vs.se_group_ref != group.name || !vs.enabled) continue;
    for (const auto& vip : vs.vip) out.vips.emplace_back(vs.name, vip.ip_address);
    for (const auto& snat : vs.snat_ip) out.snatIps.emplace_back(vs.name, snat);
  }
  if (group.advertise_backend_networks) {
    for (const auto& v : se.data_vnics) {
      const Prefix net(v.ip.network(), v.ip.length());
      const bool peerSubnet = std::any_of(out.peers.begin(), out.peers.end(), [&](const auto& p) {
        return v.ip.address() == p.session.local;
      });
      if (!peerSubnet) out.backendNetworks.push_back(net);
    }
  }
  return out;
}

}  // namespace

Result<DesiredState> computeDesiredState(const config::Document& doc, const std::string& engine) {
  const auto* se = config::findEngine(doc, engine);
  if (se == nullptr) {
    return makeError("serviceengine[" + engine +
                     "]: not in the document; floe-se --name must match a serviceengine object");
  }
  const auto* group = config::findGroup(doc, se->se_group_ref);
  if (group == nullptr) {
    return makeError("serviceengine[" + engine + "].se_group_ref: no serviceenginegroup '" +
                     se->se_group_ref + "'");
  }
  if (auto gaps = unsupportedFeatures(doc, *se); !gaps.empty()) {
    std::string message;
    for (const auto& g : gaps) {
      if (!message.empty()) message += '\n';
      message += g.toString();
    }
    return makeError(message);
  }

  DesiredState state;
  state.engine = se->name;
  state.group = group->name;
  state.haMode = group->ha_mode;

  if (group->enable_routing) {
    for (const auto& vnic : se->data_vnics) {
      if (std::find(state.forwardingDevices.begin(), state.forwardingDevices.end(),
                    vnic.if_name) == state.forwardingDevices.end()) {
        state.forwardingDevices.push_back(vnic.if_name);
      }
    }
  }

  for (const auto& ip : group->floating_intf_ip) {
    addUnique(state.addresses, place(*se, ip, AddressRole::kFloating, group->name));
  }

  std::set<std::string> pools;
  for (const auto& vs : doc.virtualservice) {
    if (vs.se_group_ref != group->name || !vs.enabled) continue;
    proxy::VirtualServiceSpec spec;
    spec.name = vs.name;
    spec.pool = vs.pool_ref;
    spec.snat_ips = vs.snat_ip;
    if (!vs.snat_ip.empty()) spec.return_gateway = returnGateway(doc, *se, *group, vs);
    if (const auto* profile = config::findProfile(doc, vs.application_profile_ref);
        profile != nullptr && profile->preserve_client_ip) {
      spec.preserve_client_ip = true;
      state.transparentReturn = true;
    }
    if (const auto* np = config::findNetworkProfile(doc, vs.network_profile_ref)) {
      spec.idle_timeout_s = np->profile.tcp_proxy_profile.idle_connection_timeout;
    }
    for (const auto& vip : vs.vip) {
      addUnique(state.addresses, place(*se, vip.ip_address, AddressRole::kVip, vs.name));
      for (const auto& svc : vs.services) {
        const uint32_t last = svc.port_range_end.value_or(svc.port);
        // Past the engine's limit one more is enough for it to refuse the service: 1000 VIPs
        // with ports 1-65535 would otherwise spell out 65 million listeners.
        for (uint32_t port = svc.port;
             port <= last && spec.listeners.size() <= proxy::kMaxListenersPerService; ++port) {
          spec.listeners.push_back({vip.ip_address, static_cast<uint16_t>(port)});
        }
      }
    }
    for (const auto& snat : vs.snat_ip) {
      addUnique(state.addresses, place(*se, snat, AddressRole::kSnat, vs.name));
    }
    if (const auto* profile = config::findProfile(doc, vs.application_profile_ref);
        profile != nullptr && profile->type == config::ApplicationProfileType::kHttp) {
      spec.mode = proxy::ServiceMode::kHttp;
      spec.http = toHttpSpec(*profile, config::findPool(doc, vs.pool_ref));
    }
    if (pools.insert(vs.pool_ref).second) {
      if (const auto* pool = config::findPool(doc, vs.pool_ref)) {
        state.proxy.pools.push_back(toPoolSpec(doc, *pool));
      }
    }
    state.proxy.virtual_services.push_back(std::move(spec));
  }

  // A legacy HA pair: the peer, and one heartbeat path per data network both SEs are on.
  if (group->ha_mode == config::HaMode::kLegacyActiveStandby) {
    const config::ServiceEngine* peer = nullptr;
    bool selfFirst = false;
    for (const auto& e : doc.serviceengine) {
      if (e.se_group_ref != group->name) continue;
      if (e.name == se->name) {
        if (peer == nullptr) selfFirst = true;
      } else if (peer == nullptr) {
        peer = &e;
      }
    }
    if (peer != nullptr) {
      HaSettings ha;
      ha.group = group->name;
      ha.self = se->name;
      ha.peer = peer->name;
      ha.priority = static_cast<uint8_t>(se->ha_priority.value_or(kDefaultHaPriority));
      ha.firstListed = selfFirst;
      ha.interval = std::chrono::milliseconds(group->dp_hb_frequency);
      ha.deadCount = static_cast<int>(group->dp_hb_timeout_count);
      ha.secret = group->ha_heartbeat_secret.value_or("");
      for (const auto& mine : se->data_vnics) {
        for (const auto& theirs : peer->data_vnics) {
          if (mine.ip.network() == theirs.ip.network() && mine.ip.length() == theirs.ip.length()) {
            ha.paths.push_back({mine.if_name, mine.ip.address(), theirs.ip.address()});
          }
        }
      }
      if (ha.paths.empty()) {
        return makeError("serviceengine[" + se->name + "].data_vnics: shares no subnet with " +
                         "serviceengine[" + peer->name +
                         "], so the pair has no network for its heartbeats; put both SEs on at "
                         "least one common data network");
      }
      state.ha = std::move(ha);
    }
  }

  if (const auto* vrf = config::findVrf(doc, "global");
      vrf != nullptr && vrf->bgp_profile && !vrf->bgp_profile->peers.empty()) {
    auto bgp = bgpSettings(doc, *se, *group, *vrf);
    if (!bgp) return bgp.error();
    state.bgp = std::move(*bgp);
  }

  if (const auto* vrf = config::findVrf(doc, "global")) {
    for (const auto& r : vrf->static_routes) {
      net::Route route;
      route.destination = Prefix(r.prefix.network(), r.prefix.length());
      route.gateway = r.next_hop;
      route.device = r.if_name;
      state.routes.push_back(route);
    }
  }
  if (const auto* vrf = config::findVrf(doc, "global");
      vrf != nullptr && vrf->bgp_profile && !vrf->bgp_profile->peers.empty()) {
    auto bgp = bgpSettings(doc, *se, *group, *vrf);
    if (!bgp) return bgp.error();
    state.bgp = std::move(*bgp);
  }
  return state;
}

}  // namespace floe::se
