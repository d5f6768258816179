// sendGratuitousArp (ARP for IPv4, Neighbor Advertisement for IPv6) on a veth end, read back
// on the peer with an AF_PACKET socket.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "kernel_fixture.h"
#include "net/arp.h"
#include "net/ndisc.h"

namespace floe::net::testing {
namespace {

using namespace std::chrono_literals;

// Every frame the packet socket `fd` receives, until `count` came or `timeout` passed.
std::vector<std::vector<uint8_t>> receive(int fd, size_t count, std::chrono::milliseconds timeout) {
  std::vector<std::vector<uint8_t>> frames;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (frames.size() < count) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    std::vector<uint8_t> buf(2048);
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    buf.resize(static_cast<size_t>(n));
    frames.push_back(std::move(buf));
  }
  return frames;
}

// A packet socket bound to `device` for one ethertype; closed when it goes out of scope, also
// when an assertion ends the test early.
class Capture {
 public:
  Capture(const char* device, uint16_t ethertype)
      : fd_(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ethertype))) {
    if (fd_ < 0) return;
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ethertype);
    sll.sll_ifindex = static_cast<int>(if_nametoindex(device));
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Capture() {
    if (fd_ >= 0) ::close(fd_);
  }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

MacAddress macOf(Netlink& nl, const std::string& device) {
  auto links = nl.links();
  if (links) {
    for (const auto& l : *links) {
      if (l.name == device) return l.mac;
    }
  }
  return {};
}

TEST_F(KernelTest, GratuitousArpReachesThePeer) {
  Capture rx("veth-b", ETH_P_ARP);
  ASSERT_GE(rx.fd(), 0) << std::strerror(errno);
  const MacAddress mac = macOf(*nl_, "veth-a");
  const IpAddress vip = ip("10.10.1.100");

  const auto start = std::chrono::steady_clock::now();
  auto st = sendGratuitousArp("veth-a", vip, 3);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_GE(took, 150ms);  // 3 frames, 100 ms apart
  EXPECT_LE(took, 400ms);  // never holds the control thread long

  auto frames = receive(rx.fd(), 3, 2000ms);
  ASSERT_EQ(frames.size(), 3u);
  for (const auto& bytes : frames) {
    auto f = decodeArpFrame(bytes);
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(*f, gratuitousArp(mac, vip));
  }
}

TEST_F(KernelTest, NeighborAdvertisementReachesThePeer) {
  const IpAddress vip = ip("2001:db8:1::100");
  ASSERT_TRUE(nl_->addAddress(Address{"veth-a", Prefix::host(vip), 6}));
  Capture rx("veth-b", ETH_P_IPV6);
  ASSERT_GE(rx.fd(), 0) << std::strerror(errno);
  const MacAddress mac = macOf(*nl_, "veth-a");
  auto st = sendGratuitousArp("veth-a", vip, 2);
  ASSERT_TRUE(st) << st.error().message;

  // Other IPv6 traffic (MLD reports, DAD of link-local addresses) arrives too: keep only ours.
  const std::vector<uint8_t> expected = encodeUnsolicitedNeighborAdvertisement(mac, vip);
  int advertisements = 0;
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (advertisements < 2 && std::chrono::steady_clock::now() < deadline) {
    auto frames = receive(rx.fd(), 1, 500ms);
    if (frames.empty()) continue;
    const auto& f = frames[0];
    constexpr size_t kIcmp = 14 + 40;  // Ethernet + IPv6 header
    if (f.size() < kIcmp + expected.size() || f[14 + 6] != IPPROTO_ICMPV6 || f[kIcmp] != 136) {
      continue;
    }
    ++advertisements;
    EXPECT_EQ(std::vector<uint8_t>(f.begin(), f.begin() + 6),
              (std::vector<uint8_t>{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}));  // ff02::1
    EXPECT_EQ(std::vector<uint8_t>(f.begin() + 6, f.begin() + 12),
              std::vector<uint8_t>(mac.begin(), mac.end()));
    EXPECT_EQ(f[14 + 7], 255) << "hop limit";
    EXPECT_EQ(std::vector<uint8_t>(f.begin() + 14 + 8, f.begin() + 14 + 24),
              std::vector<uint8_t>(vip.bytes().begin(), vip.bytes().end()))
        << "source";
    std::vector<uint8_t> icmp(f.begin() + kIcmp, f.begin() + kIcmp + expected.size());
    EXPECT_NE(icmp[2] | icmp[3], 0) << "the kernel fills the checksum";
    icmp[2] = icmp[3] = 0;
    EXPECT_EQ(icmp, expected);
  }
  EXPECT_EQ(advertisements, 2);
}

// The proof that matters: a neighbour holding the old holder's MAC takes the new one.
TEST_F(KernelTest, AnnouncementsUpdateThePeersNeighbourCache) {
  ASSERT_TRUE(nl_->addAddress(Address{"veth-a", prefix("2001:db8:1::100/128"), 6}));
  run("ip neigh replace 10.10.1.100 lladdr 02:00:00:00:00:99 dev veth-b nud stale");
  run("ip neigh replace 2001:db8:1::100 lladdr 02:00:00:00:00:99 dev veth-b nud stale");
  ASSERT_NE(sh("ip neigh show 10.10.1.100 dev veth-b").output.find("02:00:00:00:00:99"),
            std::string::npos);
  ASSERT_NE(sh("ip neigh show 2001:db8:1::100 dev veth-b").output.find("02:00:00:00:00:99"),
            std::string::npos);
  ASSERT_TRUE(sendGratuitousArp("veth-a", ip("10.10.1.100"), 1));
  ASSERT_TRUE(sendGratuitousArp("veth-a", ip("2001:db8:1::100"), 1));
  auto links = nl_->links();
  ASSERT_TRUE(links);
  std::string mac;
  for (const auto& l : *links) {
    if (l.name != "veth-a") continue;
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", l.mac[0], l.mac[1], l.mac[2],
                  l.mac[3], l.mac[4], l.mac[5]);
    mac = buf;
  }
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  Shell v4, v6;
  do {
    v4 = sh("ip neigh show 10.10.1.100 dev veth-b");
    v6 = sh("ip neigh show 2001:db8:1::100 dev veth-b");
    if (v4.output.find(mac) != std::string::npos && v6.output.find(mac) != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_NE(v4.output.find(mac), std::string::npos) << v4.output << " wants " << mac;
  EXPECT_NE(v6.output.find(mac), std::string::npos) << v6.output << " wants " << mac;
}

TEST_F(KernelTest, GratuitousArpOnMissingDeviceNamesIt) {
  auto st = sendGratuitousArp("nosuch0", ip("10.10.1.100"), 1);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ENODEV);
  EXPECT_EQ(st.error().message,
            "gratuitous ARP for 10.10.1.100 on nosuch0: No such device (ENODEV)");
}

}  // namespace
}  // namespace floe::net::testing
