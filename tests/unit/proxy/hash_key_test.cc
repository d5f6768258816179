#include "proxy/hash_key.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "proxy/balancer.h"

namespace floe::proxy {
namespace {

sockaddr_storage peer(const char* ip, uint16_t port) {
  sockaddr_storage ss{};
  IpAddress::parse(ip)->toSockaddr(port, ss);
  return ss;
}

http::MessageHead request(std::string target, std::vector<http::HeaderField> fields = {}) {
  http::MessageHead h;
  h.method = "GET";
  h.target = std::move(target);
  h.fields = std::move(fields);
  return h;
}

TEST(HashKey, SourceIpIgnoresThePortAndSourceIpAndPortDoesNot) {
  const auto a = peer("192.0.2.7", 40000);
  const auto b = peer("192.0.2.7", 40001);
  EXPECT_EQ(connectionKey(HashKey::kSourceIp, a), connectionKey(HashKey::kSourceIp, b));
  EXPECT_NE(connectionKey(HashKey::kSourceIpAndPort, a),
            connectionKey(HashKey::kSourceIpAndPort, b));
  EXPECT_NE(connectionKey(HashKey::kSourceIp, a),
            connectionKey(HashKey::kSourceIp, peer("192.0.2.8", 40000)));
  EXPECT_NE(connectionKey(HashKey::kSourceIpAndPort, peer("2001:db8::7", 1)),
            connectionKey(HashKey::kSourceIpAndPort, peer("2001:db8::7", 2)));
}

TEST(HashKey, UriKeyIsTheTargetAsSentAndNotTheClient) {
  const auto a = peer("192.0.2.7", 40000);
  const auto b = peer("198.51.100.9", 5);
  EXPECT_EQ(requestKey(HashKey::kUri, "", request("/a?x=1"), a),
            requestKey(HashKey::kUri, "", request("/a?x=1"), b));
  EXPECT_NE(requestKey(HashKey::kUri, "", request("/a?x=1"), a),
            requestKey(HashKey::kUri, "", request("/a?x=2"), a));
  EXPECT_NE(requestKey(HashKey::kUri, "", request("/a"), a),
            requestKey(HashKey::kUri, "", request("/A"), a));
  EXPECT_EQ(requestKey(HashKey::kUri, "", request("/a"), a), hashBytes("/a"));
}

TEST(HashKey, HeaderKeyJoinsRepeatedValuesAndMatchesTheNameInAnyCase) {
  const auto a = peer("192.0.2.7", 40000);
  const auto b = peer("198.51.100.9", 5);
  const auto one = request("/", {{"x-user", "alice"}});
  EXPECT_EQ(requestKey(HashKey::kHeader, "X-User", one, a),
            requestKey(HashKey::kHeader, "X-User", request("/other", {{"X-USER", "alice"}}), b));
  EXPECT_EQ(requestKey(HashKey::kHeader, "X-User", one, a), hashBytes("alice"));
  EXPECT_NE(requestKey(HashKey::kHeader, "X-User", one, a),
            requestKey(HashKey::kHeader, "X-User", request("/", {{"X-User", "bob"}}), a));
  const auto twice = request("/", {{"X-User", "alice"}, {"Accept", "*/*"}, {"X-User", "bob"}});
  EXPECT_EQ(requestKey(HashKey::kHeader, "X-User", twice, a), hashBytes("alice, bob"));
}

TEST(HashKey, HeaderKeyFallsBackToTheClientAddressWhenTheHeaderIsMissing) {
  const auto a = peer("192.0.2.7", 40000);
  const auto none = request("/", {{"X-Other", "alice"}});
  EXPECT_EQ(requestKey(HashKey::kHeader, "X-User", none, a), connectionKey(HashKey::kSourceIp, a));
  EXPECT_NE(requestKey(HashKey::kHeader, "X-User", none, a),
            requestKey(HashKey::kHeader, "X-User", none, peer("192.0.2.8", 40000)));
  // Empty values carry no identity: they fall back like a missing header (else every client
  // sending "X-User:" would land on one server).
  EXPECT_EQ(requestKey(HashKey::kHeader, "X-User", request("/", {{"X-User", ""}}), a),
            connectionKey(HashKey::kSourceIp, a));
  EXPECT_EQ(
      requestKey(HashKey::kHeader, "X-User", request("/", {{"X-User", ""}, {"X-User", ""}}), a),
      connectionKey(HashKey::kSourceIp, a));
  // One non-empty field among empty ones is a value: the join of all of them is hashed.
  EXPECT_EQ(requestKey(HashKey::kHeader, "X-User",
                       request("/", {{"X-User", ""}, {"X-User", "bob"}}), a),
            hashBytes(", bob"));
}

// The minimal-disruption property with real URI keys: a server going down moves only the URIs
// it served, and they spread over the others.
TEST(HashKey, OnlyTheDownServersUrisMoveAndTheyComeBack) {
  Balancer b(Algorithm::kConsistentHash);
  std::vector<ServerView> pool(4);
  for (size_t i = 0; i < pool.size(); ++i) {
    pool[i].eligible = true;
    pool[i].id = connectionKey(HashKey::kSourceIp, peer("10.10.20.21", 80)) + i;
  }
  const auto client = peer("192.0.2.7", 40000);
  constexpr size_t kUris = 10000;
  std::vector<uint64_t> keys;
  for (size_t i = 0; i < kUris; ++i) {
    keys.push_back(requestKey(HashKey::kUri, "",
                              request("/static/img" + std::to_string(i) + ".png?v=3"), client));
  }
  std::vector<size_t> before(kUris);
  std::vector<size_t> share(pool.size());
  for (size_t i = 0; i < kUris; ++i) {
    before[i] = *b.pick(pool, keys[i]);
    ++share[before[i]];
  }
  for (size_t s : share) {
    EXPECT_GT(s, kUris / 4 * 6 / 10) << "each server gets a fair share of the URIs";
    EXPECT_LT(s, kUris / 4 * 14 / 10);
  }
  pool[1].eligible = false;
  std::set<size_t> receivers;
  size_t moved = 0;
  for (size_t i = 0; i < kUris; ++i) {
    const size_t now = *b.pick(pool, keys[i]);
    if (before[i] != 1) {
      ASSERT_EQ(now, before[i]) << "URI " << i << " moved though its server stayed up";
    } else {
      ASSERT_NE(now, 1u);
      receivers.insert(now);
      ++moved;
    }
  }
  EXPECT_EQ(moved, share[1]);
  EXPECT_EQ(receivers.size(), 3u) << "the down server's URIs spread over the others";
  pool[1].eligible = true;
  for (size_t i = 0; i < kUris; ++i) ASSERT_EQ(*b.pick(pool, keys[i]), before[i]);
}

}  // namespace
}  // namespace floe::proxy
