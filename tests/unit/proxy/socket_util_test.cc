#include "proxy/socket_util.h"

#include <gtest/gtest.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>

#include "test_net.h"

namespace floe::proxy {
namespace {

using namespace test;

int intOption(int fd, int level, int name) {
  int v = -1;
  socklen_t len = sizeof v;
  ::getsockopt(fd, level, name, &v, &len);
  return v;
}

TEST(ListenSocket, AcceptedSocketsInheritNoDelay) {
  const Addresses a = Addresses::forCurrentTest();
  auto l = openListenSocket({a.vip, a.vip_port});
  ASSERT_TRUE(l.ok()) << l.error().message;
  const int c = connectTo({a.vip, a.vip_port});
  ASSERT_GE(c, 0);
  int accepted = -1;
  ASSERT_TRUE(waitFor([&] { return (accepted = ::accept(l->get(), nullptr, nullptr)) >= 0; }));
  EXPECT_EQ(intOption(accepted, IPPROTO_TCP, TCP_NODELAY), 1);
  ::close(accepted);
  ::close(c);
}

TEST(ListenSocket, SharesThePortBetweenWorkers) {
  const Addresses a = Addresses::forCurrentTest();
  auto first = openListenSocket({a.vip, a.vip_port});
  auto second = openListenSocket({a.vip, a.vip_port});
  EXPECT_TRUE(first.ok());
  EXPECT_TRUE(second.ok()) << "SO_REUSEPORT";
}

TEST(ListenSocket, NamesEndpointAndReasonOnError) {
  const Addresses a = Addresses::forCurrentTest();
  const int squatter = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;  // TIME_WAIT leftovers must not fail this bind; LISTEN still excludes ours
  ::setsockopt(squatter, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  const socklen_t len = a.vip.toSockaddr(a.vip_port, ss);
  ASSERT_EQ(::bind(squatter, reinterpret_cast<sockaddr*>(&ss), len), 0);
  ASSERT_EQ(::listen(squatter, 1), 0);
  auto l = openListenSocket({a.vip, a.vip_port});
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message, formatEndpoint(a.vip, a.vip_port) + ": Address already in use");
  EXPECT_EQ(l.error().code, EADDRINUSE);
  ::close(squatter);
}

TEST(ServerSocket, BindsToTheSourceAddressWithoutAPort) {
  const Addresses a = Addresses::forCurrentTest();
  auto s = openServerSocket(AF_INET, &a.snat1);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(intOption(s->get(), IPPROTO_TCP, TCP_NODELAY), 1);
  EXPECT_EQ(intOption(s->get(), SOL_IP, IP_BIND_ADDRESS_NO_PORT), 1);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(s->get(), reinterpret_cast<sockaddr*>(&ss), &len);
  EXPECT_EQ(*IpAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss)), a.snat1);
}

TEST(TransparentServerSocket, BindsToTheClientAddressThatIsNotOnTheHost) {
  if (::geteuid() != 0) GTEST_SKIP() << "IP_TRANSPARENT needs CAP_NET_ADMIN";
  const auto client = ip("203.0.113.9");
  auto s = openTransparentServerSocket(client);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(intOption(s->get(), SOL_IP, IP_TRANSPARENT), 1);
  EXPECT_EQ(intOption(s->get(), SOL_IP, IP_BIND_ADDRESS_NO_PORT), 1);
  EXPECT_EQ(intOption(s->get(), IPPROTO_TCP, TCP_NODELAY), 1);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(s->get(), reinterpret_cast<sockaddr*>(&ss), &len);
  EXPECT_EQ(*IpAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss)), client);
}

TEST(ServerSocket, ReportsSourceAddressNotOnTheHost) {
  const auto foreign = ip("203.0.113.9");
  auto s = openServerSocket(AF_INET, &foreign);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "bind 203.0.113.9: Cannot assign requested address");
}

}  // namespace
}  // namespace floe::proxy

namespace floe::proxy::test {
namespace {

// ctest runs every test in its own process, in parallel: no two may share loopback addresses.
TEST(TestAddresses, AreDistinctForEveryRegisteredTest) {
  std::map<IpAddress, std::string> owner;
  const auto& unit = *::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit.total_test_suite_count(); ++i) {
    const auto& suite = *unit.GetTestSuite(i);
    for (int j = 0; j < suite.total_test_count(); ++j) {
      const std::string name = std::string(suite.name()) + "." + suite.GetTestInfo(j)->name();
      const Addresses a = Addresses::forTest(suite.name(), suite.GetTestInfo(j)->name());
      for (const IpAddress& ip : {a.vip, a.server1, a.server2, a.snat1, a.snat2}) {
        auto [it, fresh] = owner.emplace(ip, name);
        EXPECT_TRUE(fresh) << ip.toString() << " used by " << it->second << " and " << name;
      }
    }
  }
}

}  // namespace
}  // namespace floe::proxy::test
