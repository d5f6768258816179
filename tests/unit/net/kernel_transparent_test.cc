// The preserve_client_ip return path against the real kernel, in a private namespace:
// install adds the nft table, fwmark rules and local routes, twice is the same as once, and
// remove takes away floe's and nothing else.
#include <cstdio>
#include <string>

#include "kernel_fixture.h"
#include "net/transparent.h"

namespace floe::net::testing {
namespace {

std::string capture(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  ::pclose(p);
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class TransparentTest : public KernelTest {};

TEST_F(TransparentTest, InstallAddsTableRulesAndLocalRoutes) {
  auto t = makeKernelTransparentReturn();
  ASSERT_TRUE(t->install());
  ASSERT_TRUE(t->install()) << "a second install must be a no-op";
  const auto nft = capture("nft list table inet floe");
  EXPECT_TRUE(contains(nft, "socket transparent 1 meta mark set meta mark | 0x10000000")) << nft;
  EXPECT_TRUE(contains(nft, "hook prerouting priority mangle")) << nft;
  const auto rules4 = capture("ip -4 rule show");
  EXPECT_TRUE(contains(rules4, "199:\tfrom all fwmark 0x10000000/0x10000000 lookup 199 proto 199"))
      << rules4;
  const auto rules6 = capture("ip -6 rule show");
  EXPECT_TRUE(contains(rules6, "fwmark 0x10000000/0x10000000 lookup 199 proto 199")) << rules6;
  EXPECT_EQ(capture("ip -4 route show table 199"), "local default dev lo proto 199 scope host \n");
  EXPECT_TRUE(contains(capture("ip -6 route show table 199"), "local default dev lo proto 199"));
  // Twice installed, once there.
  EXPECT_EQ(capture("ip -4 rule show | grep -c 'lookup 199'"), "1\n");
}

TEST_F(TransparentTest, RemoveTakesAwayOnlyWhatIsFloes) {
  run("ip rule add fwmark 0x5 lookup 100 pref 300");
  run("ip route add local 192.0.2.0/24 dev lo table 199");  // not floe's protocol
  run("nft add table inet other");
  auto t = makeKernelTransparentReturn();
  ASSERT_TRUE(t->install());
  auto removed = t->remove();
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(removed->size(), 5u);  // the nft table, two rules, two routes
  EXPECT_FALSE(contains(capture("nft list tables"), "floe"));
  EXPECT_TRUE(contains(capture("nft list tables"), "table inet other"));
  const auto rules = capture("ip -4 rule show");
  EXPECT_FALSE(contains(rules, "lookup 199")) << rules;
  EXPECT_TRUE(contains(rules, "fwmark 0x5 lookup 100")) << rules;
  EXPECT_EQ(capture("ip -4 route show table 199"), "local 192.0.2.0/24 dev lo scope host \n");
  EXPECT_FALSE(contains(capture("ip -6 route show table 199"), "default"));
}

TEST_F(TransparentTest, MissingNamesWhatWasRemovedBehindItsBack) {
  auto t = makeKernelTransparentReturn();
  auto all = t->missing();
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->size(), 5u);  // nothing installed yet
  ASSERT_TRUE(t->install());
  auto none = t->missing();
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  run("nft delete table inet floe");
  run("ip -6 rule del pref 199");
  auto some = t->missing();
  ASSERT_TRUE(some);
  EXPECT_EQ(*some, (std::vector<std::string>{"nft table inet floe", "policy rule (inet6)"}));
}

TEST_F(TransparentTest, RemoveWithNothingInstalledRemovesNothing) {
  auto removed = makeKernelTransparentReturn()->remove();
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_TRUE(removed->empty());
}

}  // namespace
}  // namespace floe::net::testing
