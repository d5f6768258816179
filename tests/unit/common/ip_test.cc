#include "common/ip.h"

#include <gtest/gtest.h>

namespace floe {
namespace {

TEST(IpAddress, ParsesAndFormatsV4) {
  auto a = IpAddress::parse("10.10.1.100");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->isV4());
  EXPECT_EQ(a->v4HostOrder(), 0x0A0A0164u);
  EXPECT_EQ(a->toString(), "10.10.1.100");
}

TEST(IpAddress, ParsesAndFormatsV6Canonically) {
  auto a = IpAddress::parse("2001:DB8:0:0:0:0:0:1");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->isV6());
  EXPECT_EQ(a->toString(), "2001:db8::1");
}

TEST(IpAddress, RejectsGarbage) {
  for (const char* bad : {"", "10.10.1", "10.10.1.256", "1.2.3.4/32", "1.2.3.4:80", "::g",
                          " 1.2.3.4", "01234567890123456789012345678901234567890123456789"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
}

TEST(IpAddress, RoundTripsThroughSockaddr) {
  for (const char* text : {"198.51.100.10", "2001:db8::5"}) {
    auto a = IpAddress::parse(text);
    ASSERT_TRUE(a);
    sockaddr_storage ss;
    a->toSockaddr(8080, ss);
    auto back = IpAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, *a);
  }
}

TEST(Prefix, ContainsItsSubnetOnly) {
  auto p = Prefix::parse("10.10.1.11/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->network().toString(), "10.10.1.0");
  EXPECT_TRUE(p->contains(*IpAddress::parse("10.10.1.100")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("10.10.2.100")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("::1")));
}

TEST(Prefix, HandlesZeroAndFullLengthAndV6) {
  EXPECT_TRUE(Prefix::parse("0.0.0.0/0")->contains(*IpAddress::parse("203.0.113.9")));
  EXPECT_TRUE(Prefix::parse("10.10.2.100/32")->isHost());
  auto v6 = Prefix::parse("2001:db8:1::/48");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*IpAddress::parse("2001:db8:1:ffff::1")));
  EXPECT_FALSE(v6->contains(*IpAddress::parse("2001:db8:2::1")));
}

TEST(Prefix, RejectsBadLengths) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0", "::/129", "10.0.0.0/-1",
                          "10.0.0.0/8x"}) {
    EXPECT_FALSE(Prefix::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace floe
