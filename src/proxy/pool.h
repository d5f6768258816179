// What the control thread and the workers share: per-server and per-service counters and
// health state (per-worker counters summed on read, a few atomics: the only mutable shared
// state), and the immutable config snapshots that reach the workers by shared_ptr<const ...>.
#pragma once

#include <sys/socket.h>

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

// Counters of one server of one pool. Lives as long as the server stays in its pool across
// apply() calls (and as long as a connection to it is open).
struct ServerRuntime {
  std::atomic<ServerState> state{ServerState::kUnknown};  // written by the health monitors
  std::atomic<uint64_t> active{0};  // includes connects in progress (least connections sees them)
  ShardedCounter total;             // established connections
  ShardedCounter connect_failures;
  ShardedCounter bytes_in;   // from the server
  ShardedCounter bytes_out;  // to the server

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
  std::vector<ServerEntry> servers;
};

struct ServiceSnapshot {
  std::string name;
  std::shared_ptr<ServiceRuntime> runtime;
  std::vector<IpAddress> snat_ips;
  uint32_t idle_timeout_s = 600;             // 0: never
  bool preserve_client_ip = false;           // VirtualServiceSpec.preserve_client_ip
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
