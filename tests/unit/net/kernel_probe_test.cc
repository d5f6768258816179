// ProbeSocket against the real kernel: veth-b (kernel_fixture.h) holds 10.10.1.12 and
// 2001:db8:1::12, so probing for them from veth-a gets the kernel's own answers, and probing
// for a free address gets none.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>

#include "kernel_fixture.h"
#include "net/probe.h"

namespace floe::net::testing {
namespace {

// Sends 3 probes 100 ms apart and reads answers for up to 600 ms in all.
std::optional<MacAddress> probeFor(const char* device, const char* address) {
  auto sock = ProbeSocket::open(device, ip(address));
  EXPECT_TRUE(sock) << sock.error().message;
  if (!sock) return std::nullopt;
  for (int i = 0; i < 6; ++i) {
    if (i < 3) EXPECT_TRUE((*sock)->send());
    pollfd p{(*sock)->fd(), POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      if (auto mac = (*sock)->readClaim()) return mac;
    }
  }
  return std::nullopt;
}

class ProbeTest : public KernelTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(ProbeTest, AnAddressAnotherInterfaceHoldsIsClaimedWithItsMac) {
  const std::string taken = std::string(GetParam()) + "12";
  const auto mac = probeFor("veth-a", taken.c_str());
  ASSERT_TRUE(mac.has_value()) << "nobody answered for " << taken;
  auto b = kernelLink("veth-b");
  ASSERT_TRUE(b && b->mac);
  EXPECT_EQ(*mac, *b->mac);
}

TEST_P(ProbeTest, AFreeAddressGetsNoAnswer) {
  const std::string free = std::string(GetParam()) + "99";
  EXPECT_FALSE(probeFor("veth-a", free.c_str()).has_value());
}

INSTANTIATE_TEST_SUITE_P(Families, ProbeTest, ::testing::Values("10.10.1.", "2001:db8:1::"),
                         [](const auto& info) { return info.index == 0 ? "IPv4" : "IPv6"; });

TEST(ProbeSocketTest, NoSuchDeviceIsEnodev) {
  auto sock = ProbeSocket::open("nosuch0", ip("10.10.1.1"));
  ASSERT_FALSE(sock);
  EXPECT_EQ(sock.error().code, ENODEV);
}

}  // namespace
}  // namespace floe::net::testing
