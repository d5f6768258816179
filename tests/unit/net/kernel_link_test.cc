// KernelNetlink's links and floe0 against the real kernel, in a private network namespace.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <algorithm>
#include <cerrno>

#include "kernel_fixture.h"
#include "net/rtnl_socket.h"

namespace floe::net::testing {
namespace {

using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::HasSubstr;

const Link* find(const std::vector<Link>& links, const std::string& name) {
  auto it = std::find_if(links.begin(), links.end(), [&](const Link& l) { return l.name == name; });
  return it == links.end() ? nullptr : &*it;
}

TEST_F(KernelTest, LinksReportsIndexNameStateMacAndEveryAddress) {
  auto links = nl_->links();
  ASSERT_TRUE(links) << links.error().message;
  const Link* a = find(*links, "veth-a");
  ASSERT_NE(a, nullptr);
  auto k = kernelLink("veth-a");
  ASSERT_TRUE(k);
  EXPECT_EQ(a->ifindex, k->ifindex);
  EXPECT_EQ(a->ifindex, static_cast<int>(if_nametoindex("veth-a")));
  EXPECT_TRUE(a->up);
  ASSERT_TRUE(k->mac);
  EXPECT_EQ(a->mac, *k->mac);
  EXPECT_NE(a->mac, (std::array<uint8_t, 6>{}));
  EXPECT_THAT(a->addresses, Contains(prefix("10.10.1.11/24")));
  EXPECT_THAT(a->addresses, Contains(prefix("2001:db8:1::11/64")));
  const Link* lo = find(*links, "lo");
  ASSERT_NE(lo, nullptr);
  EXPECT_THAT(lo->addresses, Contains(prefix("127.0.0.1/8")));
}

TEST_F(KernelTest, LinksReportsDownLink) {
  run("ip link set veth-b down");
  auto links = nl_->links();
  ASSERT_TRUE(links);
  ASSERT_NE(find(*links, "veth-b"), nullptr);
  EXPECT_FALSE(find(*links, "veth-b")->up);
}

TEST_F(KernelTest, EnsureLocalDeviceCreatesUpNoArpDevice) {
  ASSERT_TRUE(nl_->ensureLocalDevice(kLocalDevice));
  auto k = kernelLink(kLocalDevice);
  ASSERT_TRUE(k);
  // dummy where the kernel has the driver, else a bridge with no ports (this test VM).
  EXPECT_THAT(k->kind, AnyOf("dummy", "bridge"));
  EXPECT_TRUE(k->flags & IFF_UP);
  EXPECT_TRUE(k->flags & IFF_NOARP);
}

TEST_F(KernelTest, EnsureLocalDeviceIsIdempotent) {
  ASSERT_TRUE(nl_->ensureLocalDevice(kLocalDevice));
  auto first = kernelLink(kLocalDevice);
  ASSERT_TRUE(first);
  auto again = nl_->ensureLocalDevice(kLocalDevice);
  ASSERT_TRUE(again) << again.error().message;
  auto second = kernelLink(kLocalDevice);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->ifindex, second->ifindex);
}

TEST_F(KernelTest, EnsureLocalDeviceBringsUpExistingDownDevice) {
  run("ip link add floe0 type bridge");
  const auto before = kernelLink(kLocalDevice);
  ASSERT_TRUE(before);
  ASSERT_FALSE(before->flags & IFF_UP);
  auto st = nl_->ensureLocalDevice(kLocalDevice);
  ASSERT_TRUE(st) << st.error().message;
  auto after = kernelLink(kLocalDevice);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->ifindex, before->ifindex);
  EXPECT_TRUE(after->flags & IFF_UP);
  EXPECT_TRUE(after->flags & IFF_NOARP);
}

TEST_F(KernelTest, EnsureLocalDeviceRefusesAnotherKindOfDevice) {
  run("ip link add floe0 type veth peer name floe0-peer");
  auto st = nl_->ensureLocalDevice(kLocalDevice);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, EEXIST);
  EXPECT_THAT(st.error().message, HasSubstr("a veth device floe0 exists already"));
  auto k = kernelLink(kLocalDevice);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->kind, "veth");
}

TEST_F(KernelTest, DeleteLinkRemovesDevice) {
  ASSERT_TRUE(nl_->ensureLocalDevice(kLocalDevice));
  auto st = nl_->deleteLink(kLocalDevice);
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_FALSE(kernelLink(kLocalDevice));
}

TEST_F(KernelTest, DeleteLinkOfAbsentDeviceIsOk) {
  auto st = nl_->deleteLink("nosuch0");
  EXPECT_TRUE(st) << st.error().message;
}

TEST_F(KernelTest, DeleteLinkLeavesOtherKindsOfDevice) {
  auto st = nl_->deleteLink("veth-a");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, EPERM);
  EXPECT_EQ(st.error().message,
            "delete device veth-a: it is a veth device, not one floe creates; left alone");
  EXPECT_TRUE(kernelLink("veth-a"));
}

TEST_F(KernelTest, SocketReportsErrnoAndKernelsExtendedAck) {
  auto sock = RtnlSocket::open();
  ASSERT_TRUE(sock);
  auto r = (*sock)->request(rtnl::encodeCreateLink("x0", "no-such-kind", 0));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EOPNOTSUPP);
  EXPECT_EQ(r.error().message, "Operation not supported (EOPNOTSUPP): Unknown device type");
}

TEST_F(KernelTest, ErrorOnMissingDeviceNamesObject) {
  auto st = nl_->addAddress(Address{"nosuch0", prefix("10.10.1.100/32"), 6});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ENODEV);
  EXPECT_EQ(st.error().message, "add address 10.10.1.100/32 on nosuch0: no device nosuch0");
}

}  // namespace
}  // namespace floe::net::testing
