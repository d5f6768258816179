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

}  // namespace
}  // namespace floe::proxy
