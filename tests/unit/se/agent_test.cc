#include "se/agent.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "fakes/fake_netlink.h"
#include "test_documents.h"

namespace floe::se {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::ip;
using testing::oneArmed;
using testing::prefix;

class RecordingDataPlane final : public DataPlane {
 public:
  std::vector<Error> apply(const proxy::ProxyConfig& config) override {
    applied.push_back(config);
    return nextErrors;
  }
  proxy::ProxyStatus status() const override { return {}; }
  std::vector<proxy::ProxyConfig> applied;
  std::vector<Error> nextErrors;
};

class RecordingGarp final : public GarpSender {
 public:
  Status announce(const std::string& device, const IpAddress& a) override {
    sent.push_back(device + " " + a.toString());
    return {};
  }
  std::vector<std::string> sent;
};

class AgentTest : public ::testing::Test {
 protected:
  AgentTest() { netlink.addLink("eth0", {prefix("10.10.1.11/24")}); }

  DesiredState desired(const config::Document& doc = oneArmed()) {
    auto s = computeDesiredState(doc, "se1");
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return *s;
  }

  net::FakeNetlink netlink;
  RecordingDataPlane dataPlane;
  RecordingGarp garp;
  Agent agent{netlink, dataPlane, garp};
};

TEST_F(AgentTest, HoldsFloatingVipSnatAndStaticRoute) {
  EXPECT_THAT(agent.apply(desired()), IsEmpty());
  const auto& calls = netlink.calls();
  EXPECT_THAT(calls, Contains("ensureLocalDevice floe0"));
  EXPECT_THAT(calls, Contains("addAddress eth0 10.10.1.100/32 lifetime=6"));
  EXPECT_THAT(calls, Contains("addAddress floe0 10.10.2.100/32 lifetime=6"));
  EXPECT_THAT(calls, Contains("addAddress floe0 10.10.3.100/32 lifetime=6"));
  EXPECT_THAT(calls, Contains("addRoute 0.0.0.0/0 via 10.10.1.1"));
  ASSERT_EQ(dataPlane.applied.size(), 1u);
  EXPECT_EQ(dataPlane.applied[0].virtual_services.at(0).name, "vs1");
}

TEST_F(AgentTest, AnnouncesOnlyAddressesOnAnInterface) {
  (void)agent.apply(desired());
  EXPECT_EQ(garp.sent, std::vector<std::string>{"eth0 10.10.1.100"});
}

TEST_F(AgentTest, ApplyingTheSameStateTwiceChangesNothing) {
  (void)agent.apply(desired());
  netlink.clearCalls();
  EXPECT_THAT(agent.apply(desired()), IsEmpty());
  EXPECT_THAT(netlink.callsOf("addAddress"), IsEmpty());
  EXPECT_THAT(netlink.callsOf("removeAddress"), IsEmpty());
  EXPECT_THAT(netlink.callsOf("addRoute"), IsEmpty());
  EXPECT_THAT(netlink.callsOf("removeRoute"), IsEmpty());
}

TEST_F(AgentTest, ReleasesWhatTheNewStateNoLongerHas) {
  (void)agent.apply(desired());
  auto doc = oneArmed();
  doc.virtualservice.clear();
  doc.vrfcontext[0].static_routes.clear();
  netlink.clearCalls();
  EXPECT_THAT(agent.apply(desired(doc)), IsEmpty());
  EXPECT_THAT(netlink.calls(), Contains("removeAddress floe0 10.10.2.100/32"));
  EXPECT_THAT(netlink.calls(), Contains("removeAddress floe0 10.10.3.100/32"));
  EXPECT_THAT(netlink.calls(), Contains("removeRoute 0.0.0.0/0 via 10.10.1.1"));
  EXPECT_THAT(netlink.calls(), Contains("deleteLink floe0"));
  EXPECT_THAT(netlink.calls(), Not(Contains("removeAddress eth0 10.10.1.100/32")));
}

TEST_F(AgentTest, ReportsARouteThatIsNotFloesAndLeavesItAlone) {
  net::Route theirs;
  theirs.destination = prefix("0.0.0.0/0");
  theirs.gateway = ip("10.10.1.254");
  netlink.addForeignRoute(theirs);
  auto problems = agent.apply(desired());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], ::testing::HasSubstr("exists already and is not floe's"));
  EXPECT_EQ(netlink.foreignRoutes().size(), 1u);
  EXPECT_THAT(netlink.routes(), IsEmpty());
  const auto routes = agent.status()["routes"];
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_THAT(routes[0]["state"].get<std::string>(), ::testing::HasSubstr("left alone"));
}

TEST_F(AgentTest, RetriesAFailedAddressOnTheNextApply) {
  netlink.failNext("addAddress floe0 10.10.2.100/32", Error{"no buffer space", ENOBUFS});
  EXPECT_EQ(agent.apply(desired()).size(), 1u);
  netlink.clearCalls();
  EXPECT_THAT(agent.apply(desired()), IsEmpty());
  EXPECT_EQ(netlink.callsOf("addAddress"),
            std::vector<std::string>{"addAddress floe0 10.10.2.100/32 lifetime=6"});
}

TEST_F(AgentTest, RefreshRenewsTheLifetimeOfEveryHeldAddress) {
  (void)agent.apply(desired());
  netlink.clearCalls();
  agent.refresh();
  EXPECT_EQ(netlink.callsOf("addAddress").size(), 3u);
}

TEST_F(AgentTest, WithdrawAllLeavesNothingOfFloes) {
  (void)agent.apply(desired());
  agent.withdrawAll();
  EXPECT_THAT(netlink.addresses(), IsEmpty());
  EXPECT_THAT(netlink.routes(), IsEmpty());
  EXPECT_FALSE(netlink.link("floe0").has_value());
  ASSERT_TRUE(netlink.link("eth0").has_value());
  EXPECT_TRUE(dataPlane.applied.back().virtual_services.empty());
}

TEST_F(AgentTest, RemovesLeftoversOfAnEarlierRunButNothingElse) {
  netlink.addForeignAddress("eth0", prefix("10.10.1.50/32"));
  net::Route theirs;
  theirs.destination = prefix("192.0.2.0/24");
  theirs.gateway = ip("10.10.1.1");
  netlink.addForeignRoute(theirs);
  {
    // An earlier floe-se that was killed: its addresses and route stay behind.
    RecordingDataPlane dp;
    RecordingGarp g;
    Agent earlier(netlink, dp, g);
    (void)earlier.apply(desired());
  }
  auto removed = agent.removeLeftovers();
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(removed->size(), 5u);  // 3 addresses, 1 route, floe0
  EXPECT_THAT(netlink.addresses(), IsEmpty());
  EXPECT_THAT(netlink.routes(), IsEmpty());
  EXPECT_EQ(netlink.foreignRoutes().size(), 1u);
  const auto eth0 = netlink.link("eth0");
  ASSERT_TRUE(eth0.has_value());
  EXPECT_THAT(eth0->addresses, Contains(prefix("10.10.1.50/32")));
}

TEST_F(AgentTest, ReportsListenersTheDataPlaneCouldNotOpen) {
  dataPlane.nextErrors = {Error{"10.10.2.100:80: Address already in use", EADDRINUSE}};
  auto problems = agent.apply(desired());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], ::testing::HasSubstr("10.10.2.100:80: Address already in use"));
}

TEST_F(AgentTest, StatusNamesEveryHeldAddressWithItsRole) {
  (void)agent.apply(desired());
  const auto s = agent.status();
  EXPECT_EQ(s["name"], "se1");
  EXPECT_EQ(s["ha_state"], "ACTIVE");
  ASSERT_EQ(s["addresses"].size(), 3u);
  EXPECT_EQ(s["addresses"][0]["address"], "10.10.1.100/32");
  EXPECT_EQ(s["addresses"][0]["device"], "eth0");
  EXPECT_EQ(s["addresses"][0]["role"], "floating");
}

}  // namespace
}  // namespace floe::se
