// Document → JSON config document: addresses as strings, prefixes as "a/len", enums as Avi
// spells them, every field written out (defaults too) so that decode(encode(d)) == d.
#include <cctype>
#include <nlohmann/json.hpp>

#include "config/document.h"

namespace floe::config {
namespace {

using json = nlohmann::json;

// A ref is the bare name, unless the name itself would read as a REST ref ("/…", "…://…"):
// then "/api/TYPE?name=…" with the name percent-encoded, which decodes back to the same name.
std::string ref(std::string_view type, const std::string& name) {
  if (name.empty() || (name[0] != '/' && name.find("://") == std::string::npos)) return name;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "/api/" + std::string(type) + "?name=";
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

json addresses(const std::vector<IpAddress>& list) {
  json out = json::array();
  for (const auto& a : list) out.push_back(a.toString());
  return out;
}

json encode(const ServiceEngineGroup& g) {
  json o = {{"name", g.name},
            {"ha_mode", toString(g.ha_mode)},
            {"active_standby", g.active_standby},
            {"floating_intf_ip", addresses(g.floating_intf_ip)},
            {"enable_routing", g.enable_routing},
            {"advertise_backend_networks", g.advertise_backend_networks},
            {"distribute_load_active_standby", g.distribute_load_active_standby},
            {"dp_hb_frequency", g.dp_hb_frequency},
            {"dp_hb_timeout_count", g.dp_hb_timeout_count}};
  if (g.ha_heartbeat_secret) o["ha_heartbeat_secret"] = *g.ha_heartbeat_secret;
  return o;
}

json encode(const ServiceEngine& e) {
  json vnics = json::array();
  for (const auto& v : e.data_vnics)
    vnics.push_back({{"if_name", v.if_name}, {"ip", v.ip.toString()}});
  json o = {{"name", e.name},
            {"se_group_ref", ref("serviceenginegroup", e.se_group_ref)},
            {"data_vnics", vnics}};
  if (e.ha_priority) o["ha_priority"] = *e.ha_priority;
  return o;
}

json encode(const BgpProfile& b) {
  json peers = json::array();
  for (const auto& p : b.peers) {
    json o = {{"peer_ip", p.peer_ip.toString()},
              {"bfd", p.bfd},
              {"advertise_vip", p.advertise_vip},
              {"advertise_snat_ip", p.advertise_snat_ip}};
    if (p.remote_as != 0) o["remote_as"] = p.remote_as;  // 0: unset (iBGP uses local_as)
    if (p.subnet) o["subnet"] = p.subnet->toString();
    if (p.md5_secret) o["md5_secret"] = *p.md5_secret;
    if (p.ebgp_multihop != 0) o["ebgp_multihop"] = p.ebgp_multihop;
    peers.push_back(std::move(o));
  }
  json out = {{"local_as", b.local_as},
              {"ibgp", b.ibgp},
              {"hold_time", b.hold_time},
              {"keepalive_interval", b.keepalive_interval},
              {"local_preference", b.local_preference},
              {"num_as_path_prepend", b.num_as_path_prepend},
              {"peers", peers}};
  if (!b.community.empty()) out["community"] = b.community;
  return out;
}

json encode(const VrfContext& v) {
  json routes = json::array();
  for (const auto& r : v.static_routes) {
    json o = {{"route_id", r.route_id},
              {"prefix", r.prefix.toString()},
              {"next_hop", r.next_hop.toString()}};
    if (r.if_name) o["if_name"] = *r.if_name;
    routes.push_back(std::move(o));
  }
  json o = {{"name", v.name}, {"static_routes", routes}};
  if (v.bgp_profile) o["bgp_profile"] = encode(*v.bgp_profile);
  if (v.bfd_profile) {
    o["bfd_profile"] = {{"mintx", v.bfd_profile->mintx},
                        {"minrx", v.bfd_profile->minrx},
                        {"multi", v.bfd_profile->multi}};
  }
  return o;
}

json encode(const HealthMonitor& m) {
  json o = {{"name", m.name},
            {"type", toString(m.type)},
            {"send_interval", m.send_interval},
            {"receive_timeout", m.receive_timeout},
            {"successful_checks", m.successful_checks},
            {"failed_checks", m.failed_checks}};
  if (m.monitor_port) o["monitor_port"] = *m.monitor_port;
  if (m.http_monitor) {
    o["http_monitor"] = {{"http_request", m.http_monitor->http_request},
                         {"http_response_code", m.http_monitor->http_response_code}};
    // Written only when set: documents from before these fields read back unchanged.
    if (!m.http_monitor->http_response.empty()) {
      o["http_monitor"]["http_response"] = m.http_monitor->http_response;
    }
    if (!m.http_monitor->maintenance_code.empty()) {
      o["http_monitor"]["maintenance_code"] = m.http_monitor->maintenance_code;
    }
    if (!m.http_monitor->maintenance_response.empty()) {
      o["http_monitor"]["maintenance_response"] = m.http_monitor->maintenance_response;
    }
  }
  return o;
}

json encode(const Pool& p) {
  json monitorRefs = json::array();
  for (const auto& m : p.health_monitor_refs) monitorRefs.push_back(ref("healthmonitor", m));
  json servers = json::array();
  for (const auto& s : p.servers) {
    json o = {{"ip", s.ip.toString()}, {"ratio", s.ratio}, {"enabled", s.enabled}};
    if (s.port) o["port"] = *s.port;
    servers.push_back(std::move(o));
  }
  json o = {{"name", p.name},
            {"lb_algorithm", toString(p.lb_algorithm)},
            {"default_server_port", p.default_server_port},
            {"health_monitor_refs", monitorRefs},
            {"servers", servers}};
  if (p.server_timeout != 0) o["server_timeout"] = p.server_timeout;  // only when set
  if (p.lb_algorithm_hash != Pool{}.lb_algorithm_hash) {
    o["lb_algorithm_hash"] = toString(p.lb_algorithm_hash);
  }
  if (!p.lb_algorithm_consistent_hash_hdr.empty()) {
    o["lb_algorithm_consistent_hash_hdr"] = p.lb_algorithm_consistent_hash_hdr;
  }
  return o;
}

json encode(const ApplicationProfile& p) {
  json o = {
      {"name", p.name}, {"type", toString(p.type)}, {"preserve_client_ip", p.preserve_client_ip}};
  if (p.http_profile) {
    const HttpProfile& h = *p.http_profile;
    const HttpProfile d;
    json hp = {{"connection_multiplexing_enabled", h.connection_multiplexing_enabled}};
    // The other fields only when set to something else than the default: documents written
    // before they existed read back unchanged.
    if (h.client_header_timeout != d.client_header_timeout) {
      hp["client_header_timeout"] = h.client_header_timeout;
    }
    if (h.client_body_timeout != d.client_body_timeout) {
      hp["client_body_timeout"] = h.client_body_timeout;
    }
    if (h.keepalive_timeout != d.keepalive_timeout) hp["keepalive_timeout"] = h.keepalive_timeout;
    if (h.xff_enabled != d.xff_enabled) hp["xff_enabled"] = h.xff_enabled;
    if (h.xff_alternate_name != d.xff_alternate_name) {
      hp["xff_alternate_name"] = h.xff_alternate_name;
    }
    if (h.via_enabled != d.via_enabled) hp["via_enabled"] = h.via_enabled;
    if (h.x_forwarded_proto_enabled != d.x_forwarded_proto_enabled) {
      hp["x_forwarded_proto_enabled"] = h.x_forwarded_proto_enabled;
    }
    if (h.websockets_enabled != d.websockets_enabled) {
      hp["websockets_enabled"] = h.websockets_enabled;
    }
    o["http_profile"] = std::move(hp);
  }
  return o;
}

json encode(const NetworkProfile& np) {
  return {{"name", np.name},
          {"profile",
           {{"type", toString(np.profile.type)},
            {"tcp_proxy_profile",
             {{"idle_connection_timeout",
               np.profile.tcp_proxy_profile.idle_connection_timeout}}}}}};
}

json encode(const VirtualService& vs) {
  json vips = json::array();
  for (const auto& v : vs.vip) {
    vips.push_back({{"vip_id", v.vip_id}, {"ip_address", v.ip_address.toString()}});
  }
  json services = json::array();
  for (const auto& s : vs.services) {
    json o = {{"port", s.port}};
    if (s.port_range_end) o["port_range_end"] = *s.port_range_end;
    services.push_back(std::move(o));
  }
  return {{"name", vs.name},
          {"enabled", vs.enabled},
          {"vip", vips},
          {"services", services},
          {"snat_ip", addresses(vs.snat_ip)},
          {"pool_ref", ref("pool", vs.pool_ref)},
          {"application_profile_ref", ref("applicationprofile", vs.application_profile_ref)},
          {"network_profile_ref", ref("networkprofile", vs.network_profile_ref)},
          {"se_group_ref", ref("serviceenginegroup", vs.se_group_ref)},
          {"vrf_context_ref", ref("vrfcontext", vs.vrf_context_ref)}};
}

template <class T>
json encodeAll(const std::vector<T>& objects) {
  json out = json::array();
  for (const auto& o : objects) out.push_back(encode(o));
  return out;
}

}  // namespace

nlohmann::json encodeDocument(const Document& doc) {
  return {{"serviceenginegroup", encodeAll(doc.serviceenginegroup)},
          {"serviceengine", encodeAll(doc.serviceengine)},
          {"vrfcontext", encodeAll(doc.vrfcontext)},
          {"healthmonitor", encodeAll(doc.healthmonitor)},
          {"pool", encodeAll(doc.pool)},
          {"applicationprofile", encodeAll(doc.applicationprofile)},
          {"networkprofile", encodeAll(doc.networkprofile)},
          {"virtualservice", encodeAll(doc.virtualservice)}};
}

}  // namespace floe::config
