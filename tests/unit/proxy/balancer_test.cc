#include "proxy/balancer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace floe::proxy {
namespace {

// Picks `n` times and spells the sequence with one letter per server ("ABAABA"); '-' for none.
std::string picks(Balancer& b, const std::vector<ServerView>& servers, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    auto p = b.pick(servers);
    out += p ? static_cast<char>('A' + *p) : '-';
  }
  return out;
}

ServerView up(uint32_t ratio = 1, uint64_t active = 0) { return {ratio, true, active}; }
ServerView down() { return {1, false, 0}; }

TEST(RoundRobin, CyclesThroughEqualServersInOrder) {
  Balancer b(Algorithm::kRoundRobin);
  EXPECT_EQ(picks(b, {up(), up(), up()}, 7), "ABCABCA");
}

TEST(RoundRobin, WeightedRoundRobinHonoursRatio) {
  Balancer b(Algorithm::kRoundRobin);
  // Ratio 2 gets 2 of every 3 picks, interleaved rather than AAB.
  EXPECT_EQ(picks(b, {up(2), up(1)}, 6), "ABAABA");
}

TEST(RoundRobin, WeightedRoundRobinInterleavesLargeRatios) {
  Balancer b(Algorithm::kRoundRobin);
  const std::string seq = picks(b, {up(5), up(1), up(1)}, 14);
  EXPECT_EQ(seq, "AABACAAAABACAA");
  EXPECT_EQ(seq.find("AAAAA"), std::string::npos) << "no burst of five A within one cycle";
  EXPECT_EQ(std::count(seq.begin(), seq.end(), 'A'), 10);
}

TEST(RoundRobin, SkipsIneligibleServers) {
  Balancer b(Algorithm::kRoundRobin);
  EXPECT_EQ(picks(b, {up(), down(), up()}, 4), "ACAC");
}

TEST(RoundRobin, ReturnsNothingWhenNoServerIsEligible) {
  Balancer b(Algorithm::kRoundRobin);
  EXPECT_EQ(picks(b, {down(), down()}, 2), "--");
  EXPECT_EQ(picks(b, {}, 1), "-");
}

TEST(RoundRobin, ServerComingBackDoesNotGetABurst) {
  Balancer b(Algorithm::kRoundRobin);
  EXPECT_EQ(picks(b, {up(), down()}, 3), "AAA");
  EXPECT_EQ(picks(b, {up(), up()}, 4), "ABAB");
}

TEST(RoundRobin, TreatsRatioZeroAsOne) {
  Balancer b(Algorithm::kRoundRobin);
  EXPECT_EQ(picks(b, {up(0), up(1)}, 4), "ABAB");
}

TEST(RoundRobin, RetryAfterAFailedConnectKeepsTheRatio) {
  Balancer b(Algorithm::kRoundRobin);
  std::vector<ServerView> servers{up(5), up(1)};
  EXPECT_EQ(picks(b, servers, 4), "AAAB");
  // B refuses: the retry skips B for this one pick.
  auto retry = servers;
  retry[1].tried = true;
  EXPECT_EQ(picks(b, retry, 1), "A");
  // B keeps its place in the cycle: five A before the next B, as ratio 5:1 says (zeroing B's
  // weight on the retry would bring it back after four).
  EXPECT_EQ(picks(b, servers, 6), "AAAAAB");
}

TEST(LeastConnections, SkipsTriedServers) {
  Balancer b(Algorithm::kLeastConnections);
  std::vector<ServerView> servers{up(1, 0), up(1, 5)};
  servers[0].tried = true;
  EXPECT_EQ(picks(b, servers, 1), "B");
}

TEST(LeastConnections, PicksServerWithFewestActiveConnections) {
  Balancer b(Algorithm::kLeastConnections);
  EXPECT_EQ(picks(b, {up(1, 5), up(1, 2), up(1, 9)}, 3), "BBB");
}

TEST(LeastConnections, WeighsActiveConnectionsByRatio) {
  Balancer b(Algorithm::kLeastConnections);
  // 6/3 = 2 per unit of ratio beats 3/1.
  EXPECT_EQ(picks(b, {up(1, 3), up(3, 6)}, 1), "B");
  // 9/3 = 3 ties with 3/1: round robin between them.
  EXPECT_EQ(picks(b, {up(1, 3), up(3, 9)}, 2), "AB");
}

TEST(LeastConnections, LeastConnectionsBreaksTiesRoundRobin) {
  Balancer b(Algorithm::kLeastConnections);
  EXPECT_EQ(picks(b, {up(), up(), up()}, 6), "ABCABC");
}

TEST(LeastConnections, TieBreakSkipsBusierServers) {
  Balancer b(Algorithm::kLeastConnections);
  EXPECT_EQ(picks(b, {up(1, 1), up(1, 0), up(1, 1), up(1, 0)}, 4), "BDBD");
}

TEST(LeastConnections, SkipsIneligibleServersEvenWhenIdle) {
  Balancer b(Algorithm::kLeastConnections);
  EXPECT_EQ(picks(b, {down(), up(1, 7)}, 2), "BB");
  EXPECT_EQ(picks(b, {down(), down()}, 1), "-");
}

std::vector<ServerView> hashPool(size_t n) {
  std::vector<ServerView> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i].eligible = true;
    v[i].id = 0x0a0a1400ULL + 21 + i;  // any distinct identities
  }
  return v;
}

TEST(ConsistentHash, SameKeySameServer) {
  Balancer b(Algorithm::kConsistentHash);
  auto pool = hashPool(4);
  for (uint64_t key = 0; key < 100; ++key) {
    const auto first = b.pick(pool, key);
    ASSERT_TRUE(first);
    EXPECT_EQ(b.pick(pool, key), first);
  }
}

TEST(ConsistentHash, OnlyTheDownServersShareMovesAndItSpreads) {
  Balancer b(Algorithm::kConsistentHash);
  auto pool = hashPool(5);
  constexpr uint64_t kKeys = 20000;
  std::vector<size_t> before(kKeys);
  std::vector<size_t> share(pool.size());
  for (uint64_t k = 0; k < kKeys; ++k) {
    before[k] = *b.pick(pool, k * 2654435761ULL);
    ++share[before[k]];
  }
  for (size_t s : share) {
    EXPECT_GT(s, kKeys / 5 * 6 / 10) << "each server gets a fair share (within 40%)";
    EXPECT_LT(s, kKeys / 5 * 14 / 10);
  }
  pool[2].eligible = false;
  std::vector<size_t> movedTo(pool.size());
  for (uint64_t k = 0; k < kKeys; ++k) {
    const size_t now = *b.pick(pool, k * 2654435761ULL);
    if (before[k] != 2) {
      ASSERT_EQ(now, before[k]) << "key " << k << " moved though its server stayed up";
    } else {
      ASSERT_NE(now, 2u);
      ++movedTo[now];
    }
  }
  size_t receivers = 0;
  for (size_t i = 0; i < movedTo.size(); ++i) receivers += movedTo[i] > share[2] / 20;
  EXPECT_GE(receivers, 3u) << "the down server's keys spread over the others";
  pool[2].eligible = true;
  for (uint64_t k = 0; k < kKeys; ++k) {
    ASSERT_EQ(*b.pick(pool, k * 2654435761ULL), before[k]) << "all come back";
  }
}

TEST(ConsistentHash, RatioWeightsTheShareAndTriedIsSkipped) {
  Balancer b(Algorithm::kConsistentHash);
  auto pool = hashPool(2);
  pool[0].ratio = 3;
  size_t first = 0;
  for (uint64_t k = 0; k < 8000; ++k) first += *b.pick(pool, k * 40503ULL) == 0;
  EXPECT_GT(first, 5200u);  // about 3/4
  EXPECT_LT(first, 6800u);
  pool[0].tried = true;
  EXPECT_EQ(b.pick(pool, 1), 1u);
  pool[1].eligible = false;
  EXPECT_FALSE(b.pick(pool, 1));
}

TEST(FastestResponse, PicksTheLowestResponseTimePerRatio) {
  Balancer b(Algorithm::kFastestResponse);
  std::vector<ServerView> pool = {up(), up(), up()};
  pool[0].response_us = 9000;
  pool[1].response_us = 2000;
  pool[2].response_us = 5000;
  EXPECT_EQ(picks(b, pool, 3), "BBB");
  pool[2].ratio = 3;  // 5000 / 3 < 2000
  EXPECT_EQ(picks(b, pool, 2), "CC");
  pool[2].eligible = false;
  pool[1].tried = true;
  EXPECT_EQ(picks(b, pool, 1), "A");
}

TEST(FastestResponse, UnmeasuredServersGoFirstAndTakeTurns) {
  Balancer b(Algorithm::kFastestResponse);
  std::vector<ServerView> pool = {up(), up(), up()};
  pool[0].response_us = 1000;
  EXPECT_EQ(picks(b, pool, 4), "BCBC");
}

}  // namespace
}  // namespace floe::proxy
