// What the control thread and the workers share: per-server and per-service counters and
// health state (per-worker counters summed on read, a few atomics: the only mutable shared
// state), and the immutable config snapshots that reach the workers by shared_ptr<const ...>.
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "proxy/counter.h"
#include "proxy/engine.h"

namespace floe::proxy {

// HTTP counters of a virtual service or of a server (docs/metrics.md), one set per worker
// slot (HttpCounters): each worker bumps its own set, a reader sums them.
struct HttpCounterSet {
  // Upper bounds of the latency histogram buckets, in microseconds (the last one is +Inf):
  // from a request's head to the start of its response.
  static constexpr std::array<uint64_t, 12> kLatencyBoundsUs = {
      1000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
  std::atomic<uint64_t> requests{0};                 // request heads accepted
  std::array<std::atomic<uint64_t>, 6> responses{};  // by class: [2] = 2xx; [0] unused
  std::atomic<uint64_t> local_responses{0};          // error responses floe generated
  std::atomic<uint64_t> parse_errors{0};             // requests refused by the parser
  std::atomic<uint64_t> bytes_from_client{0};
  std::atomic<uint64_t> bytes_to_client{0};
  std::atomic<uint64_t> server_connections_opened{0};  // new server connections established
  std::atomic<uint64_t> server_connections_reused{0};  // requests sent on a kept connection
  std::atomic<uint64_t> retries{0};                    // idempotent requests resent once
  std::atomic<uint64_t> client_timeouts{0};            // header, body or keep-alive timer fired
  std::atomic<uint64_t> server_timeouts{0};            // connect or response timer fired
  std::array<std::atomic<uint64_t>, kLatencyBoundsUs.size() + 1> latency{};  // per bucket
  std::atomic<uint64_t> latency_sum_us{0};

  void observeLatency(uint64_t us) {
    size_t i = 0;
    while (i < kLatencyBoundsUs.size() && us > kLatencyBoundsUs[i]) ++i;
    latency[i].fetch_add(1, std::memory_order_relaxed);
    latency_sum_us.fetch_add(us, std::memory_order_relaxed);
  }
};
using HttpCounters = Sharded<HttpCounterSet>;

// Counters of one server of one pool. Lives as long as the server stays in its pool across
// apply() calls (and as long as a connection to it is open).
struct ServerRuntime {
  std::atomic<ServerState> state{ServerState::kUnknown};  // written by the health monitors
  std::atomic<uint64_t> active{0};  // includes connects in progress (least connections sees them)
  ShardedCounter total;             // established connections
  ShardedCounter connect_failures;
  ShardedCounter bytes_in;   // from the server
  ShardedCounter bytes_out;  // to the server
  std::atomic<uint64_t> open_connections{0};  // HTTP: server connections open (busy or idle)
  std::atomic<uint64_t> idle_connections{0};  // HTTP: of those, idle in a worker's pool
  // Recent response time (us; an average weighting the last 8 responses most), for
  // LB_ALGORITHM_FASTEST_RESPONSE: from HTTP responses (none for L4 services). 0: none yet.
  std::atomic<uint64_t> response_us{0};

  void observeResponse(uint64_t us) {
    const uint64_t old = response_us.load(std::memory_order_relaxed);
    response_us.store(old == 0 ? std::max<uint64_t>(1, us) : (old * 7 + us) / 8 + 1,
                      std::memory_order_relaxed);
  }
  HttpCounters http;

  bool isUp() const { return state.load(std::memory_order_relaxed) == ServerState::kUp; }
};

// Counters of one virtual service, kept across apply() while a service of that name exists.
struct ServiceRuntime {
  std::atomic<uint64_t> active{0};  // the per-service connection cap reads it on every accept
  ShardedCounter total;             // accepted client connections, refused ones included
  ShardedCounter refused;           // reset: no server up, or every connect attempt failed
  ShardedCounter errors;            // ended by a socket error or a reset from either side
  ShardedCounter idle_timeouts;
  ShardedCounter over_capacity;  // reset: a connection cap was reached
  HttpCounters http;
};

inline void bump(std::atomic<uint64_t>& counter, uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}
inline void bump(ShardedCounter& counter, uint64_t n = 1) { counter.add(n); }
inline void drop(std::atomic<uint64_t>& counter) {
  counter.fetch_sub(1, std::memory_order_relaxed);
}

struct ServerEntry {
  ServerSpec spec;
  sockaddr_storage address{};  // spec.ip:spec.port, ready for connect()
  socklen_t address_len = 0;
  std::shared_ptr<ServerRuntime> runtime;
};

struct PoolSnapshot {
  std::string name;
  Algorithm algorithm = Algorithm::kLeastConnections;
  HashKey hash_key = HashKey::kSourceIp;  // PoolSpec.hash_key
  std::string hash_header;                // PoolSpec.hash_header
  std::vector<ServerEntry> servers;
};

struct ServiceSnapshot {
  std::string name;
  std::shared_ptr<ServiceRuntime> runtime;
  std::vector<IpAddress> snat_ips;
  uint32_t idle_timeout_s = 600;             // 0: never
  bool preserve_client_ip = false;           // VirtualServiceSpec.preserve_client_ip
  ServiceMode mode = ServiceMode::kL4;
  HttpSpec http;                             // mode == kHttp
  std::shared_ptr<const PoolSnapshot> pool;  // null: the pool named by the service is missing
};

// Everything a worker needs to serve its listeners, published as one immutable value.
struct ConfigSnapshot {
  std::map<Endpoint, std::shared_ptr<const ServiceSnapshot>> services;  // by listener endpoint
  // What the config holds, whether or not its listeners opened: the addresses the agent keeps.
  // A connection whose service is gone, whose VIP no listener uses any more, or whose SNAT IP
  // its service no longer lists is reset when this snapshot arrives (before the agent removes
  // the address: a connection from an address the host no longer has can not even be reset).
  std::set<IpAddress> vips;
  std::map<std::string, std::vector<IpAddress>> snat_ips;  // by virtual service name
};

}  // namespace floe::proxy
