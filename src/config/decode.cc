// JSON config document → Document. Every problem is collected as `path: reason`; decoding goes
// on after an error so that the user sees all of them at once (the reading of single values is
// in json_fields.h).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "config/checks.h"
#include "config/document.h"
#include "config/json_fields.h"
#include "config/scan.h"

namespace floe::config {
namespace {

using detail::Decoder;
using detail::describe;
using detail::Fields;
using detail::printable;
using detail::quote;
using json = nlohmann::json;

const std::vector<std::string>& objectTypes() {
  static const std::vector<std::string> kTypes = {
      "serviceenginegroup", "serviceengine", "vrfcontext", "healthmonitor", "pool",
      "applicationprofile", "networkprofile", "virtualservice"};
  return kTypes;
}

// ---- object types ----------------------------------------------------------------------------

ServiceEngineGroup decodeGroup(Fields& f) {
  Decoder& d = f.decoder();
  ServiceEngineGroup g;
  f.name(g.name);
  f.optional("ha_mode", [&](const json& v, const std::string& p) {
    Fields::store(g.ha_mode, d.enumeration(v, p, "ha_mode",
                                           {HaMode::kLegacyActiveStandby, HaMode::kShared,
                                            HaMode::kSharedPair}));
  });
  const bool activeStandbyGiven = f.boolean("active_standby", g.active_standby);
  f.addresses("floating_intf_ip", g.floating_intf_ip);
  f.boolean("enable_routing", g.enable_routing);
  f.boolean("advertise_backend_networks", g.advertise_backend_networks);
  f.boolean("distribute_load_active_standby", g.distribute_load_active_standby);
  f.number("dp_hb_frequency", g.dp_hb_frequency, detail::kHbFrequency);
  f.number("dp_hb_timeout_count", g.dp_hb_timeout_count, detail::kHbTimeoutCount);
  f.secret("ha_heartbeat_secret", g.ha_heartbeat_secret, SIZE_MAX);
  // Avi sets active_standby with the legacy mode; the other modes are active/active.
  if (!activeStandbyGiven) g.active_standby = g.ha_mode == HaMode::kLegacyActiveStandby;
  return g;
}

ServiceEngine decodeEngine(Fields& f) {
  Decoder& d = f.decoder();
  ServiceEngine e;
  f.name(e.name);
  f.ref("se_group_ref", e.se_group_ref, "serviceenginegroup");
  f.objects("data_vnics", "serviceengine data_vnics[]",
            "[{\"if_name\": \"eth0\", \"ip\": \"10.10.1.11/24\"}]", [&](Fields& vf, size_t) {
              DataVnic vnic;
              vf.required("if_name", "the host's interface name, e.g. \"eth0\"",
                          [&](const json& v, const std::string& p) {
                            Fields::store(vnic.if_name,
                                          d.checkedText(v, p, "\"eth0\"", detail::checkIfName));
                          });
              vf.required("ip", "the interface's address and prefix length, e.g. \"10.10.1.11/24\"",
                          [&](const json& v, const std::string& p) {
                            Fields::store(vnic.ip, d.interfacePrefix(v, p));
                          });
              e.data_vnics.push_back(std::move(vnic));
            });
  f.number("ha_priority", e.ha_priority, detail::kHaPriority);
  return e;
}

BgpProfile decodeBgpProfile(Fields& f) {
  Decoder& d = f.decoder();
  BgpProfile b;
  f.required("local_as", std::string(detail::kAsNumber.accepted),
             [&](const json& v, const std::string& p) {
               if (auto n = d.number(v, p, detail::kAsNumber))
                 b.local_as = static_cast<uint32_t>(*n);
             });
  f.boolean("ibgp", b.ibgp);
  f.number("hold_time", b.hold_time, detail::kHoldTime);
  f.number("keepalive_interval", b.keepalive_interval, detail::kKeepalive);
  f.number("local_preference", b.local_preference, detail::kLocalPreference);
  f.number("num_as_path_prepend", b.num_as_path_prepend, detail::kAsPathPrepend);
  f.optional("community", [&](const json& v, const std::string& p) {
    d.array(v, p, "[\"65000:100\", \"no-export\"]",
            [&](const json& e, const std::string& ep, size_t i) {
              if (i >= detail::kMaxCommunities) {
                if (i == detail::kMaxCommunities) {
                  d.error(p, "at most " + std::to_string(detail::kMaxCommunities) +
                                 " communities");
                }
                return;
              }
              auto text = d.text(e, ep, "\"65000:100\"");
              if (!text) return;
              if (!detail::parseBgpCommunity(*text)) {
                d.error(ep, "\"" + *text +
                                "\" is not a BGP community; use AS:VALUE with both 0-65535 "
                                "(\"65000:100\"), a number 0-4294967295, or internet, "
                                "no-export, no-advertise, local-AS");
                return;
              }
              b.community.push_back(*text);
            });
  });
  f.objects("peers", "bgp_profile peers[]", "[{\"peer_ip\": \"10.10.40.3\", \"remote_as\": 65000}]",
            [&](Fields& pf, size_t) {
              BgpPeer peer;
              pf.required("peer_ip", "the peer's address, e.g. \"10.10.40.3\"",
                          [&](const json& v, const std::string& p) {
                            Fields::store(peer.peer_ip, d.hostAddress(v, p));
                          });
              pf.number("remote_as", peer.remote_as, detail::kAsNumber);
              pf.optional("subnet", [&](const json& v, const std::string& p) {
                if (auto s = d.networkPrefix(v, p)) peer.subnet = *s;
              });
              pf.boolean("bfd", peer.bfd);
              pf.boolean("advertise_vip", peer.advertise_vip);
              pf.boolean("advertise_snat_ip", peer.advertise_snat_ip);
              pf.secret("md5_secret", peer.md5_secret, detail::kMaxMd5SecretLength);
              pf.number("ebgp_multihop", peer.ebgp_multihop, detail::kEbgpMultihop);
              b.peers.push_back(std::move(peer));
            });
  return b;
}

VrfContext decodeVrf(Fields& f) {
  Decoder& d = f.decoder();
  VrfContext vrf;
  f.name(vrf.name);
  f.objects("static_routes", "vrfcontext static_routes[]",
            "[{\"route_id\": \"1\", \"prefix\": \"0.0.0.0/0\", \"next_hop\": \"10.10.1.1\"}]",
            [&](Fields& rf, size_t index) {
              StaticRoute r;
              r.route_id = std::to_string(index + 1);  // Avi numbers routes from 1
              rf.optional("route_id", [&](const json& v, const std::string& p) {
                Fields::store(r.route_id, d.id(v, p));
              });
              rf.required("prefix", "the destination network, e.g. \"0.0.0.0/0\"",
                          [&](const json& v, const std::string& p) {
                            Fields::store(r.prefix, d.networkPrefix(v, p));
                          });
              rf.required("next_hop", "the gateway's address, e.g. \"10.10.1.1\"",
                          [&](const json& v, const std::string& p) {
                            Fields::store(r.next_hop, d.hostAddress(v, p));
                          });
              rf.optional("if_name", [&](const json& v, const std::string& p) {
                if (auto s = d.checkedText(v, p, "\"eth0\"", detail::checkIfName)) r.if_name = *s;
              });
              vrf.static_routes.push_back(std::move(r));
            });
  f.object("bgp_profile", "vrfcontext bgp_profile",
           [&](Fields& bf) { vrf.bgp_profile = decodeBgpProfile(bf); });
  f.object("bfd_profile", "vrfcontext bfd_profile", [&](Fields& bf) {
    BfdProfile b;
    bf.number("mintx", b.mintx, detail::kBfdInterval);
    bf.number("minrx", b.minrx, detail::kBfdInterval);
    bf.number("multi", b.multi, detail::kBfdMulti);
    vrf.bfd_profile = b;
  });
  return vrf;
}

HealthMonitor decodeMonitor(Fields& f) {
  Decoder& d = f.decoder();
  HealthMonitor m;
  f.name(m.name);
  f.optional("type", [&](const json& v, const std::string& p) {
    Fields::store(m.type, d.enumeration(v, p, "health monitor type",
                                        {HealthMonitorType::kTcp, HealthMonitorType::kPing,
                                         HealthMonitorType::kHttp, HealthMonitorType::kUdp}));
  });
  f.number("send_interval", m.send_interval, detail::kSendInterval);
  f.number("receive_timeout", m.receive_timeout, detail::kReceiveTimeout);
  f.number("successful_checks", m.successful_checks, detail::kChecks);
  f.number("failed_checks", m.failed_checks, detail::kChecks);
  f.port("monitor_port", m.monitor_port);
  f.object("http_monitor", "healthmonitor http_monitor", [&](Fields& hf) {
    HttpMonitor h;
    hf.optional("http_request", [&](const json& v, const std::string& p) {
      auto nonEmpty = [](const std::string& s) -> std::optional<std::string> {
        if (s.empty()) return "must not be empty; e.g. \"GET / HTTP/1.0\"";
        return std::nullopt;
      };
      Fields::store(h.http_request, d.checkedText(v, p, "\"GET / HTTP/1.0\"", nonEmpty));
    });
    hf.optional("http_response_code", [&](const json& v, const std::string& p) {
      h.http_response_code.clear();
      d.array(v, p, "[\"HTTP_2XX\"]", [&](const json& e, const std::string& ep, size_t) {
        auto s = d.text(e, ep, "\"HTTP_2XX\"");
        if (!s) return;
        const std::string code = detail::upper(*s);
        if (auto bad = detail::checkHttpResponseCode(code)) {
          d.error(ep, *bad);
          return;
        }
        h.http_response_code.push_back(code);
      });
    });
    hf.optional("http_response", [&](const json& v, const std::string& p) {
      Fields::store(h.http_response, d.text(v, p, "\"OK\""));
    });
    hf.optional("maintenance_response", [&](const json& v, const std::string& p) {
      Fields::store(h.maintenance_response, d.text(v, p, "\"maintenance\""));
    });
    hf.optional("maintenance_code", [&](const json& v, const std::string& p) {
      d.array(v, p, "[503]", [&](const json& e, const std::string& ep, size_t) {
        if (auto n = d.number(e, ep, detail::kHttpStatusCode)) {
          h.maintenance_code.push_back(static_cast<uint32_t>(*n));
        }
      });
    });
    m.http_monitor = std::move(h);
  });
  return m;
}

Pool decodePool(Fields& f) {
  Decoder& d = f.decoder();
  Pool pool;
  f.name(pool.name);
  f.optional("lb_algorithm", [&](const json& v, const std::string& p) {
    Fields::store(pool.lb_algorithm,
                  d.enumeration(v, p, "lb_algorithm",
                                {LbAlgorithm::kLeastConnections, LbAlgorithm::kRoundRobin,
                                 LbAlgorithm::kFastestResponse, LbAlgorithm::kConsistentHash}));
  });
  f.port("default_server_port", pool.default_server_port);
  f.number("server_timeout", pool.server_timeout, detail::kServerTimeout);
  f.optional("lb_algorithm_hash", [&](const json& v, const std::string& p) {
    Fields::store(
        pool.lb_algorithm_hash,
        d.enumeration(v, p, "lb_algorithm_hash",
                      {LbAlgorithmHash::kSourceIpAddress, LbAlgorithmHash::kSourceIpAddressAndPort,
                       LbAlgorithmHash::kUri, LbAlgorithmHash::kCustomHeader}));
  });
  f.optional("lb_algorithm_consistent_hash_hdr", [&](const json& v, const std::string& p) {
    Fields::store(pool.lb_algorithm_consistent_hash_hdr,
                  d.checkedText(v, p, "\"X-User\"", detail::checkHttpFieldName));
  });
  f.optional("health_monitor_refs", [&](const json& v, const std::string& p) {
    d.array(v, p, "[\"System-TCP\"]", [&](const json& e, const std::string& ep, size_t) {
      if (auto r = d.ref(e, ep, "healthmonitor")) pool.health_monitor_refs.push_back(*r);
    });
  });
  f.objects("servers", "pool servers[]", "[{\"ip\": \"10.10.20.21\"}]", [&](Fields& sf, size_t) {
    PoolServer s;
    sf.required(
        "ip", "the server's address, e.g. \"10.10.20.21\"",
        [&](const json& v, const std::string& p) { Fields::store(s.ip, d.hostAddress(v, p)); });
    sf.port("port", s.port);
    sf.number("ratio", s.ratio, detail::kRatio);
    sf.boolean("enabled", s.enabled);
    pool.servers.push_back(s);
  });
  return pool;
}

ApplicationProfile decodeProfile(Fields& f) {
  Decoder& d = f.decoder();
  ApplicationProfile profile;
  f.name(profile.name);
  f.optional("type", [&](const json& v, const std::string& p) {
    Fields::store(profile.type,
                  d.enumeration(v, p, "application profile type",
                                {ApplicationProfileType::kHttp, ApplicationProfileType::kL4}));
  });
  f.boolean("preserve_client_ip", profile.preserve_client_ip);
  f.object("http_profile", "applicationprofile http_profile", [&](Fields& hf) {
    HttpProfile h;
    hf.boolean("connection_multiplexing_enabled", h.connection_multiplexing_enabled);
    hf.number("client_header_timeout", h.client_header_timeout, detail::kHttpTimeout);
    hf.number("client_body_timeout", h.client_body_timeout, detail::kClientBodyTimeout);
    hf.number("keepalive_timeout", h.keepalive_timeout, detail::kHttpTimeout);
    hf.boolean("xff_enabled", h.xff_enabled);
    hf.optional("xff_alternate_name", [&](const json& v, const std::string& p) {
      Fields::store(h.xff_alternate_name,
                    d.checkedText(v, p, "\"X-Real-Client\"", detail::checkXffAlternateName));
    });
    hf.boolean("x_forwarded_proto_enabled", h.x_forwarded_proto_enabled);
    hf.boolean("websockets_enabled", h.websockets_enabled);
    hf.boolean("via_enabled", h.via_enabled);
    profile.http_profile = h;
  });
  return profile;
}

NetworkProfile decodeNetworkProfile(Fields& f) {
  Decoder& d = f.decoder();
  NetworkProfile np;
  f.name(np.name);
  f.object("profile", "networkprofile profile", [&](Fields& pf) {
    pf.optional("type", [&](const json& v, const std::string& p) {
      Fields::store(np.profile.type, d.enumeration(v, p, "network profile type",
                                                   {NetworkProfileType::kTcpProxy}));
    });
    pf.object("tcp_proxy_profile", "networkprofile tcp_proxy_profile", [&](Fields& tf) {
      tf.number("idle_connection_timeout", np.profile.tcp_proxy_profile.idle_connection_timeout,
                detail::kIdleConnectionTimeout);
    });
  });
  return np;
}

VirtualService decodeVirtualService(Fields& f) {
  Decoder& d = f.decoder();
  VirtualService vs;
  f.name(vs.name);
  f.boolean("enabled", vs.enabled);
  f.objects("vip", "virtualservice vip[]", "[{\"vip_id\": \"0\", \"ip_address\": \"10.10.2.100\"}]",
            [&](Fields& vf, size_t index) {
              Vip vip;
              vip.vip_id = std::to_string(index);  // Avi's first VIP is vip_id "0"
              vf.optional("vip_id", [&](const json& v, const std::string& p) {
                Fields::store(vip.vip_id, d.id(v, p));
              });
              vf.required("ip_address", "the VIP, e.g. \"10.10.2.100\"",
                          [&](const json& v, const std::string& p) {
                            Fields::store(vip.ip_address, d.hostAddress(v, p));
                          });
              vs.vip.push_back(std::move(vip));
            });
  f.objects("services", "virtualservice services[]", "[{\"port\": 80}]", [&](Fields& sf, size_t) {
    Service s;
    sf.required("port", std::string(detail::kPort.accepted),
                [&](const json& v, const std::string& p) {
                  if (auto n = d.number(v, p, detail::kPort)) s.port = static_cast<uint16_t>(*n);
                });
    sf.port("port_range_end", s.port_range_end);
    vs.services.push_back(s);
  });
  f.addresses("snat_ip", vs.snat_ip);
  f.ref("pool_ref", vs.pool_ref, "pool");
  f.ref("application_profile_ref", vs.application_profile_ref, "applicationprofile");
  f.ref("network_profile_ref", vs.network_profile_ref, "networkprofile");
  f.ref("se_group_ref", vs.se_group_ref, "serviceenginegroup");
  f.ref("vrf_context_ref", vs.vrf_context_ref, "vrfcontext");
  return vs;
}

// `type[name]` when the element has a usable name, else `type[index]`.
std::string elementPath(const std::string& type, const json& element, size_t index) {
  if (element.is_object()) {
    auto it = element.find("name");
    if (it != element.end() && it->is_string()) {
      const auto& name = it->get_ref<const std::string&>();
      if (!detail::checkName(name)) return detail::objectPath(type, name, index);
    }
  }
  return detail::objectPath(type, "", index);
}

template <class T>
void decodeAll(Decoder& d, const json& value, const std::string& type, std::vector<T>& out,
               T (*decodeOne)(Fields&)) {
  if (!value.is_array()) {
    d.error(type, "must be an array of objects, e.g. \"" + type + "\": [{\"name\": \"x\"}], got " +
                      describe(value));
    return;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const json& element = value[i];
    const std::string path = elementPath(type, element, i);
    if (!element.is_object()) {
      d.error(path, "must be an object, got " + describe(element));
      continue;
    }
    Fields f(d, element, path, type);
    out.push_back(decodeOne(f));
    f.finish();
  }
}

void decodeInto(const json& root, Decoded& out) {
  Decoder d(out.report.errors);
  if (!root.is_object()) {
    d.error("document", "must be a JSON object whose keys are object types (" +
                            detail::join(objectTypes()) + "), got " + describe(root));
    return;
  }
  Document& doc = out.document;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& type = it.key();
    const json& value = it.value();
    if (type == "serviceenginegroup") {
      decodeAll(d, value, type, doc.serviceenginegroup, decodeGroup);
    } else if (type == "serviceengine") {
      decodeAll(d, value, type, doc.serviceengine, decodeEngine);
    } else if (type == "vrfcontext") {
      decodeAll(d, value, type, doc.vrfcontext, decodeVrf);
    } else if (type == "healthmonitor") {
      decodeAll(d, value, type, doc.healthmonitor, decodeMonitor);
    } else if (type == "pool") {
      decodeAll(d, value, type, doc.pool, decodePool);
    } else if (type == "applicationprofile") {
      decodeAll(d, value, type, doc.applicationprofile, decodeProfile);
    } else if (type == "networkprofile") {
      decodeAll(d, value, type, doc.networkprofile, decodeNetworkProfile);
    } else if (type == "virtualservice") {
      decodeAll(d, value, type, doc.virtualservice, decodeVirtualService);
    } else {
      d.error(printable(type), "unknown object type" + detail::didYouMean(type, objectTypes()) +
                                   "; accepted: " + detail::join(objectTypes()));
    }
  }
  if (d.dropped() > 0) {
    out.report.errors.push_back(
        Diagnostic{"document", std::to_string(d.dropped()) + " more errors are not listed; fix " +
                                   "the first " + std::to_string(detail::kMaxDecodeErrors) +
                                   " and check again"});
  }
}

// Adds each built-in object the document did not declare under the same type and name.
template <class T>
void addMissing(std::vector<T>& declared, const std::vector<T>& builtins) {
  for (const T& b : builtins) {
    const bool present =
        std::any_of(declared.begin(), declared.end(), [&](const T& o) { return o.name == b.name; });
    if (!present) declared.push_back(b);
  }
}

void addBuiltins(Document& doc) {
  const Document b = builtinObjects();
  addMissing(doc.serviceenginegroup, b.serviceenginegroup);
  addMissing(doc.serviceengine, b.serviceengine);
  addMissing(doc.vrfcontext, b.vrfcontext);
  addMissing(doc.healthmonitor, b.healthmonitor);
  addMissing(doc.pool, b.pool);
  addMissing(doc.applicationprofile, b.applicationprofile);
  addMissing(doc.networkprofile, b.networkprofile);
  addMissing(doc.virtualservice, b.virtualservice);
}

// True when `path` is `at` or lies inside it ("pool[web].servers[0].port" inside
// "pool[web].servers[0]").
bool within(const std::string& path, const std::string& at) {
  if (path.compare(0, at.size(), at) != 0) return false;
  return path.size() == at.size() || path[at.size()] == '.' || path[at.size()] == '[';
}

void finishDecoding(Decoded& out) {
  addBuiltins(out.document);
  if (out.report.ok()) {
    Report r = validate(out.document);
    out.report.errors = std::move(r.errors);
    out.report.notices = std::move(r.notices);
    return;
  }
  // Every error at once: the cross-object rules run on what did decode (a field that failed
  // kept its default), so a wrong port and a rule violation elsewhere are reported together.
  // A problem with a whole type or the JSON itself leaves too little to check the rules on.
  const auto& decodeErrors = out.report.errors;
  const bool structural = std::any_of(decodeErrors.begin(), decodeErrors.end(), [](const auto& e) {
    return e.path.find_first_of(".[") == std::string::npos;
  });
  if (structural) return;
  Report r = validate(out.document);
  std::vector<Diagnostic> more;
  for (auto& e : r.errors) {
    const bool covered = std::any_of(decodeErrors.begin(), decodeErrors.end(),
                                     [&](const Diagnostic& d) { return within(e.path, d.path); });
    if (!covered) more.push_back(std::move(e));
  }
  out.report.errors.insert(out.report.errors.end(), more.begin(), more.end());
}

}  // namespace

Decoded decodeDocument(const nlohmann::json& json) {
  Decoded out;
  try {
    decodeInto(json, out);
    finishDecoding(out);
  } catch (const std::exception& e) {  // none expected; never let one escape to the caller
    out.report.errors.push_back(Diagnostic{"document", std::string("internal error: ") + e.what()});
  }
  return out;
}

Decoded decodeDocument(std::string_view jsonText) {
  Decoded out;
  try {
    // Limits and duplicate keys first, without a DOM: nlohmann alone keeps the last of
    // duplicate keys silently and follows any depth.
    if (detail::scanDocument(jsonText, out.report.errors) == detail::ScanResult::kDontParse) {
      return out;
    }
    const nlohmann::json root = nlohmann::json::parse(jsonText.begin(), jsonText.end());
    decodeInto(root, out);
    finishDecoding(out);
  } catch (const std::exception& e) {
    out.report.errors.push_back(Diagnostic{"document", std::string("internal error: ") + e.what()});
  }
  return out;
}

Decoded decodeDocument(const std::string& jsonText) {
  return decodeDocument(std::string_view(jsonText));
}

Decoded decodeDocument(const char* jsonText) {
  return decodeDocument(std::string_view(jsonText == nullptr ? "" : jsonText));
}

}  // namespace floe::config
