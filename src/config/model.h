// The configuration object model: Avi object types and field names, verbatim (DESIGN.md,
// "Configuration contract"). Plain data, no I/O. Defaults below are Avi's documented ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.h"

namespace floe::config {

enum class HaMode { kLegacyActiveStandby, kShared, kSharedPair };

struct ServiceEngineGroup {
  std::string name;
  HaMode ha_mode = HaMode::kLegacyActiveStandby;
  bool active_standby = true;  // Avi's flag for active/standby; set by ha_mode legacy
  std::vector<IpAddress> floating_intf_ip;
  bool enable_routing = false;
  bool advertise_backend_networks = false;
  bool distribute_load_active_standby = false;
  uint32_t dp_hb_frequency = 100;  // ms
  uint32_t dp_hb_timeout_count = 10;
  std::optional<std::string> ha_heartbeat_secret;  // floe's own: HMAC key for heartbeats

  bool operator==(const ServiceEngineGroup&) const = default;
};

struct DataVnic {
  std::string if_name;
  Prefix ip;  // interface address with its prefix length, e.g. 10.10.1.11/24

  bool operator==(const DataVnic&) const = default;
};

struct ServiceEngine {
  std::string name;
  std::string se_group_ref = "Default-Group";
  std::vector<DataVnic> data_vnics;
  // floe's own: breaks the tie of a legacy HA pair when neither SE is active; lower wins.
  // Unset: the SE listed first in the document wins (DESIGN.md "HA, addresses and ARP").
  std::optional<uint32_t> ha_priority;

  bool operator==(const ServiceEngine&) const = default;
};

struct StaticRoute {
  std::string route_id;
  Prefix prefix;       // network
  IpAddress next_hop;
  std::optional<std::string> if_name;  // optional egress interface

  bool operator==(const StaticRoute&) const = default;
};

struct BgpPeer {
  IpAddress peer_ip;
  uint32_t remote_as = 0;  // 0: unset; with ibgp the local AS is used
  std::optional<Prefix> subnet;
  bool bfd = false;
  bool advertise_vip = true;
  bool advertise_snat_ip = true;
  std::optional<std::string> md5_secret;
  uint32_t ebgp_multihop = 0;  // eBGP TTL; 0: single hop (TTL 1)

  bool operator==(const BgpPeer&) const = default;
};

struct BgpProfile {
  uint32_t local_as = 0;
  bool ibgp = false;
  uint32_t hold_time = 180;
  uint32_t keepalive_interval = 60;
  uint32_t local_preference = 100;    // LOCAL_PREF sent to iBGP peers
  uint32_t num_as_path_prepend = 0;   // extra copies of local_as in the AS_PATH to eBGP peers
  // RFC 1997 communities sent with every route, as written: "AS:VALUE" (each 0-65535), a
  // number 0-4294967295, or internet, no-export, no-advertise, local-AS (parseBgpCommunity).
  std::vector<std::string> community;
  std::vector<BgpPeer> peers;

  bool operator==(const BgpProfile&) const = default;
};

struct BfdProfile {
  uint32_t mintx = 1000;  // ms
  uint32_t minrx = 1000;  // ms
  uint32_t multi = 3;

  bool operator==(const BfdProfile&) const = default;
};

struct VrfContext {
  std::string name;
  std::vector<StaticRoute> static_routes;
  std::optional<BgpProfile> bgp_profile;
  std::optional<BfdProfile> bfd_profile;

  bool operator==(const VrfContext&) const = default;
};

enum class HealthMonitorType { kTcp, kPing, kHttp, kUdp };

struct HttpMonitor {
  std::string http_request = "GET / HTTP/1.0";
  std::vector<std::string> http_response_code = {"HTTP_2XX", "HTTP_3XX"};
  std::string http_response;               // must appear in the response's first 2 KB
  std::vector<uint32_t> maintenance_code;  // response codes meaning "in maintenance"
  std::string maintenance_response;        // a string meaning "in maintenance" (first 2 KB)

  bool operator==(const HttpMonitor&) const = default;
};

struct HealthMonitor {
  std::string name;
  HealthMonitorType type = HealthMonitorType::kTcp;
  uint32_t send_interval = 10;   // s, 1-3600
  uint32_t receive_timeout = 4;  // s, below send_interval
  uint32_t successful_checks = 2;
  uint32_t failed_checks = 2;
  std::optional<uint16_t> monitor_port;  // probe this port instead of the server's
  std::optional<HttpMonitor> http_monitor;

  bool operator==(const HealthMonitor&) const = default;
};

enum class LbAlgorithm { kLeastConnections, kRoundRobin, kFastestResponse, kConsistentHash };

// What LB_ALGORITHM_CONSISTENT_HASH hashes (Avi's lb_algorithm_hash). URI and CUSTOM_HEADER
// need an HTTP virtual service (an L4 proxy sees neither); docs/configuration.md.
enum class LbAlgorithmHash {
  kSourceIpAddress,         // the client's address (Avi's default)
  kSourceIpAddressAndPort,  // the client's address and port
  kUri,                     // the request-target as sent (path and query)
  kCustomHeader,            // the value of lb_algorithm_consistent_hash_hdr
};

struct PoolServer {
  IpAddress ip;
  std::optional<uint16_t> port;  // unset: pool default_server_port
  uint32_t ratio = 1;            // 1-20
  bool enabled = true;

  bool operator==(const PoolServer&) const = default;
};

struct Pool {
  std::string name;
  LbAlgorithm lb_algorithm = LbAlgorithm::kLeastConnections;
  uint16_t default_server_port = 80;
  uint32_t server_timeout = 0;  // ms for an HTTP response to start (and between its reads);
                                // 0: floe's default, 60000; 0-21600000
  LbAlgorithmHash lb_algorithm_hash = LbAlgorithmHash::kSourceIpAddress;
  std::string lb_algorithm_consistent_hash_hdr;  // header name for kCustomHeader; empty: none
  std::vector<std::string> health_monitor_refs;
  std::vector<PoolServer> servers;

  bool operator==(const Pool&) const = default;
};

enum class ApplicationProfileType { kHttp, kL4 };

struct HttpProfile {
  bool connection_multiplexing_enabled = true;
  uint32_t client_header_timeout = 10000;  // ms, 10-100000000
  uint32_t client_body_timeout = 30000;    // ms between body reads, 0-100000000 (0: default)
  uint32_t keepalive_timeout = 30000;      // ms idle between requests, 10-100000000
  bool xff_enabled = true;
  std::string xff_alternate_name = "X-Forwarded-For";  // header name, an HTTP token
  bool x_forwarded_proto_enabled = true;               // floe's default; Avi's is false
  bool via_enabled = false;                            // floe's own: add "Via: 1.1 floe" both ways
  bool websockets_enabled = true;

  bool operator==(const HttpProfile&) const = default;
};

struct ApplicationProfile {
  std::string name;
  ApplicationProfileType type = ApplicationProfileType::kHttp;
  bool preserve_client_ip = false;
  std::optional<HttpProfile> http_profile;

  bool operator==(const ApplicationProfile&) const = default;
};

// Avi's networkprofile: the transport of a virtual service. floe proxies TCP, so the one
// accepted profile.type is PROTOCOL_TYPE_TCP_PROXY.
enum class NetworkProfileType { kTcpProxy };

struct TcpProxyProfile {
  // Seconds without a byte either way before both sides are reset; 0: never (Avi: 0 or
  // 5-14400, default 600).
  uint32_t idle_connection_timeout = 600;

  bool operator==(const TcpProxyProfile&) const = default;
};

struct NetworkProfileUnion {
  NetworkProfileType type = NetworkProfileType::kTcpProxy;
  TcpProxyProfile tcp_proxy_profile;

  bool operator==(const NetworkProfileUnion&) const = default;
};

struct NetworkProfile {
  std::string name;
  NetworkProfileUnion profile;

  bool operator==(const NetworkProfile&) const = default;
};

struct Vip {
  std::string vip_id;
  IpAddress ip_address;

  bool operator==(const Vip&) const = default;
};

struct Service {
  uint16_t port = 0;
  std::optional<uint16_t> port_range_end;  // inclusive; unset: just `port`

  bool operator==(const Service&) const = default;
};

struct VirtualService {
  std::string name;
  bool enabled = true;
  std::vector<Vip> vip;
  std::vector<Service> services;
  std::vector<IpAddress> snat_ip;
  std::string pool_ref;
  std::string application_profile_ref = "System-HTTP";
  std::string network_profile_ref = "System-TCP-Proxy";
  std::string se_group_ref = "Default-Group";
  std::string vrf_context_ref = "global";

  bool operator==(const VirtualService&) const = default;
};

// A config document: object types → objects. After decodeDocument() the built-in objects
// (Default-Group, global, System-*) are present unless the document declared its own.
struct Document {
  std::vector<ServiceEngineGroup> serviceenginegroup;
  std::vector<ServiceEngine> serviceengine;
  std::vector<VrfContext> vrfcontext;
  std::vector<HealthMonitor> healthmonitor;
  std::vector<Pool> pool;
  std::vector<ApplicationProfile> applicationprofile;
  std::vector<NetworkProfile> networkprofile;
  std::vector<VirtualService> virtualservice;

  bool operator==(const Document&) const = default;
};

// Name strings of the enums, as Avi spells them ("HA_MODE_LEGACY_ACTIVE_STANDBY", …).
const char* toString(HaMode);
const char* toString(HealthMonitorType);
const char* toString(LbAlgorithm);
const char* toString(LbAlgorithmHash);
const char* toString(ApplicationProfileType);
const char* toString(NetworkProfileType);

// Lookup by name; nullptr when absent.
const ServiceEngineGroup* findGroup(const Document&, const std::string& name);
const ServiceEngine* findEngine(const Document&, const std::string& name);
const VrfContext* findVrf(const Document&, const std::string& name);
const HealthMonitor* findMonitor(const Document&, const std::string& name);
const Pool* findPool(const Document&, const std::string& name);
const ApplicationProfile* findProfile(const Document&, const std::string& name);
const NetworkProfile* findNetworkProfile(const Document&, const std::string& name);
const VirtualService* findVirtualService(const Document&, const std::string& name);

}  // namespace floe::config
