#include "kernel_fixture.h"

#include <linux/rtnetlink.h>
#include <unistd.h>

#include "net/rtnl_socket.h"

namespace floe::net::testing {

Prefix prefix(const char* text) {
  auto p = Prefix::parse(text);
  EXPECT_TRUE(p) << text;
  return p.value_or(Prefix());
}

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a) << text;
  return a.value_or(IpAddress());
}

void KernelTest::SetUp() {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (CAP_NET_ADMIN) for a network namespace";
  ns_ = std::make_unique<ScopedNetns>();
  if (!ns_->ok()) GTEST_SKIP() << "no network namespace: " << ns_->error();
  run("ip link set lo up");
  run("ip link add veth-a type veth peer name veth-b");
  run("ip link set veth-a up");
  run("ip link set veth-b up");
  run("ip addr add 10.10.1.11/24 dev veth-a");
  run("ip addr add 10.10.1.12/24 dev veth-b");
  run("ip -6 addr add 2001:db8:1::11/64 dev veth-a nodad");
  run("ip -6 addr add 2001:db8:1::12/64 dev veth-b nodad");
  nl_ = makeKernelNetlink();  // its socket opens in this namespace, on first use
}

void KernelTest::TearDown() {
  nl_.reset();
  ns_.reset();
}

void KernelTest::run(const std::string& command) {
  const Shell r = sh(command);
  ASSERT_EQ(r.status, 0) << command << ": " << r.output;
}

std::vector<rtnl::AddressMessage> KernelTest::kernelAddresses() {
  std::vector<rtnl::AddressMessage> out;
  auto sock = RtnlSocket::open();
  EXPECT_TRUE(sock);
  if (!sock) return out;
  auto r = (*sock)->dump(rtnl::encodeDump(RTM_GETADDR, AF_UNSPEC));
  EXPECT_TRUE(r) << r.error().message;
  if (!r) return out;
  for (const auto& m : *r) {
    if (auto a = rtnl::decodeAddress(m)) out.push_back(*a);
  }
  return out;
}

std::optional<rtnl::AddressMessage> KernelTest::kernelAddress(const Prefix& p) {
  for (const auto& a : kernelAddresses()) {
    if (a.prefix == p) return a;
  }
  return std::nullopt;
}

std::vector<rtnl::RouteMessage> KernelTest::kernelRoutes(int family) {
  std::vector<rtnl::RouteMessage> out;
  auto sock = RtnlSocket::open();
  EXPECT_TRUE(sock);
  if (!sock) return out;
  auto r = (*sock)->dump(rtnl::encodeDump(RTM_GETROUTE, static_cast<uint8_t>(family)));
  EXPECT_TRUE(r) << r.error().message;
  if (!r) return out;
  for (const auto& m : *r) {
    if (auto route = rtnl::decodeRoute(m)) out.push_back(*route);
  }
  return out;
}

std::optional<rtnl::LinkMessage> KernelTest::kernelLink(const std::string& name) {
  auto sock = RtnlSocket::open();
  EXPECT_TRUE(sock);
  if (!sock) return std::nullopt;
  auto r = (*sock)->dump(rtnl::encodeDump(RTM_GETLINK, AF_UNSPEC));
  EXPECT_TRUE(r) << r.error().message;
  if (!r) return std::nullopt;
  for (const auto& m : *r) {
    auto l = rtnl::decodeLink(m);
    if (l && l->name == name) return *l;
  }
  return std::nullopt;
}

}  // namespace floe::net::testing
