#include "se/agent.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "fakes/captured_log.h"
#include "fakes/fake_netlink.h"
#include "test_documents.h"

namespace floe::se {
namespace {

using ::testing::Contains;
using testing::ip;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::oneArmed;
using testing::prefix;

class RecordingDataPlane final : public DataPlane {
 public:
  std::vector<Error> apply(const proxy::ProxyConfig& config) override {
    applied.push_back(config);
    return nextErrors;
  }
  // One entry per virtual service of the last config, UP when `vsUp`.
  proxy::ProxyStatus status() const override {
    proxy::ProxyStatus s;
    if (applied.empty()) return s;
    for (const auto& vs : applied.back().virtual_services) {
      proxy::VirtualServiceStatus v;
      v.name = vs.name;
      v.up = vsUp;
      s.virtual_services.push_back(v);
    }
    return s;
  }
  bool vsUp = true;
  std::vector<proxy::ProxyConfig> applied;
  std::vector<Error> nextErrors;
};

class RecordingKeeper final : public LifetimeKeeper {
 public:
  void keep(std::vector<net::Address> addresses) override { kept.push_back(std::move(addresses)); }
  std::vector<std::vector<net::Address>> kept;
};

// Answers every probe at once: nobody uses the address, or `holder` does.
class ScriptedProber final : public AddressProber {
 public:
  void probe(const std::string& device, const IpAddress& ip, Done done) override {
    probed.push_back(device + " " + ip.toString());
    pending.push_back(std::move(done));
  }
  void answer(std::optional<std::string> holder) {
    auto all = std::move(pending);
    pending.clear();
    for (auto& d : all) d(holder);
  }
  std::vector<std::string> probed;
  std::vector<Done> pending;
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
  // The status of the address or route whose "address"/"prefix" is `key`.
  nlohmann::json addressStatus(const std::string& key) {
    const auto status = agent.status();  // the range below must not outlive it
    for (const auto& a : status["addresses"]) {
      if (a["address"] == key) return a;
    }
    return {};
  }
  nlohmann::json routeStatus(const std::string& key) {
    const auto status = agent.status();  // the range below must not outlive it
    for (const auto& r : status["routes"]) {
      if (r["prefix"] == key) return r;
    }
    return {};
  }
  nlohmann::json vsStatus(const std::string& name) {
    const auto status = agent.status();  // the range below must not outlive it
    for (const auto& v : status["virtualservices"]) {
      if (v["name"] == name) return v;
    }
    return {};
  }

  net::FakeNetlink netlink;
  RecordingDataPlane dataPlane;
  RecordingGarp garp;
  RecordingKeeper keeper;
  ManualClock clock;
  Agent agent{netlink, dataPlane, garp, keeper, clock};
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
  EXPECT_EQ(addressStatus("10.10.1.100/32")["state"], "INSTALLED");
  EXPECT_EQ(routeStatus("0.0.0.0/0")["state"], "INSTALLED");
}

TEST_F(AgentTest, AnnouncesOnlyAddressesOnAnInterface) {
  (void)agent.apply(desired());
  EXPECT_EQ(garp.sent, std::vector<std::string>{"eth0 10.10.1.100"});
}

TEST_F(AgentTest, AnnouncesIpv6AddressesAsIpv4OnesAreAnnounced) {
  netlink.addLink("eth1", {prefix("2001:db8:1::11/64")});
  auto doc = oneArmed();
  doc.serviceengine[0].data_vnics.push_back({"eth1", prefix("2001:db8:1::11/64")});
  doc.serviceenginegroup[0].floating_intf_ip.push_back(ip("2001:db8:1::100"));
  (void)agent.apply(desired(doc));
  EXPECT_THAT(garp.sent, Contains("eth1 2001:db8:1::100"));
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
  EXPECT_THAT(netlink.calls(), Not(Contains(::testing::StartsWith("removeAddress eth0"))));
}

TEST_F(AgentTest, TheRefresherLetsGoOfAnAddressBeforeItIsRemoved) {
  (void)agent.apply(desired());
  auto doc = oneArmed();
  doc.virtualservice.clear();
  keeper.kept.clear();
  (void)agent.apply(desired(doc));
  // The first set handed over in the pass that removes the VIP no longer has it.
  ASSERT_FALSE(keeper.kept.empty());
  for (const auto& a : keeper.kept.front()) EXPECT_NE(a.prefix, prefix("10.10.2.100/32"));
}

TEST_F(AgentTest, ReportsARouteThatIsNotFloesAndLeavesItAlone) {
  net::Route theirs;
  theirs.destination = prefix("0.0.0.0/0");
  theirs.gateway = ip("10.10.1.254");
  netlink.addForeignRoute(theirs);
  (void)agent.apply(desired());
  EXPECT_EQ(netlink.foreignRoutes().size(), 1u);
  EXPECT_THAT(netlink.floeRoutes(), IsEmpty());
  const auto route = routeStatus("0.0.0.0/0");
  EXPECT_EQ(route["state"], "CONFLICT");
  EXPECT_THAT(route["reason"].get<std::string>(), ::testing::HasSubstr("left alone"));
}

TEST_F(AgentTest, ReportsAHostRouteItsOwnShadows) {
  net::Route theirs;
  theirs.destination = prefix("0.0.0.0/0");
  theirs.gateway = ip("10.10.1.254");
  netlink.addForeignRoute(theirs, 100);
  (void)agent.apply(desired());
  const auto route = routeStatus("0.0.0.0/0");
  EXPECT_EQ(route["state"], "INSTALLED");
  EXPECT_THAT(route["shadows"].get<std::string>(),
              ::testing::HasSubstr("0.0.0.0/0 via 10.10.1.254 metric 100"));
}

TEST_F(AgentTest, RetriesAFailedAddressWithBackoff) {
  netlink.failNext("addAddress floe0 10.10.2.100/32", Error{"no buffer space", ENOBUFS});
  (void)agent.apply(desired());
  EXPECT_EQ(addressStatus("10.10.2.100/32")["state"], "RETRYING");
  netlink.clearCalls();
  (void)agent.reconcile();  // too early: backoff
  EXPECT_THAT(netlink.callsOf("addAddress"), IsEmpty());
  clock.advance(std::chrono::milliseconds(300));
  const auto retryAt = agent.reconcile();
  EXPECT_EQ(netlink.callsOf("addAddress"),
            std::vector<std::string>{"addAddress floe0 10.10.2.100/32 lifetime=6"});
  EXPECT_FALSE(retryAt.has_value());
  EXPECT_EQ(addressStatus("10.10.2.100/32")["state"], "INSTALLED");
}

TEST_F(AgentTest, PutsBackAnAddressThatVanished) {
  (void)agent.apply(desired());
  netlink.removeAddressBehindBack("eth0", prefix("10.10.1.100/32"));
  garp.sent.clear();
  (void)agent.reconcile();
  EXPECT_THAT(netlink.floeAddresses(), Contains(net::Address{"eth0", prefix("10.10.1.100/32"), 6}));
  EXPECT_EQ(garp.sent, std::vector<std::string>{"eth0 10.10.1.100"});
}

TEST_F(AgentTest, RecreatesTheLocalDeviceAndItsAddressesWhenDeleted) {
  (void)agent.apply(desired());
  netlink.removeLinkBehindBack("floe0");
  EXPECT_EQ(addressStatus("10.10.2.100/32")["state"], "INSTALLED");  // status() itself reads
  (void)agent.reconcile();
  ASSERT_TRUE(netlink.link("floe0").has_value());
  EXPECT_THAT(netlink.floeAddresses(),
              Contains(net::Address{"floe0", prefix("10.10.2.100/32"), 6}));
  EXPECT_THAT(netlink.floeAddresses(),
              Contains(net::Address{"floe0", prefix("10.10.3.100/32"), 6}));
}

TEST_F(AgentTest, WaitsForAnInterfaceThatIsDownAndRestoresItsRoutes) {
  (void)agent.apply(desired());
  netlink.setLinkDownAndFlush("eth0");
  netlink.failAlways("addRoute", Error{"Network is unreachable", ENETUNREACH});
  (void)agent.reconcile();
  EXPECT_EQ(routeStatus("0.0.0.0/0")["state"], "WAITING");
  EXPECT_EQ(addressStatus("10.10.1.100/32")["state"], "WAITING");
  netlink.clearFailures();
  netlink.setLinkUp("eth0", true);
  clock.advance(std::chrono::seconds(1));
  (void)agent.reconcile();
  EXPECT_EQ(routeStatus("0.0.0.0/0")["state"], "INSTALLED");
  EXPECT_THAT(netlink.floeRoutes(), ::testing::SizeIs(1));
}

TEST_F(AgentTest, AnAddressOnAMissingInterfaceIsWaitingNotFailed) {
  auto doc = oneArmed();
  netlink.removeLinkBehindBack("eth0");
  (void)agent.apply(desired(doc));
  const auto floating = addressStatus("10.10.1.100/32");
  EXPECT_EQ(floating["state"], "WAITING");
  EXPECT_THAT(floating["reason"].get<std::string>(), ::testing::HasSubstr("eth0"));
  netlink.addLink("eth0", {prefix("10.10.1.11/24")});
  (void)agent.reconcile();
  EXPECT_EQ(addressStatus("10.10.1.100/32")["state"], "INSTALLED");
}

TEST_F(AgentTest, AVirtualServiceWhoseVipIsNotHeldIsDown) {
  dataPlane.vsUp = true;
  netlink.failAlways("addAddress floe0 10.10.2.100/32", Error{"no buffer space", ENOBUFS});
  (void)agent.apply(desired());
  const auto vs = vsStatus("vs1");
  EXPECT_EQ(vs["state"], "DOWN");
  EXPECT_THAT(vs["reason"].get<std::string>(), ::testing::HasSubstr("VIP 10.10.2.100 is not held"));
}

TEST_F(AgentTest, LogsAnEventWhenAVirtualServiceGoesDownAndComesBack) {
  floe::testing::CapturedLog log(LogFormat::kLogfmt);
  (void)agent.apply(desired());
  agent.logServiceChanges();
  agent.logServiceChanges();  // no change: no second line
  dataPlane.vsUp = false;
  agent.logServiceChanges();
  dataPlane.vsUp = true;
  agent.logServiceChanges();

  EXPECT_EQ(log.count("event=virtualservice_up virtualservice=vs1 state=UP previous="), 2u)
      << log.text();
  EXPECT_EQ(log.count("level=warning program=floe-se se=se1 event=virtualservice_down "
                      "virtualservice=vs1 state=DOWN previous=UP"),
            1u)
      << log.text();
}

TEST_F(AgentTest, NeverAdoptsAnAddressSomeoneAddedByHand) {
  (void)agent.apply(desired());
  // An administrator deletes the floating IP and adds it again by hand.
  netlink.removeAddressBehindBack("eth0", prefix("10.10.1.100/32"));
  netlink.addForeignAddress("eth0", prefix("10.10.1.100/32"));
  (void)agent.reconcile();
  EXPECT_EQ(addressStatus("10.10.1.100/32")["state"], "CONFLICT");
  EXPECT_THAT(keeper.kept.back(), Not(Contains(net::Address{"eth0", prefix("10.10.1.100/32"), 6})));
  agent.withdrawAll();
  const auto eth0 = netlink.link("eth0");
  ASSERT_TRUE(eth0.has_value());
  EXPECT_THAT(eth0->addresses, Contains(prefix("10.10.1.100/32")));  // still the host's
}

TEST_F(AgentTest, ProbesBeforeClaimingAnOnLinkAddressForTheFirstTime) {
  ScriptedProber prober;
  Agent probing{netlink, dataPlane, garp, keeper, clock, &prober};
  (void)probing.apply(desired());
  EXPECT_EQ(prober.probed, std::vector<std::string>{"eth0 10.10.1.100"});
  EXPECT_THAT(netlink.callsOf("addAddress"),
              Not(Contains("addAddress eth0 10.10.1.100/32 lifetime=6")));
  prober.answer(std::nullopt);
  (void)probing.reconcile();
  EXPECT_THAT(netlink.callsOf("addAddress"), Contains("addAddress eth0 10.10.1.100/32 lifetime=6"));
  // Held once, it is claimed again at once if it vanishes: no second probe.
  netlink.removeAddressBehindBack("eth0", prefix("10.10.1.100/32"));
  (void)probing.reconcile();
  EXPECT_EQ(prober.probed.size(), 1u);
}

TEST_F(AgentTest, RefusesAnAddressAnotherHostAnswersFor) {
  ScriptedProber prober;
  Agent probing{netlink, dataPlane, garp, keeper, clock, &prober};
  (void)probing.apply(desired());
  prober.answer("answered by 02:00:00:00:00:99");
  (void)probing.reconcile();
  EXPECT_THAT(netlink.callsOf("addAddress"),
              Not(Contains("addAddress eth0 10.10.1.100/32 lifetime=6")));
  const auto s = probing.status();
  EXPECT_EQ(s["addresses"][0]["state"], "CONFLICT");
  EXPECT_THAT(s["addresses"][0]["reason"].get<std::string>(),
              ::testing::HasSubstr("02:00:00:00:00:99"));
}

TEST_F(AgentTest, AStandbyHoldsNoAddressButKeepsRoutesAndListeners) {
  (void)agent.apply(desired());
  keeper.kept.clear();
  agent.setRole(Role::kStandby, false);
  EXPECT_THAT(netlink.floeAddresses(), IsEmpty());
  EXPECT_THAT(netlink.floeRoutes(), ::testing::SizeIs(1));  // to reach the servers it monitors
  ASSERT_FALSE(keeper.kept.empty());
  EXPECT_THAT(keeper.kept.front(), IsEmpty());  // the refresher let go before the removal
  EXPECT_EQ(dataPlane.applied.back().virtual_services.size(), 1u);  // listeners stay
  const auto s = agent.status();
  EXPECT_EQ(s["ha_state"], "STANDBY");
  EXPECT_EQ(s["addresses"][0]["state"], "STANDBY");
  EXPECT_EQ(s["virtualservices"][0]["state"], "STANDBY");
  // A pass while standby changes nothing.
  netlink.clearCalls();
  (void)agent.reconcile();
  EXPECT_THAT(netlink.callsOf("addAddress"), IsEmpty());
}

TEST_F(AgentTest, ATakeoverClaimsEveryAddressAtOnceWithoutProbing) {
  ScriptedProber prober;
  Agent pair{netlink, dataPlane, garp, keeper, clock, &prober};
  pair.setRole(Role::kStandby, false);
  (void)pair.apply(desired());
  EXPECT_THAT(netlink.floeAddresses(), IsEmpty());
  garp.sent.clear();
  pair.setRole(Role::kActive, /*claimAtOnce=*/true);
  EXPECT_THAT(prober.probed, IsEmpty());
  EXPECT_THAT(netlink.floeAddresses(), ::testing::SizeIs(3));
  EXPECT_EQ(garp.sent, std::vector<std::string>{"eth0 10.10.1.100"});
  EXPECT_EQ(pair.status()["ha_state"], "ACTIVE");
}

TEST_F(AgentTest, WithdrawAllLeavesNothingOfFloes) {
  (void)agent.apply(desired());
  agent.withdrawAll();
  EXPECT_THAT(netlink.floeAddresses(), IsEmpty());
  EXPECT_THAT(netlink.floeRoutes(), IsEmpty());
  EXPECT_FALSE(netlink.link("floe0").has_value());
  ASSERT_TRUE(netlink.link("eth0").has_value());
  EXPECT_TRUE(dataPlane.applied.back().virtual_services.empty());
  EXPECT_THAT(keeper.kept.back(), IsEmpty());
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
    RecordingKeeper k;
    Agent earlier(netlink, dp, g, k, clock);
    (void)earlier.apply(desired());
  }
  auto removed = agent.removeLeftovers();
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(removed->size(), 5u);  // 3 addresses, 1 route, floe0
  EXPECT_THAT(netlink.floeAddresses(), IsEmpty());
  EXPECT_THAT(netlink.floeRoutes(), IsEmpty());
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

TEST_F(AgentTest, StatusNamesEveryHeldAddressWithItsRoleAndSince) {
  (void)agent.apply(desired());
  const auto s = agent.status();
  EXPECT_EQ(s["name"], "se1");
  EXPECT_EQ(s["ha_state"], "ACTIVE");
  ASSERT_EQ(s["addresses"].size(), 3u);
  EXPECT_EQ(s["addresses"][0]["address"], "10.10.1.100/32");
  EXPECT_EQ(s["addresses"][0]["device"], "eth0");
  EXPECT_EQ(s["addresses"][0]["role"], "floating");
  EXPECT_EQ(s["addresses"][0]["state"], "INSTALLED");
  EXPECT_EQ(s["addresses"][0]["since"], formatUtc(clock.wallNow()));
}

}  // namespace
}  // namespace floe::se
