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

}  // namespace
}  // namespace floe::proxy
