// The data plane: L4 TCP proxy with worker threads (one Asio event loop each, SO_REUSEPORT
// listeners), pools with load balancing, and health monitors on the control loop.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <asio/io_context.hpp>

#include "common/ip.h"
#include "common/result.h"

namespace floe::proxy {

enum class Algorithm { kRoundRobin, kLeastConnections, kConsistentHash, kFastestResponse };

struct ServerSpec {
  IpAddress ip;
  uint16_t port = 80;
  uint32_t ratio = 1;  // weight, 1-20
  bool enabled = true;
  auto operator<=>(const ServerSpec&) const = default;
};

enum class MonitorType { kTcp, kPing, kHttp };

// HEALTH_MONITOR_HTTP's check (Avi's http_monitor): the request sent, and how the response is
// judged (http_probe.h).
struct HttpCheckSpec {
  std::string http_request = "GET / HTTP/1.0";  // request line; "\r\n" (as text) adds fields
  std::vector<std::string> http_response_code = {"HTTP_2XX", "HTTP_3XX"};  // HTTP_ANY, HTTP_1XX..
  std::string http_response;               // must appear in the first 2 KB; empty: no check
  std::vector<uint32_t> maintenance_code;  // these codes: the server is DISABLED, not DOWN
  std::string maintenance_response;        // this string in the first 2 KB: DISABLED
  auto operator<=>(const HttpCheckSpec&) const = default;
};

struct MonitorSpec {
  std::string name;
  MonitorType type = MonitorType::kTcp;
  uint32_t send_interval_s = 10;
  uint32_t receive_timeout_s = 4;
  uint32_t successful_checks = 2;
  uint32_t failed_checks = 2;
  std::optional<uint16_t> port;  // probe this port instead of the server's
  std::optional<HttpCheckSpec> http;  // type kHttp
  auto operator<=>(const MonitorSpec&) const = default;
};

// What kConsistentHash hashes (Avi's pool.lb_algorithm_hash; hash_key.h). kUri and kHeader
// are per request in an HTTP virtual service; an L4 service uses the client's address for them.
enum class HashKey { kSourceIp, kSourceIpAndPort, kUri, kHeader };

struct PoolSpec {
  std::string name;
  Algorithm algorithm = Algorithm::kLeastConnections;
  HashKey hash_key = HashKey::kSourceIp;
  std::string hash_header;  // kHeader: the request header whose value is hashed
  std::vector<ServerSpec> servers;
  std::vector<MonitorSpec> monitors;  // none: every enabled server counts as up
  auto operator<=>(const PoolSpec&) const = default;
};

struct Endpoint {
  IpAddress ip;
  uint16_t port = 0;
  auto operator<=>(const Endpoint&) const = default;
};

// How a virtual service proxies: bytes (L4), or HTTP/1.1 requests (an application profile of
// type APPLICATION_PROFILE_TYPE_HTTP; docs/http.md).
enum class ServiceMode { kL4, kHttp };

// The HTTP settings of a virtual service: Avi's http_profile names where Avi has one, the
// others floe's own (docs/http.md). Timeouts in milliseconds, sizes in bytes.
struct HttpSpec {
  bool connection_multiplexing_enabled = true;  // pool idle server connections per worker
  bool xff_enabled = true;
  std::string xff_alternate_name;  // empty: X-Forwarded-For
  bool x_forwarded_proto_enabled = true;
  bool websockets_enabled = true;
  bool via_enabled = false;  // floe's own: "Via: 1.1 floe" on requests and responses
  uint32_t client_header_timeout_ms = 10000;
  uint32_t client_body_timeout_ms = 30000;
  uint32_t keepalive_timeout_ms = 30000;
  uint32_t server_connect_timeout_ms = 5000;    // floe's own
  uint32_t server_response_timeout_ms = 60000;  // pool.server_timeout when set
  uint32_t buffer_bytes = 65536;                // per direction; floe's own
  auto operator<=>(const HttpSpec&) const = default;
};

struct VirtualServiceSpec {
  std::string name;
  ServiceMode mode = ServiceMode::kL4;
  HttpSpec http;                    // used when mode == kHttp
  std::vector<Endpoint> listeners;  // every VIP × every service port
  std::vector<IpAddress> snat_ips;  // empty: the kernel picks the egress interface address
  std::string pool;                 // name of a PoolSpec in the same config
  // No byte either way for this long (s): both sides are reset. 0: never. From the service's
  // networkprofile, tcp_proxy_profile.idle_connection_timeout (Avi default 600 s).
  uint32_t idle_timeout_s = 600;
  // Where the router must send traffic for this service's SNAT IPs: the floating IP of the SE's
  // interface toward the servers, else that interface's address. Printed in the return-path
  // hint "route add -host <SNAT> gw <this>"; unset: the hint names no gateway.
  std::optional<IpAddress> return_gateway;
  // applicationprofile.preserve_client_ip: connections to the servers carry the client's
  // address as their source (openTransparentServerSocket); snat_ips is then empty (rule 5).
  bool preserve_client_ip = false;
  auto operator<=>(const VirtualServiceSpec&) const = default;
};

struct ProxyConfig {
  std::vector<PoolSpec> pools;
  std::vector<VirtualServiceSpec> virtual_services;
};

struct Tuning {
  int workers = 0;                   // 0: number of cores
  uint32_t connect_timeout_ms = 3000;
  size_t buffer_bytes = 16 * 1024;   // per direction per connection
  int connect_attempts = 3;          // servers tried before the client connection is reset
  // Lingering close of an HTTP client connection that may still be sending (docs/http.md):
  // after floe's FIN, what the client sends is read and discarded until its EOF, for at most
  // lingering_time_ms in all and lingering_timeout_ms between two reads; then it is closed.
  uint32_t lingering_time_ms = 30000;
  uint32_t lingering_timeout_ms = 5000;
  // Raise RLIMIT_NOFILE's soft limit to the hard limit when the engine starts (fd_limit.h).
  bool raise_fd_limit = true;
  // Connection caps (client connections; each holds two descriptors). 0: the default,
  // (open files soft limit - kReservedFds) / 2 for the global cap, and the global cap for the
  // per-virtual-service one. A client over a cap is reset at once and counted.
  uint64_t max_connections = 0;
  uint64_t max_connections_per_virtual_service = 0;
};

// A virtual service with more VIP × service port listeners than this is DOWN with that reason
// (each listener is one socket per worker); floe-se serves port ranges up to this size.
inline constexpr size_t kMaxListenersPerService = 1024;
// Descriptors kept out of the connection budget: control socket, netlink, health probes, logs.
inline constexpr uint64_t kReservedFds = 256;

enum class ServerState { kUp, kDown, kDisabled, kUnknown };  // kUnknown: first check pending

// The return-path check of one server from one SNAT IP (issue 5 §11).
struct ReturnPathStatus {
  IpAddress snat_ip;
  // "ok"; "failing" (the probe from the SNAT IP fails while the interface-sourced one passes);
  // "unknown" (no result yet, or the server is not UP); "not held here" (this SE does not hold
  // the SNAT IP: a standby).
  std::string state = "unknown";
  std::string detail;          // the last probe result, "timeout after 4s"
  std::string router_command;  // when failing: "route add -host 10.10.3.100 gw 10.10.1.100"
};

// HTTP counters of a virtual service or a server (docs/metrics.md), summed over the workers.
struct HttpStats {
  uint64_t requests = 0;
  std::array<uint64_t, 6> responses{};  // by class: [2] = 2xx; [0] unused
  uint64_t local_responses = 0;         // errors floe answered itself (part of responses)
  uint64_t parse_errors = 0;
  uint64_t bytes_from_client = 0;
  uint64_t bytes_to_client = 0;
  uint64_t server_connections_opened = 0;
  uint64_t server_connections_reused = 0;
  uint64_t retries = 0;
  uint64_t client_timeouts = 0;
  uint64_t server_timeouts = 0;
  uint64_t open_server_connections = 0;  // servers only: open now (busy or idle)
  uint64_t idle_server_connections = 0;  // servers only: idle in the workers' pools now
  // Time from a request's head to its response's start: cumulative counts per upper bound
  // (microseconds; the last bound is +Inf, written as 0), and the sum in microseconds.
  std::vector<std::pair<uint64_t, uint64_t>> latency_buckets;
  uint64_t latency_sum_us = 0;
  uint64_t latency_count = 0;
};

struct ServerStatus {
  IpAddress ip;
  uint16_t port = 0;
  ServerState state = ServerState::kUnknown;
  std::string reason;  // last monitor result, e.g. "connect refused", "timeout after 1s"
  uint64_t active_connections = 0;
  uint64_t total_connections = 0;
  uint64_t connect_failures = 0;
  uint64_t bytes_in = 0;   // from the server
  uint64_t bytes_out = 0;  // to the server
  std::vector<ReturnPathStatus> return_paths;  // one per SNAT IP of the server's family
  HttpStats http;  // requests of HTTP virtual services sent to this server
};

struct PoolStatus {
  std::string name;
  std::vector<ServerStatus> servers;
};

struct VirtualServiceStatus {
  std::string name;
  bool up = false;  // listening and at least one server up
  std::string reason;  // why down
  std::vector<Endpoint> listeners;
  uint64_t active_connections = 0;
  uint64_t total_connections = 0;
  uint64_t refused_connections = 0;  // reset because no server was up / reachable
  uint64_t connection_errors = 0;  // ended by a socket error or a reset from either side
  uint64_t over_capacity = 0;      // reset at accept: a connection cap was reached
  uint64_t idle_timeouts = 0;      // reset after VirtualServiceSpec.idle_timeout_s without a byte
  ServiceMode mode = ServiceMode::kL4;
  HttpStats http;  // mode == kHttp
};

// Host-wide figures of the data plane (issue 5 §5).
struct EngineStatus {
  uint64_t fd_limit = 0;       // RLIMIT_NOFILE soft limit after the raise at start
  uint64_t fd_limit_hard = 0;  // RLIMIT_NOFILE hard limit
  uint64_t max_connections = 0;
  uint64_t max_connections_per_virtual_service = 0;
  uint64_t listening_sockets = 0;        // open now: VIP:port listeners × workers
  uint64_t listening_socket_budget = 0;  // at most this many (a quarter of fd_limit)
  uint64_t active_connections = 0;
  uint64_t over_capacity = 0;  // clients reset because a connection cap was reached
  // Local errors by cause ("EMFILE", "ENFILE", "EADDRNOTAVAIL", "ENOBUFS", "ENOMEM"): failures
  // of this host, never counted against a server.
  std::vector<std::pair<std::string, uint64_t>> local_errors;
};

struct ProxyStatus {
  std::vector<VirtualServiceStatus> virtual_services;
  std::vector<PoolStatus> pools;
  EngineStatus engine;
};

const char* toString(ServerState);

class ProxyEngine {
 public:
  // Health monitors run on `control`; connections run on the engine's own worker threads.
  // `control` must outlive the engine.
  ProxyEngine(asio::io_context& control, Tuning tuning);
  ~ProxyEngine();  // stops workers, closes every listener and connection
  ProxyEngine(const ProxyEngine&) = delete;
  ProxyEngine& operator=(const ProxyEngine&) = delete;

  // Applies a whole config as a diff: listeners of unchanged virtual services stay open and
  // their connections live on; health state of servers that remain is kept. Listeners bind
  // with IP_FREEBIND, so a VIP need not be on the host yet. Returns one error per listener
  // that could not be opened ("10.10.2.100:80: Address already in use"); the rest applies.
  std::vector<Error> apply(const ProxyConfig& config);

  ProxyStatus status() const;  // call on the control thread

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace floe::proxy
