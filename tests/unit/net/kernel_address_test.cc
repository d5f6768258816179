// KernelNetlink's addresses against the real kernel, IPv4 and IPv6, in a private namespace.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "kernel_fixture.h"

namespace floe::net::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

struct AddressCase {
  const char* name;
  const char* vip;      // floe's, on veth-a
  const char* foreign;  // someone else's, on veth-a
  const char* local;    // floe's, on floe0
  const char* host;     // veth-a's own address (from the fixture)
};

class AddressTest : public KernelTest, public ::testing::WithParamInterface<AddressCase> {
 protected:
  Prefix vip() { return prefix(GetParam().vip); }
  Address vipOnVeth(uint32_t lifetime = 6) { return Address{"veth-a", vip(), lifetime}; }
  bool isV4() { return vip().address().isV4(); }
  std::string ipCommand() { return isV4() ? "ip -4" : "ip -6"; }
};

bool holds(const std::vector<Address>& owned, const std::string& device, const Prefix& p) {
  return std::any_of(owned.begin(), owned.end(),
                     [&](const Address& a) { return a.device == device && a.prefix == p; });
}

// RTM_NEWADDR / RTM_DELADDR notifications the kernel multicasts while a test runs.
class AddressEvents {
 public:
  AddressEvents() {
    fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  }
  ~AddressEvents() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  // Reads every pending notification; counts them by type.
  void drain() {
    std::vector<uint8_t> buf(65536);
    for (;;) {
      ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
      if (n <= 0) return;
      auto parts = rtnl::splitMessages(std::span<const uint8_t>(buf.data(), size_t(n)));
      if (!parts) return;
      for (auto m : *parts) {
        const auto type = rtnl::decodeHeader(m).type;
        if (type == RTM_NEWADDR) ++added;
        if (type == RTM_DELADDR) ++deleted;
      }
    }
  }
  int added = 0;
  int deleted = 0;

 private:
  int fd_ = -1;
  bool ok_ = false;
};

TEST_P(AddressTest, AddedAddressIsInLinksAndOwnedAddresses) {
  auto st = nl_->addAddress(vipOnVeth());
  ASSERT_TRUE(st) << st.error().message;
  auto owned = nl_->ownedAddresses();
  ASSERT_TRUE(owned) << owned.error().message;
  EXPECT_TRUE(holds(*owned, "veth-a", vip()));
  EXPECT_FALSE(holds(*owned, "veth-a", prefix(GetParam().host)));
  auto links = nl_->links();
  ASSERT_TRUE(links);
  auto a =
      std::find_if(links->begin(), links->end(), [](const Link& l) { return l.name == "veth-a"; });
  ASSERT_NE(a, links->end());
  EXPECT_THAT(a->addresses, Contains(vip()));
  EXPECT_THAT(a->addresses, Contains(prefix(GetParam().host)));
}

TEST_P(AddressTest, AddedAddressCarriesFloeTag) {
  ASSERT_TRUE(nl_->addAddress(vipOnVeth()));
  auto k = kernelAddress(vip());
  ASSERT_TRUE(k);
  EXPECT_EQ(k->protocol, kAddressProtocol);  // IFA_PROTO works on this kernel (>= 6.1)
  if (isV4()) {
    EXPECT_EQ(k->label, "veth-a:floe");
  } else {
    EXPECT_TRUE(k->flags & IFA_F_NODAD);
    EXPECT_FALSE(k->flags & IFA_F_TENTATIVE);  // usable at once after a takeover
  }
}

TEST_P(AddressTest, AddSetsValidAndPreferredLifetime) {
  ASSERT_TRUE(nl_->addAddress(vipOnVeth(6)));
  auto k = kernelAddress(vip());
  ASSERT_TRUE(k);
  EXPECT_GE(k->validLifetime, 5u);
  EXPECT_LE(k->validLifetime, 6u);
  EXPECT_EQ(k->preferredLifetime, k->validLifetime);
  EXPECT_FALSE(k->flags & IFA_F_PERMANENT);
  auto owned = nl_->ownedAddresses();
  ASSERT_TRUE(owned);
  ASSERT_EQ(owned->size(), 1u);
  EXPECT_GE((*owned)[0].lifetime_s, 5u);  // seconds left
  EXPECT_LE((*owned)[0].lifetime_s, 6u);
}

TEST_P(AddressTest, ZeroLifetimeMeansForever) {
  ASSERT_TRUE(nl_->addAddress(vipOnVeth(0)));
  auto k = kernelAddress(vip());
  ASSERT_TRUE(k);
  EXPECT_EQ(k->validLifetime, rtnl::kForever);
  EXPECT_EQ(k->preferredLifetime, rtnl::kForever);
  auto owned = nl_->ownedAddresses();
  ASSERT_TRUE(owned);
  ASSERT_EQ(owned->size(), 1u);
  EXPECT_EQ((*owned)[0].lifetime_s, 0u);
}

TEST_P(AddressTest, RefreshStartsLifetimeAgain) {
  ASSERT_TRUE(nl_->addAddress(vipOnVeth(6)));
  std::this_thread::sleep_for(1100ms);
  auto aged = kernelAddress(vip());
  ASSERT_TRUE(aged);
  EXPECT_LE(aged->validLifetime, 5u);
  ASSERT_TRUE(nl_->addAddress(vipOnVeth(6)));
  auto refreshed = kernelAddress(vip());
  ASSERT_TRUE(refreshed);
  EXPECT_EQ(refreshed->validLifetime, 6u);
  EXPECT_EQ(refreshed->preferredLifetime, 6u);
}

TEST_P(AddressTest, RepeatedAddsNeverRemoveTheAddress) {
  AddressEvents events;
  ASSERT_TRUE(events.ok());
  for (int i = 0; i < 20; ++i) {
    auto st = nl_->addAddress(vipOnVeth(6));
    ASSERT_TRUE(st) << st.error().message;
  }
  ASSERT_TRUE(nl_->addAddress(vipOnVeth(30)));  // a longer lifetime takes effect as well
  auto k = kernelAddress(vip());
  ASSERT_TRUE(k);
  EXPECT_GE(k->validLifetime, 29u);
  EXPECT_EQ(k->protocol, kAddressProtocol);
  if (isV4()) {
    EXPECT_EQ(k->label, "veth-a:floe");
  }
  events.drain();
  EXPECT_GE(events.added, 1);
  EXPECT_EQ(events.deleted, 0) << "a refresh must not flap the address";
}

TEST_P(AddressTest, AddressExpiresWhenNotRefreshed) {
  ASSERT_TRUE(nl_->addAddress(vipOnVeth(1)));
  ASSERT_TRUE(kernelAddress(vip()));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (kernelAddress(vip()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_FALSE(kernelAddress(vip())) << "still there 5 s after a 1 s lifetime";
  // Adding it again (the agent's next refresh) brings it back.
  ASSERT_TRUE(nl_->addAddress(vipOnVeth(6)));
  EXPECT_TRUE(kernelAddress(vip()));
}

TEST_P(AddressTest, RemoveAddressRemovesOurs) {
  ASSERT_TRUE(nl_->addAddress(vipOnVeth()));
  auto st = nl_->removeAddress(vipOnVeth());
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_FALSE(kernelAddress(vip()));
  EXPECT_TRUE(kernelAddress(prefix(GetParam().host)));
  auto owned = nl_->ownedAddresses();
  ASSERT_TRUE(owned);
  EXPECT_TRUE(owned->empty());
}

TEST_P(AddressTest, RemoveAbsentAddressIsOk) {
  EXPECT_TRUE(nl_->removeAddress(vipOnVeth()));
  EXPECT_TRUE(nl_->removeAddress(Address{"nosuch0", vip(), 0}));
}

TEST_P(AddressTest, ForeignAddressIsNeitherOwnedNorRemoved) {
  run(ipCommand() + " addr add " + GetParam().foreign + " dev veth-a" + (isV4() ? "" : " nodad"));
  const Prefix foreign = prefix(GetParam().foreign);
  auto owned = nl_->ownedAddresses();
  ASSERT_TRUE(owned);
  EXPECT_FALSE(holds(*owned, "veth-a", foreign));
  auto st = nl_->removeAddress(Address{"veth-a", foreign, 0});
  EXPECT_TRUE(st) << st.error().message;
  EXPECT_TRUE(kernelAddress(foreign));
  EXPECT_TRUE(nl_->removeAddress(Address{"veth-a", prefix(GetParam().host), 0}));
  EXPECT_TRUE(kernelAddress(prefix(GetParam().host)));
}

TEST_P(AddressTest, AddOverForeignAddressFailsWithEexistAndLeavesIt) {
  run(ipCommand() + " addr add " + GetParam().vip + " dev veth-a" + (isV4() ? "" : " nodad"));
  auto st = nl_->addAddress(vipOnVeth(6));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, EEXIST);
  EXPECT_THAT(st.error().message, HasSubstr("exists already on veth-a and is not floe's"));
  auto k = kernelAddress(vip());
  ASSERT_TRUE(k);
  EXPECT_EQ(k->validLifetime, rtnl::kForever);  // lifetime untouched
  EXPECT_NE(k->protocol, kAddressProtocol);
}

TEST_P(AddressTest, NewInstanceAdoptsFloesLeftoverAddress) {
  ASSERT_TRUE(nl_->addAddress(vipOnVeth(6)));
  auto later = makeKernelNetlink();  // floe-se restarted
  auto owned = later->ownedAddresses();
  ASSERT_TRUE(owned);
  EXPECT_TRUE(holds(*owned, "veth-a", vip()));
  auto st = later->addAddress(vipOnVeth(30));
  ASSERT_TRUE(st) << st.error().message;
  auto k = kernelAddress(vip());
  ASSERT_TRUE(k);
  EXPECT_GE(k->validLifetime, 29u);
}

TEST_P(AddressTest, AddressOnLocalDeviceAcceptsConnections) {
  ASSERT_TRUE(nl_->ensureLocalDevice(kLocalDevice));
  const Prefix local = prefix(GetParam().local);
  auto st = nl_->addAddress(Address{kLocalDevice, local, 6});
  ASSERT_TRUE(st) << st.error().message;
  auto owned = nl_->ownedAddresses();
  ASSERT_TRUE(owned);
  EXPECT_TRUE(holds(*owned, kLocalDevice, local));

  sockaddr_storage sa{};
  const socklen_t len = local.address().toSockaddr(18080, sa);
  const int listener = ::socket(local.address().af(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&sa), len), 0) << std::strerror(errno);
  ASSERT_EQ(::listen(listener, 1), 0);
  const int client = ::socket(local.address().af(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(client, 0);
  EXPECT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&sa), len), 0) << std::strerror(errno);
  ::close(client);
  ::close(listener);
}

INSTANTIATE_TEST_SUITE_P(Families, AddressTest,
                         ::testing::Values(AddressCase{"IPv4", "10.10.1.100/32", "10.10.1.50/24",
                                                       "10.10.2.100/32", "10.10.1.11/24"},
                                           AddressCase{"IPv6", "2001:db8:1::100/128",
                                                       "2001:db8:1::50/64", "2001:db8:2::100/128",
                                                       "2001:db8:1::11/64"}),
                         [](const auto& info) { return std::string(info.param.name); });

// --- family-specific ---------------------------------------------------------------------------

TEST_F(KernelTest, LabelOfLongDeviceNameIsShortened) {
  run("ip link add veth-long-name1 type veth peer name vlp");
  run("ip link set veth-long-name1 up");
  const Address a{"veth-long-name1", prefix("10.10.9.1/32"), 6};
  auto st = nl_->addAddress(a);
  ASSERT_TRUE(st) << st.error().message;
  auto k = kernelAddress(a.prefix);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->label, "veth-long-:floe");
  auto owned = nl_->ownedAddresses();
  ASSERT_TRUE(owned);
  EXPECT_TRUE(holds(*owned, "veth-long-name1", a.prefix));
  ASSERT_TRUE(nl_->removeAddress(a));
  EXPECT_FALSE(kernelAddress(a.prefix));
}

TEST_F(KernelTest, Ipv4AddressWithFloeLabelOnlyIsOwned) {
  // As left by a floe on a kernel without IFA_PROTO.
  run("ip addr add 10.10.1.77/32 dev veth-a label veth-a:floe");
  auto owned = nl_->ownedAddresses();
  ASSERT_TRUE(owned);
  EXPECT_TRUE(holds(*owned, "veth-a", prefix("10.10.1.77/32")));
  ASSERT_TRUE(nl_->removeAddress(Address{"veth-a", prefix("10.10.1.77/32"), 0}));
  EXPECT_FALSE(kernelAddress(prefix("10.10.1.77/32")));
}

TEST_F(KernelTest, Ipv4SameAddressWithOtherPrefixLengthIsAnotherAddress) {
  run("ip addr add 10.10.1.100/24 dev veth-a");
  auto st = nl_->addAddress(Address{"veth-a", prefix("10.10.1.100/32"), 6});
  ASSERT_TRUE(st) << st.error().message;
  ASSERT_TRUE(nl_->removeAddress(Address{"veth-a", prefix("10.10.1.100/32"), 6}));
  auto k = kernelAddress(prefix("10.10.1.100/24"));
  ASSERT_TRUE(k);
  EXPECT_EQ(k->validLifetime, rtnl::kForever);
}

TEST_F(KernelTest, Ipv6SameAddressWithOtherPrefixLengthIsNotTakenOver) {
  // IPv6 knows an address once per device whatever its length: adding (or replacing) the /128
  // would change someone else's /64.
  run("ip -6 addr add 2001:db8:1::100/64 dev veth-a nodad");
  auto st = nl_->addAddress(Address{"veth-a", prefix("2001:db8:1::100/128"), 6});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, EEXIST);
  auto k = kernelAddress(prefix("2001:db8:1::100/64"));
  ASSERT_TRUE(k);
  EXPECT_EQ(k->validLifetime, rtnl::kForever);
}

}  // namespace
}  // namespace floe::net::testing
