#include "proxy/counter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace floe::proxy {
namespace {

TEST(ShardedCounter, SumsTheAddsOfEveryThreadExactly) {
  ShardedCounter c;
  constexpr int kThreads = 20;  // more than kShards: some threads share a slot
  constexpr int kAdds = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&c, t] {
      ShardedCounter::bindThisThread(static_cast<size_t>(t));
      for (int i = 0; i < kAdds; ++i) c.add(3);
    });
  }
  for (auto& th : threads) th.join();
  c.add();  // this thread: the last slot
  EXPECT_EQ(c.load(), uint64_t{kThreads} * kAdds * 3 + 1);
}

TEST(ShardedCounter, EachSlotHasACacheLineOfItsOwn) {
  // Two workers adding to one counter must not write the same cache line.
  EXPECT_GE(sizeof(ShardedCounter), ShardedCounter::kShards * 64);
}

struct TwoCounters {
  std::atomic<uint64_t> a{0};
  std::atomic<uint64_t> b{0};
};

TEST(Sharded, EachThreadAddsToItsOwnBlockAndTheSumIsExact) {
  Sharded<TwoCounters> c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c, t] {
      ShardedCounter::bindThisThread(static_cast<size_t>(t));
      for (int i = 0; i < 1000; ++i) {
        c.local().a.fetch_add(1, std::memory_order_relaxed);
        c.local().b.fetch_add(2, std::memory_order_relaxed);
      }
    });
  }
  for (auto& th : threads) th.join();
  uint64_t a = 0;
  uint64_t b = 0;
  size_t used = 0;
  c.forEach([&](const TwoCounters& x) {
    a += x.a.load();
    b += x.b.load();
    if (x.a.load() != 0) ++used;
  });
  EXPECT_EQ(a, 4000u);
  EXPECT_EQ(b, 8000u);
  EXPECT_EQ(used, 4u) << "four workers, four blocks";
}

}  // namespace
}  // namespace floe::proxy
