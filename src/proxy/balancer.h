// Load-balancing algorithms, pure: they see a view of the pool's servers and return an index.
// No sockets, no clocks, no shared state: each worker owns one Balancer per pool, so the
// mutable cursor/weights below are never touched by two threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "proxy/engine.h"

namespace floe::proxy {

struct ServerView {
  uint32_t ratio = 1;     // weight; 0 is treated as 1
  bool eligible = false;  // enabled and UP
  uint64_t active = 0;    // active connections (least connections only)
  // Already tried for this client connection (a retry after a failed connect): skipped by this
  // pick only. Unlike an ineligible server it keeps its round-robin weight, so retries do not
  // skew the configured ratios.
  bool tried = false;
  uint64_t id = 0;           // consistent hash: the server's identity (hash of ip:port)
  uint64_t response_us = 0;  // fastest response: recent response time; 0: not measured yet
};

class Balancer {
 public:
  explicit Balancer(Algorithm algorithm) : algorithm_(algorithm) {}

  // Index of the server to use, or nullopt when none is eligible. The caller passes the pool's
  // servers in the same order every time (a changed pool gets a new Balancer). `key`: what
  // consistent hashing hashes (the client's address), ignored by the other algorithms.
  std::optional<size_t> pick(std::span<const ServerView> servers, uint64_t key = 0);

  // Points per unit of ratio on the consistent-hash ring.
  static constexpr uint32_t kRingPointsPerRatio = 160;

  Algorithm algorithm() const { return algorithm_; }

 private:
  // Smooth weighted round robin (the nginx algorithm): every pick adds each eligible server's
  // ratio to its current weight, takes the largest and subtracts the total from it. Ratios
  // 2:1 give A B A, 5:1:1 give A A B A C A A: proportional and interleaved, never a burst of 5.
  std::optional<size_t> pickRoundRobin(std::span<const ServerView> servers);
  // Fewest active connections per unit of ratio; ties go to the first tied server after the
  // previous pick, so equal servers take turns instead of the first one taking everything.
  std::optional<size_t> pickLeastConnections(std::span<const ServerView> servers);

  // Consistent hashing (a ring of kRingPointsPerRatio × ratio points per server, by its id):
  // the first eligible, untried server at or after the key's point. A server going down moves
  // only its own keys (to the next servers on the ring); the others keep theirs.
  std::optional<size_t> pickConsistentHash(std::span<const ServerView> servers, uint64_t key);
  // The eligible server with the lowest recent response time per unit of ratio; servers not
  // measured yet first; ties take turns as for least connections.
  std::optional<size_t> pickFastestResponse(std::span<const ServerView> servers);
  // The eligible, untried server with the lowest `load` (a field of ServerView) per unit of
  // ratio, ties in turn from the one after the previous pick: both of the above.
  std::optional<size_t> pickLowestPerWeight(std::span<const ServerView> servers,
                                            uint64_t ServerView::*load);
  void buildRing(std::span<const ServerView> servers);

  Algorithm algorithm_;
  std::vector<std::pair<uint64_t, uint32_t>> ring_;  // (point, server index), sorted
  std::vector<uint64_t> ring_ids_;                   // ids and ratios the ring was built for
  std::vector<int64_t> current_;  // round robin: current weight per server
  size_t next_ = 0;               // least connections: where the tie-break scan starts
};

}  // namespace floe::proxy
