// Fixture for tests against the real kernel: each test runs in its own network namespace
// (netns.h) holding a veth pair, and can read back what the kernel holds through rtnl_codec
// directly, independently of KernelNetlink.
//
//   veth-a 10.10.1.11/24 2001:db8:1::11/64  <->  veth-b 10.10.1.12/24 2001:db8:1::12/64
//
// Needs root (CAP_NET_ADMIN); skips otherwise.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/netlink.h"
#include "net/rtnl_codec.h"
#include "netns.h"

namespace floe::net::testing {

class KernelTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Runs a shell command in the test's namespace; a failure fails the test.
  void run(const std::string& command);

  std::vector<rtnl::AddressMessage> kernelAddresses();
  std::optional<rtnl::AddressMessage> kernelAddress(const Prefix& p);
  std::vector<rtnl::RouteMessage> kernelRoutes(int family);
  std::optional<rtnl::LinkMessage> kernelLink(const std::string& name);

  std::unique_ptr<ScopedNetns> ns_;
  std::unique_ptr<Netlink> nl_;
};

Prefix prefix(const char* text);
IpAddress ip(const char* text);

}  // namespace floe::net::testing
