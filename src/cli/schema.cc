#include "cli/schema.h"

#include "config/model.h"

namespace floe::cli {
namespace {

using config::toString;

FieldSchema field(std::string name, Kind kind, std::string help) {
  FieldSchema f;
  f.name = std::move(name);
  f.kind = kind;
  f.help = std::move(help);
  return f;
}
FieldSchema required(FieldSchema f) {
  f.required = true;
  return f;
}
FieldSchema list(FieldSchema f) {
  f.list = true;
  return f;
}
FieldSchema enumeration(std::string name, std::vector<std::string> values, std::string help) {
  FieldSchema f = field(std::move(name), Kind::kEnum, std::move(help));
  f.enum_values = std::move(values);
  return f;
}
FieldSchema ref(std::string name, std::string type, std::string help) {
  FieldSchema f = field(std::move(name), Kind::kRef, std::move(help));
  f.ref_type = std::move(type);
  return f;
}
FieldSchema object(std::string name, const ObjectSchema& schema, std::string help) {
  FieldSchema f = field(std::move(name), Kind::kObject, std::move(help));
  f.object = &schema;
  return f;
}
FieldSchema objects(std::string name, const ObjectSchema& schema, std::string key,
                    std::string help) {
  FieldSchema f = list(object(std::move(name), schema, std::move(help)));
  f.key = std::move(key);
  return f;
}
FieldSchema name() { return required(field("name", Kind::kString, "Name of the object.")); }

// ---- nested objects ------------------------------------------------------------------------

const ObjectSchema kDataVnic{
    "data_vnics",
    {required(field("if_name", Kind::kString, "The SE host's interface name, e.g. eth0.")),
     required(field("ip", Kind::kIfPrefix,
                    "The interface's address and prefix length as the host configured it."))}};

const ObjectSchema kStaticRoute{
    "static_routes",
    {required(field("route_id", Kind::kString, "Identifier of the route within the VRF.")),
     required(field("prefix", Kind::kPrefix, "Destination network of the route.")),
     required(field("next_hop", Kind::kIpAddress, "Gateway address of the route.")),
     field("if_name", Kind::kString, "Egress interface (optional).")}};

const ObjectSchema kBgpPeer{
    "peers",
    {required(field("peer_ip", Kind::kIpAddress, "IP address of the BGP peer.")),
     field("remote_as", Kind::kInteger, "Peer AS number (with ibgp: the local AS)."),
     field("subnet", Kind::kPrefix, "Subnet providing reachability for the peer."),
     field("bfd", Kind::kBool, "Enable BFD (RFC 5880) to detect the peer's failure fast."),
     field("advertise_vip", Kind::kBool, "Advertise the VIPs to this peer."),
     field("advertise_snat_ip", Kind::kBool, "Advertise the SNAT IPs to this peer."),
     field("md5_secret", Kind::kString, "TCP MD5 (RFC 2385) password of the session."),
     field("ebgp_multihop", Kind::kInteger,
           "TTL of an eBGP session whose peer is not directly connected (0: single hop).")}};

const ObjectSchema kBgpProfile{
    "bgp_profile",
    {required(field("local_as", Kind::kInteger, "Local AS number.")),
     field("ibgp", Kind::kBool, "Peers are iBGP (in the local AS)."),
     field("hold_time", Kind::kInteger, "BGP hold time in seconds (0 or 3-65535)."),
     field("keepalive_interval", Kind::kInteger, "BGP keepalive interval in seconds."),
     field("local_preference", Kind::kInteger, "LOCAL_PREF of the routes sent to iBGP peers."),
     field("num_as_path_prepend", Kind::kInteger,
           "Extra copies of local_as in the AS_PATH sent to eBGP peers (0-10)."),
     list(field("community", Kind::kString,
                "BGP community sent with every route: AS:VALUE, a number, or no-export, "
                "no-advertise, local-AS, internet.")),
     objects("peers", kBgpPeer, "peer_ip", "BGP peers.")}};

const ObjectSchema kBfdProfile{
    "bfd_profile",
    {field("mintx", Kind::kInteger, "Minimum transmit interval in milliseconds."),
     field("minrx", Kind::kInteger, "Minimum receive interval in milliseconds."),
     field("multi", Kind::kInteger, "Detection multiplier.")}};

const ObjectSchema kHttpMonitor{
    "http_monitor",
    {field("http_request", Kind::kString, "Request line to send, e.g. \"GET / HTTP/1.0\"."),
     list(enumeration("http_response_code",
                      {"HTTP_ANY", "HTTP_1XX", "HTTP_2XX", "HTTP_3XX", "HTTP_4XX", "HTTP_5XX"},
                      "Response code classes that mean the server is up.")),
     field("http_response", Kind::kString,
           "A string the response's first 2 KB must contain for the server to be up."),
     list(field("maintenance_code", Kind::kInteger,
                "Response codes meaning maintenance: the server is disabled, not down.")),
     field("maintenance_response", Kind::kString,
           "A string in the response's first 2 KB meaning maintenance (server disabled).")}};

const ObjectSchema kPoolServer{
    "servers",
    {required(field("ip", Kind::kIpAddress, "IP address of the server.")),
     field("port", Kind::kInteger, "Server port (default: the pool's default_server_port)."),
     field("ratio", Kind::kInteger, "Ratio of traffic the server gets (1-20)."),
     field("enabled", Kind::kBool, "The server takes traffic.")}};

const ObjectSchema kHttpProfile{
    "http_profile",
    {field("connection_multiplexing_enabled", Kind::kBool,
           "Reuse server connections across clients (off with preserve_client_ip)."),
     field("client_header_timeout", Kind::kInteger,
           "Milliseconds for a request head to arrive (then 408)."),
     field("client_body_timeout", Kind::kInteger,
           "Milliseconds a request body may stall (then 408)."),
     field("keepalive_timeout", Kind::kInteger,
           "Milliseconds an idle client connection is kept between requests."),
     field("xff_enabled", Kind::kBool, "Add the client's address to X-Forwarded-For."),
     field("xff_alternate_name", Kind::kString,
           "Header name used instead of X-Forwarded-For (an HTTP token)."),
     field("x_forwarded_proto_enabled", Kind::kBool, "Set X-Forwarded-Proto."),
     field("websockets_enabled", Kind::kBool, "Tunnel WebSocket upgrades."),
     field("via_enabled", Kind::kBool, "Add \"Via: 1.1 floe\" both ways (floe's own).")}};

const ObjectSchema kVip{
    "vip",
    {required(field("vip_id", Kind::kString, "Identifier of the VIP within the virtual service.")),
     required(field("ip_address", Kind::kIpAddress, "The virtual IP address."))}};

const ObjectSchema kService{
    "services",
    {required(field("port", Kind::kInteger, "Port the virtual service listens on.")),
     field("port_range_end", Kind::kInteger, "Last port of a range starting at port.")}};

// ---- top-level types -----------------------------------------------------------------------

const ObjectSchema kServiceEngineGroup{
    "serviceenginegroup",
    {name(),
     enumeration("ha_mode",
                 {toString(config::HaMode::kLegacyActiveStandby), toString(config::HaMode::kShared),
                  toString(config::HaMode::kSharedPair)},
                 "High availability mode of the SE group."),
     field("active_standby", Kind::kBool, "Service engines run active/standby."),
     list(field("floating_intf_ip", Kind::kIpAddress,
                "Floating interface IP, held by the active SE; one per attached subnet.")),
     field("enable_routing", Kind::kBool, "Enable IP routing on the service engines."),
     field("advertise_backend_networks", Kind::kBool,
           "Advertise the back-end subnets via BGP (needs enable_routing)."),
     field("distribute_load_active_standby", Kind::kBool,
           "Distribute virtual services over both SEs (not with enable_routing)."),
     field("dp_hb_frequency", Kind::kInteger, "Heartbeat interval in milliseconds."),
     field("dp_hb_timeout_count", Kind::kInteger, "Heartbeats missed before takeover."),
     field("ha_heartbeat_secret", Kind::kString, "Key of the heartbeats' HMAC (floe's own).")}};

const ObjectSchema kServiceEngine{
    "serviceengine",
    {name(), ref("se_group_ref", "serviceenginegroup", "SE group of the service engine."),
     objects("data_vnics", kDataVnic, "if_name", "Data interfaces of the SE host."),
     field("ha_priority", Kind::kInteger,
           "Legacy HA tie-break when neither SE is active, 1-255, lower wins (floe's own).")}};

const ObjectSchema kVrfContext{
    "vrfcontext",
    {name(), objects("static_routes", kStaticRoute, "route_id", "Static routes of the VRF."),
     object("bgp_profile", kBgpProfile, "BGP settings of the VRF."),
     object("bfd_profile", kBfdProfile, "BFD timers of the VRF.")}};

const ObjectSchema kHealthMonitor{
    "healthmonitor",
    {name(),
     enumeration("type",
                 {toString(config::HealthMonitorType::kTcp),
                  toString(config::HealthMonitorType::kPing),
                  toString(config::HealthMonitorType::kHttp),
                  toString(config::HealthMonitorType::kUdp)},
                 "Type of the health monitor."),
     field("send_interval", Kind::kInteger, "Seconds between probes."),
     field("receive_timeout", Kind::kInteger, "Seconds to wait for an answer."),
     field("successful_checks", Kind::kInteger, "Successes before a server is up."),
     field("failed_checks", Kind::kInteger, "Failures before a server is down."),
     field("monitor_port", Kind::kInteger, "Port to probe instead of the server's."),
     object("http_monitor", kHttpMonitor, "HTTP monitor settings.")}};

const ObjectSchema kPool{
    "pool",
    {name(),
     enumeration("lb_algorithm",
                 {toString(config::LbAlgorithm::kLeastConnections),
                  toString(config::LbAlgorithm::kRoundRobin),
                  toString(config::LbAlgorithm::kFastestResponse),
                  toString(config::LbAlgorithm::kConsistentHash)},
                 "Load balancing algorithm."),
     enumeration("lb_algorithm_hash",
                 {toString(config::LbAlgorithmHash::kSourceIpAddress),
                  toString(config::LbAlgorithmHash::kSourceIpAddressAndPort),
                  toString(config::LbAlgorithmHash::kUri),
                  toString(config::LbAlgorithmHash::kCustomHeader)},
                 "What LB_ALGORITHM_CONSISTENT_HASH hashes (URI and header: HTTP only)."),
     field("lb_algorithm_consistent_hash_hdr", Kind::kString,
           "Request header hashed with LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER."),
     field("default_server_port", Kind::kInteger, "Port of servers that give none."),
     field("server_timeout", Kind::kInteger,
           "Milliseconds for an HTTP response to start (0: 60000)."),
     list(ref("health_monitor_refs", "healthmonitor", "Health monitors of the pool.")),
     objects("servers", kPoolServer, "ip", "Servers of the pool.")}};

const ObjectSchema kApplicationProfile{
    "applicationprofile",
    {name(),
     enumeration("type",
                 {toString(config::ApplicationProfileType::kHttp),
                  toString(config::ApplicationProfileType::kL4)},
                 "Type of the application profile."),
     field("preserve_client_ip", Kind::kBool,
           "Servers see the client's IP as source (needs enable_routing)."),
     object("http_profile", kHttpProfile, "HTTP settings.")}};

const ObjectSchema kTcpProxyProfile{
    "tcp_proxy_profile",
    {field("idle_connection_timeout", Kind::kInteger,
           "Seconds a connection may stay idle before floe resets it (0: never).")}};

const ObjectSchema kNetworkProfileUnion{
    "profile",
    {enumeration("type", {toString(config::NetworkProfileType::kTcpProxy)},
                 "Type of the network profile."),
     object("tcp_proxy_profile", kTcpProxyProfile, "TCP proxy settings.")}};

const ObjectSchema kNetworkProfile{
    "networkprofile",
    {name(), object("profile", kNetworkProfileUnion, "The profile's settings.")}};

const ObjectSchema kVirtualService{
    "virtualservice",
    {name(), field("enabled", Kind::kBool, "The virtual service takes traffic."),
     objects("vip", kVip, "vip_id", "Virtual IPs."),
     objects("services", kService, "port", "Ports the virtual service listens on."),
     list(field("snat_ip", Kind::kIpAddress, "Source NAT addresses towards the servers.")),
     ref("pool_ref", "pool", "Pool of servers."),
     ref("application_profile_ref", "applicationprofile", "Application profile."),
     ref("network_profile_ref", "networkprofile", "Network (TCP) profile."),
     ref("se_group_ref", "serviceenginegroup", "SE group that places the virtual service."),
     ref("vrf_context_ref", "vrfcontext", "VRF of the virtual service.")}};

std::string format(Kind kind) {
  switch (kind) {
    case Kind::kBool: return "Boolean: type the field alone to turn it on, 'no FIELD' to turn it off";
    case Kind::kInteger: return "Integer format\n\n    <integer>";
    case Kind::kString: return "String format\n\n    <text>";
    case Kind::kEnum: return "Enum format";
    case Kind::kIpAddress: return "IP4 Address format\n\n    <x.x.x.x> (or an IPv6 address)";
    case Kind::kPrefix: return "IP4 Prefix format\n\n    <x.x.x.x/n> (or an IPv6 prefix)";
    case Kind::kIfPrefix: return "IP4 Interface Address format\n\n    <x.x.x.x/n>";
    case Kind::kRef: return "Object reference format\n\n    <name>";
    case Kind::kObject: return "Object: type the field to enter its sub-mode";
  }
  return "";
}

}  // namespace

const FieldSchema* ObjectSchema::field(std::string_view fieldName) const {
  for (const auto& f : fields) {
    if (f.name == fieldName) return &f;
  }
  return nullptr;
}

const std::vector<const ObjectSchema*>& objectTypes() {
  static const std::vector<const ObjectSchema*> kTypes = {
      &kServiceEngineGroup, &kServiceEngine, &kVrfContext,        &kHealthMonitor,
      &kPool,               &kApplicationProfile, &kNetworkProfile, &kVirtualService};
  return kTypes;
}

const ObjectSchema* typeSchema(std::string_view type) {
  for (const ObjectSchema* s : objectTypes()) {
    if (s->name == type) return s;
  }
  return nullptr;
}

std::string fieldHelp(const FieldSchema& f) {
  std::string out = format(f.kind);
  if (f.kind == Kind::kEnum) {
    out += "\n";
    for (const auto& v : f.enum_values) {
      std::string lower;
      for (char c : v) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out += "\n    " + lower;
    }
  }
  if (f.kind == Kind::kRef) out += " of a " + f.ref_type;
  if (f.list) {
    out += f.kind == Kind::kObject
               ? "\n    (list: '" + f.name + " " + f.key + " VALUE' or '" + f.name + " index N')"
               : "\n    (list: each value typed is appended; 'no " + f.name + " VALUE' removes one)";
  }
  out += "\n      ";
  out += f.required ? "(required) " : "(optional) ";
  out += f.help;
  return out;
}

}  // namespace floe::cli
