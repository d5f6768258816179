#include "fakes/fake_netlink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>

namespace floe::net {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Prefix prefix(const char* text) { return *Prefix::parse(text); }
IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST(FakeNetlink, RecordsEveryCallAsOneLine) {
  FakeNetlink nl;
  nl.addLink("eth0", {prefix("10.10.1.11/24")});
  ASSERT_TRUE(nl.ensureLocalDevice("floe0"));
  ASSERT_TRUE(nl.addAddress(Address{"eth0", prefix("10.10.1.100/32"), 6}));
  ASSERT_TRUE(nl.addRoute(Route{prefix("0.0.0.0/0"), ip("10.10.1.1"), {}, kMainTable}));
  ASSERT_TRUE(nl.addRoute(Route{prefix("10.10.20.0/24"), {}, std::string("eth0"), 100}));
  ASSERT_TRUE(nl.removeAddress(Address{"eth0", prefix("10.10.1.100/32"), 0}));
  ASSERT_TRUE(nl.ownedRoutes());
  EXPECT_THAT(
      nl.calls(),
      ElementsAre("ensureLocalDevice floe0", "addAddress eth0 10.10.1.100/32 lifetime=6",
                  "addRoute 0.0.0.0/0 via 10.10.1.1", "addRoute 10.10.20.0/24 dev eth0 table 100",
                  "removeAddress eth0 10.10.1.100/32", "ownedRoutes"));
  EXPECT_THAT(nl.callsOf("addRoute"), ElementsAre("addRoute 0.0.0.0/0 via 10.10.1.1",
                                                  "addRoute 10.10.20.0/24 dev eth0 table 100"));
}

TEST(FakeNetlink, OwnsOnlyWhatFloeAdded) {
  FakeNetlink nl;
  nl.addLink("eth0", {prefix("10.10.1.11/24")});
  nl.addForeignRoute(Route{prefix("10.10.30.0/24"), ip("10.10.1.2"), {}, kMainTable});
  ASSERT_TRUE(nl.addAddress(Address{"eth0", prefix("10.10.1.100/32"), 6}));
  EXPECT_THAT(*nl.ownedAddresses(), ElementsAre(Address{"eth0", prefix("10.10.1.100/32"), 6}));
  EXPECT_THAT(*nl.ownedRoutes(), IsEmpty());
  // Removing someone else's is a no-op, as in the kernel implementation.
  ASSERT_TRUE(nl.removeAddress(Address{"eth0", prefix("10.10.1.11/24"), 0}));
  ASSERT_TRUE(nl.removeRoute(Route{prefix("10.10.30.0/24"), ip("10.10.1.2"), {}, kMainTable}));
  EXPECT_THAT(nl.link("eth0")->addresses,
              ElementsAre(prefix("10.10.1.11/24"), prefix("10.10.1.100/32")));
  EXPECT_EQ(nl.foreignRoutes().size(), 1u);
}

TEST(FakeNetlink, RefreshUpdatesLifetimeInPlace) {
  FakeNetlink nl;
  nl.addLink("eth0");
  ASSERT_TRUE(nl.addAddress(Address{"eth0", prefix("10.10.1.100/32"), 6}));
  ASSERT_TRUE(nl.addAddress(Address{"eth0", prefix("10.10.1.100/32"), 30}));
  EXPECT_THAT(nl.floeAddresses(), ElementsAre(Address{"eth0", prefix("10.10.1.100/32"), 30}));
}

TEST(FakeNetlink, RouteOverForeignRouteFailsWithEexist) {
  FakeNetlink nl;
  nl.addLink("eth0");
  nl.addForeignRoute(Route{prefix("0.0.0.0/0"), ip("10.10.1.254"), {}, kMainTable});
  auto st = nl.addRoute(Route{prefix("0.0.0.0/0"), ip("10.10.1.1"), {}, kMainTable});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, EEXIST);
  EXPECT_EQ(st.error().message,
            "add route 0.0.0.0/0 via 10.10.1.1: route 0.0.0.0/0 exists already and is not "
            "floe's; not replaced");
}

TEST(FakeNetlink, AddressOnUnknownDeviceFailsWithEnodev) {
  FakeNetlink nl;
  auto st = nl.addAddress(Address{"eth9", prefix("10.10.1.100/32"), 6});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ENODEV);
}

TEST(FakeNetlink, FailsChosenCallsThenRecovers) {
  FakeNetlink nl;
  nl.addLink("eth0");
  nl.failNext("addAddress eth0 10.10.1.100/32", Error{"injected", EADDRNOTAVAIL}, 2);
  const Address a{"eth0", prefix("10.10.1.100/32"), 6};
  EXPECT_EQ(nl.addAddress(a).error().code, EADDRNOTAVAIL);
  EXPECT_TRUE(nl.addAddress(Address{"eth0", prefix("10.10.1.101/32"), 6}));  // not matched
  EXPECT_EQ(nl.addAddress(a).error().message, "injected");
  EXPECT_TRUE(nl.addAddress(a));
  EXPECT_EQ(nl.callsOf("addAddress").size(), 4u);  // failed calls are recorded too

  nl.failAlways("ownedRoutes", Error{"netlink down", EIO});
  EXPECT_FALSE(nl.ownedRoutes());
  EXPECT_FALSE(nl.ownedRoutes());
  nl.clearFailures();
  EXPECT_TRUE(nl.ownedRoutes());
}

TEST(FakeNetlink, LocalDeviceAndDeleteLink) {
  FakeNetlink nl;
  ASSERT_TRUE(nl.ensureLocalDevice(kLocalDevice));
  ASSERT_TRUE(nl.ensureLocalDevice(kLocalDevice));
  ASSERT_TRUE(nl.addAddress(Address{kLocalDevice, prefix("10.10.2.100/32"), 6}));
  ASSERT_TRUE(nl.link(kLocalDevice));
  EXPECT_TRUE(nl.link(kLocalDevice)->up);
  ASSERT_TRUE(nl.deleteLink(kLocalDevice));
  EXPECT_FALSE(nl.link(kLocalDevice));
  EXPECT_THAT(nl.floeAddresses(), IsEmpty());    // gone with the device
  EXPECT_TRUE(nl.deleteLink(kLocalDevice));  // absent: ok

  nl.addLink("floe0-taken", {}, true, "veth");
  EXPECT_EQ(nl.ensureLocalDevice("floe0-taken").error().code, EEXIST);
  EXPECT_EQ(nl.deleteLink("floe0-taken").error().code, EPERM);
}

TEST(FakeNetlink, ExpireAddressesDropsOnlyThoseWithLifetime) {
  FakeNetlink nl;
  nl.addLink("eth0", {prefix("10.10.1.11/24")});
  ASSERT_TRUE(nl.addAddress(Address{"eth0", prefix("10.10.1.100/32"), 6}));
  ASSERT_TRUE(nl.addAddress(Address{"eth0", prefix("10.10.1.101/32"), 0}));
  nl.expireAddresses();
  EXPECT_THAT(nl.floeAddresses(), ElementsAre(Address{"eth0", prefix("10.10.1.101/32"), 0}));
  EXPECT_EQ(nl.link("eth0")->addresses.size(), 2u);
}

}  // namespace
}  // namespace floe::net
