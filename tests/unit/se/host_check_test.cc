#include "se/host_check.h"

#include <gtest/gtest.h>

#include "test_documents.h"

namespace floe::se {
namespace {

using testing::prefix;

net::Link eth0(std::vector<Prefix> addresses, bool up = true) {
  net::Link l;
  l.ifindex = 2;
  l.name = "eth0";
  l.up = up;
  l.addresses = std::move(addresses);
  return l;
}

config::ServiceEngine se1() { return {"se1", "Default-Group", {{"eth0", prefix("10.10.1.11/24")}}}; }

TEST(HostCheck, AcceptsMatchingInterface) {
  EXPECT_TRUE(checkHost(se1(), {eth0({prefix("10.10.1.11/24")})}).empty());
}

TEST(HostCheck, NamesAMissingInterface) {
  auto p = checkHost(se1(), {});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "serviceengine[se1].data_vnics[0]: no interface eth0 on this host");
}

TEST(HostCheck, NamesAWrongAddressAndWhatIsThere) {
  auto p = checkHost(se1(), {eth0({prefix("10.10.1.99/24"), prefix("10.10.1.100/32")})});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("eth0 has no address 10.10.1.11/24 (it has 10.10.1.99/24)"),
            std::string::npos)
      << p[0];
}

TEST(HostCheck, RequiresTheSamePrefixLength) {
  EXPECT_EQ(checkHost(se1(), {eth0({prefix("10.10.1.11/16")})}).size(), 1u);
}

TEST(HostCheck, NamesAnInterfaceThatIsDown) {
  auto p = checkHost(se1(), {eth0({prefix("10.10.1.11/24")}, false)});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("eth0 is down"), std::string::npos);
}

}  // namespace
}  // namespace floe::se
