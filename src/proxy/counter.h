// Counters the data-plane workers add to without sharing a cache line, and that a reader
// (status, metrics) sums. Each worker thread adds to its own slot (a relaxed fetch_add on a
// line no other worker writes, so no contention and no lock); any other thread uses a slot of
// its own too. Reading sums the slots: a value that is exact once the adds it must see have
// happened, and never torn.
//
// Use it for totals and byte counts. A gauge that a decision reads on the data path (a
// server's active connections for least connections, the connection caps) stays one
// std::atomic: a pick must see every worker's connections at the cost of one load.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace floe::proxy {

class ShardedCounter {
 public:
  // Slots per counter: workers beyond this share slots (still exact, only less spread).
  static constexpr size_t kShards = 16;

  // Adds `n` (a count or bytes; wraps modulo 2^64 like any uint64_t). Any thread.
  void add(uint64_t n = 1) noexcept {
    slots_[shard()].value.fetch_add(n, std::memory_order_relaxed);
  }
  // The sum of every thread's adds. Any thread.
  uint64_t load() const noexcept {
    uint64_t sum = 0;
    for (const Slot& s : slots_) sum += s.value.load(std::memory_order_relaxed);
    return sum;
  }

  // Called once by each worker thread as it starts: its slot is `worker_index % kShards`.
  // Threads that never call it (the control thread, tests) use the last slot.
  static void bindThisThread(size_t worker_index) noexcept;
  // This thread's slot (0..kShards-1), for per-worker blocks of several counters (Sharded).
  static size_t shard() noexcept;

 private:
  struct alignas(64) Slot {
    std::atomic<uint64_t> value{0};
  };

  std::array<Slot, kShards> slots_{};
};

// A block of counters `T` (relaxed atomics) per worker slot, each on cache lines of its own:
// a worker adds to local(), a reader sums over forEach(). For a group of counters that are
// bumped together (an HTTP request's), one block per slot costs far less memory than one
// ShardedCounter per field.
template <typename T>
class Sharded {
 public:
  T& local() noexcept { return shards_[ShardedCounter::shard()].value; }
  template <typename F>
  void forEach(F&& f) const {
    for (const Shard& s : shards_) f(s.value);
  }

 private:
  struct alignas(64) Shard {
    T value;
  };
  std::array<Shard, ShardedCounter::kShards> shards_{};
};

}  // namespace floe::proxy
