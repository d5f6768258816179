// KernelNetlink's routes against the real kernel, IPv4 and IPv6, in a private namespace.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cerrno>

#include "kernel_fixture.h"

namespace floe::net::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct RouteCase {
  const char* name;
  int family;
  const char* any;           // the default route's destination
  const char* gateway;       // floe's gateway, on veth-a's subnet
  const char* otherGateway;  // someone else's gateway
  const char* subnet;        // a back-end subnet
};

class RouteTest : public KernelTest, public ::testing::WithParamInterface<RouteCase> {
 protected:
  Route defaultRoute() {
    return Route{prefix(GetParam().any), ip(GetParam().gateway), {}, kMainTable};
  }
  Route subnetRoute(uint32_t table = kMainTable) {
    return Route{prefix(GetParam().subnet), ip(GetParam().gateway), {}, table};
  }
  std::string ipCommand() { return GetParam().family == AF_INET ? "ip -4" : "ip -6"; }
  // The kernel's routes to `dst` in `table` (RTM_F_CLONED and other types excluded).
  std::vector<rtnl::RouteMessage> kernelRoutesTo(const Prefix& dst, uint32_t table = kMainTable) {
    std::vector<rtnl::RouteMessage> out;
    for (const auto& r : kernelRoutes(GetParam().family)) {
      if (r.destination == dst && r.table == table && r.type == RTN_UNICAST) out.push_back(r);
    }
    return out;
  }
};

TEST_P(RouteTest, DefaultRouteViaGatewayIsOwnedWithFloeProtocol) {
  auto st = nl_->addRoute(defaultRoute());
  ASSERT_TRUE(st) << st.error().message;
  auto k = kernelRoutesTo(prefix(GetParam().any));
  ASSERT_EQ(k.size(), 1u);
  EXPECT_EQ(k[0].protocol, kRouteProtocol);
  EXPECT_EQ(k[0].gateway, ip(GetParam().gateway));
  auto owned = nl_->ownedRoutes();
  ASSERT_TRUE(owned) << owned.error().message;
  // The kernel picks the device for a gateway route and reports it.
  Route expected = defaultRoute();
  expected.device = "veth-a";
  EXPECT_THAT(*owned, Contains(expected));
  EXPECT_EQ(owned->size(), 1u);
}

TEST_P(RouteTest, AddOverForeignRouteFailsWithEexistAndLeavesIt) {
  run(ipCommand() + " route add default via " + GetParam().otherGateway);
  auto st = nl_->addRoute(defaultRoute());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, EEXIST);
  EXPECT_EQ(st.error().message, std::string("add route ") + GetParam().any + " via " +
                                    GetParam().gateway + ": route " + GetParam().any +
                                    " exists already and is not floe's; not replaced");
  auto k = kernelRoutesTo(prefix(GetParam().any));
  ASSERT_EQ(k.size(), 1u);
  EXPECT_EQ(k[0].gateway, ip(GetParam().otherGateway));
  EXPECT_NE(k[0].protocol, kRouteProtocol);
  auto owned = nl_->ownedRoutes();
  ASSERT_TRUE(owned);
  EXPECT_THAT(*owned, IsEmpty());
}

TEST_P(RouteTest, AddingTheSameRouteTwiceIsOk) {
  ASSERT_TRUE(nl_->addRoute(subnetRoute()));
  auto st = nl_->addRoute(subnetRoute());
  EXPECT_TRUE(st) << st.error().message;
  EXPECT_EQ(kernelRoutesTo(prefix(GetParam().subnet)).size(), 1u);
}

TEST_P(RouteTest, AddingAnotherGatewayOverFloesRouteFails) {
  ASSERT_TRUE(nl_->addRoute(subnetRoute()));
  Route other = subnetRoute();
  other.gateway = ip(GetParam().otherGateway);
  auto st = nl_->addRoute(other);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, EEXIST);
  EXPECT_THAT(st.error().message, HasSubstr("floe's route to"));
}

TEST_P(RouteTest, RemoveRouteRemovesOurs) {
  ASSERT_TRUE(nl_->addRoute(subnetRoute()));
  auto st = nl_->removeRoute(subnetRoute());
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_THAT(kernelRoutesTo(prefix(GetParam().subnet)), IsEmpty());
  auto owned = nl_->ownedRoutes();
  ASSERT_TRUE(owned);
  EXPECT_THAT(*owned, IsEmpty());
}

TEST_P(RouteTest, RemoveRouteAsOwnedRoutesReportsIt) {
  ASSERT_TRUE(nl_->addRoute(subnetRoute()));
  auto owned = nl_->ownedRoutes();
  ASSERT_TRUE(owned);
  ASSERT_EQ(owned->size(), 1u);
  ASSERT_TRUE(nl_->removeRoute((*owned)[0]));  // what removeLeftovers does
  EXPECT_THAT(kernelRoutesTo(prefix(GetParam().subnet)), IsEmpty());
}

TEST_P(RouteTest, RemoveRouteNeverRemovesForeignRoute) {
  run(ipCommand() + " route add " + GetParam().subnet + " via " + GetParam().gateway);
  auto st = nl_->removeRoute(subnetRoute());
  EXPECT_TRUE(st) << st.error().message;
  EXPECT_EQ(kernelRoutesTo(prefix(GetParam().subnet)).size(), 1u);
}

TEST_P(RouteTest, RemoveAbsentRouteIsOk) {
  EXPECT_TRUE(nl_->removeRoute(subnetRoute()));
  EXPECT_TRUE(nl_->removeRoute(Route{prefix(GetParam().subnet), {}, "nosuch0", kMainTable}));
}

TEST_P(RouteTest, RouteInTableAbove255) {
  auto st = nl_->addRoute(subnetRoute(1000));
  ASSERT_TRUE(st) << st.error().message;
  auto k = kernelRoutesTo(prefix(GetParam().subnet), 1000);
  ASSERT_EQ(k.size(), 1u);
  EXPECT_EQ(k[0].protocol, kRouteProtocol);
  EXPECT_THAT(kernelRoutesTo(prefix(GetParam().subnet)), IsEmpty());  // not in main
  auto owned = nl_->ownedRoutes();
  ASSERT_TRUE(owned);
  ASSERT_EQ(owned->size(), 1u);
  EXPECT_EQ((*owned)[0].table, 1000u);
  ASSERT_TRUE(nl_->removeRoute(subnetRoute(1000)));
  EXPECT_THAT(kernelRoutesTo(prefix(GetParam().subnet), 1000), IsEmpty());
}

TEST_P(RouteTest, DeviceRouteWithoutGateway) {
  const Route r{prefix(GetParam().subnet), std::nullopt, std::string("veth-a"), kMainTable};
  auto st = nl_->addRoute(r);
  ASSERT_TRUE(st) << st.error().message;
  auto k = kernelRoutesTo(r.destination);
  ASSERT_EQ(k.size(), 1u);
  EXPECT_FALSE(k[0].gateway);
  if (GetParam().family == AF_INET) {
    EXPECT_EQ(k[0].scope, RT_SCOPE_LINK);
  }
  auto owned = nl_->ownedRoutes();
  ASSERT_TRUE(owned);
  EXPECT_THAT(*owned, Contains(r));
  ASSERT_TRUE(nl_->removeRoute(r));
  EXPECT_THAT(kernelRoutesTo(r.destination), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Families, RouteTest,
                         ::testing::Values(RouteCase{"IPv4", AF_INET, "0.0.0.0/0", "10.10.1.1",
                                                     "10.10.1.2", "10.10.20.0/24"},
                                           RouteCase{"IPv6", AF_INET6, "::/0", "2001:db8:1::1",
                                                     "2001:db8:1::2", "2001:db8:20::/64"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(KernelTest, RouteErrorNamesRouteAndErrno) {
  auto st = nl_->addRoute(Route{prefix("10.99.0.0/16"), ip("192.0.2.1"), {}, kMainTable});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ENETUNREACH);
  EXPECT_THAT(
      st.error().message,
      HasSubstr("add route 10.99.0.0/16 via 192.0.2.1: Network is unreachable (ENETUNREACH)"));
}

TEST_F(KernelTest, RouteNeedsGatewayOrDevice) {
  auto st = nl_->addRoute(Route{prefix("10.99.0.0/16"), {}, {}, kMainTable});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, EINVAL);
  EXPECT_EQ(st.error().message, "add route 10.99.0.0/16: a route needs a gateway or a device");
}

}  // namespace
}  // namespace floe::net::testing
