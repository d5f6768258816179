// A worker's own view of a virtual service and its pool: the shared immutable snapshot plus the
// mutable bits only this worker touches (balancer position, SNAT round robin). Rebuilt when the
// snapshot changes; connections keep the one they started with.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "proxy/balancer.h"
#include "proxy/pool.h"

namespace floe::proxy {

class WorkerPool {
 public:
  explicit WorkerPool(std::shared_ptr<const PoolSnapshot> snapshot);

  // An eligible (enabled, UP) server not in `tried`, chosen by the pool's algorithm; `key`
  // is what consistent hashing hashes (hash_key.h: connectionKey(), requestKey()).
  std::optional<uint32_t> pick(std::span<const uint32_t> tried, uint64_t key = 0);

  const PoolSnapshot& snapshot() const { return *snapshot_; }
  const ServerEntry& server(uint32_t i) const { return snapshot_->servers[i]; }

 private:
  std::shared_ptr<const PoolSnapshot> snapshot_;
  Balancer balancer_;
  std::vector<ServerView> views_;  // scratch, reused by every pick
};

// The consistent-hash key of a client: its IP address (Avi's default,
// LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS), port excluded. Also a server's identity on
// the ring. hash_key.h has the other keys.
uint64_t clientKey(const sockaddr_storage& peer);

class WorkerService {
 public:
  WorkerService(std::shared_ptr<const ServiceSnapshot> snapshot, std::shared_ptr<WorkerPool> pool)
      : snapshot_(std::move(snapshot)), pool_(std::move(pool)) {}

  const ServiceSnapshot& snapshot() const { return *snapshot_; }
  ServiceRuntime& runtime() const { return *snapshot_->runtime; }
  WorkerPool* pool() const { return pool_.get(); }  // null when the pool is missing

  // Next SNAT IP of family `af`, round robin; null when the service has none of that family
  // (the kernel then picks the source address).
  const IpAddress* nextSnat(int af);
  size_t snatCount(int af) const;  // SNAT IPs of family `af`

 private:
  std::shared_ptr<const ServiceSnapshot> snapshot_;
  std::shared_ptr<WorkerPool> pool_;
  size_t snat_next_ = 0;
};

}  // namespace floe::proxy
