// Announcing a takeover on the wire: gratuitous ARP (arp.h) from an AF_PACKET socket for IPv4,
// unsolicited Neighbor Advertisements (ndisc.h) from a raw ICMPv6 socket for IPv6.
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "net/arp.h"
#include "net/ndisc.h"
#include "net/netlink.h"
#include "net/sys_error.h"

namespace floe::net {

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The burst must not hold the control thread long: at most ~300 ms in all, 100 ms apart.
std::chrono::milliseconds spacing(int count) {
  if (count <= 1) return std::chrono::milliseconds(0);
  return std::min(std::chrono::milliseconds(100), std::chrono::milliseconds(300 / (count - 1)));
}

}  // namespace

namespace {

struct Device {
  int ifindex = 0;
  MacAddress mac{};
};

Result<Device> lookUp(int fd, const std::string& what, const std::string& device) {
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, device.c_str(), device.size());
  if (::ioctl(fd, SIOCGIFINDEX, &ifr) < 0) return sysError(what, errno);
  Device d;
  d.ifindex = ifr.ifr_ifindex;
  if (::ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) return sysError(what + ": read MAC", errno);
  if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    return makeError(what + ": " + device + " is not an Ethernet device (ARPHRD " +
                         std::to_string(ifr.ifr_hwaddr.sa_family) + ")",
                     EINVAL);
  }
  std::memcpy(d.mac.data(), ifr.ifr_hwaddr.sa_data, d.mac.size());
  return d;
}

// Sends `count` copies of one packet, spaced out.
Status burst(int fd, const std::vector<uint8_t>& packet, const sockaddr* to, socklen_t toLen,
             int count, const std::string& what) {
  const auto gap = spacing(count);
  for (int i = 0; i < count; ++i) {
    if (i > 0) std::this_thread::sleep_for(gap);
    ssize_t n;
    do {
      n = ::sendto(fd, packet.data(), packet.size(), 0, to, toLen);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return sysError(what, errno);
  }
  return {};
}

Status announceV4(const std::string& device, const IpAddress& ip, int count,
                  const std::string& what) {
  // Protocol 0: this socket only sends, it receives nothing.
  Fd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return sysError(what + ": packet socket", errno);
  auto dev = lookUp(fd.get(), what, device);
  if (!dev) return dev.error();
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = dev->ifindex;
  to.sll_halen = ETH_ALEN;
  std::memcpy(to.sll_addr, kBroadcastMac.data(), kBroadcastMac.size());
  return burst(fd.get(), encodeGratuitousArp(dev->mac, ip), reinterpret_cast<sockaddr*>(&to),
               sizeof to, count, what);
}

Status announceV6(const std::string& device, const IpAddress& ip, int count,
                  const std::string& what) {
  Fd fd(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
  if (fd.get() < 0) return sysError(what + ": ICMPv6 socket", errno);
  auto dev = lookUp(fd.get(), what, device);
  if (!dev) return dev.error();
  // RFC 4861 §7.1.2: receivers drop a Neighbor Advertisement whose hop limit is not 255.
  const int hops = 255;
  const int on = 1;
  if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) < 0 ||
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &dev->ifindex, sizeof dev->ifindex) <
          0 ||
      ::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, device.c_str(),
                   static_cast<socklen_t>(device.size())) < 0 ||
      ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_FREEBIND, &on, sizeof on) < 0) {
    return sysError(what + ": socket options", errno);
  }
  // Sent from the announced address itself (RFC 4861 §7.2.6 allows any of the interface's).
  sockaddr_storage from{};
  const socklen_t fromLen = ip.toSockaddr(0, from);
  reinterpret_cast<sockaddr_in6*>(&from)->sin6_scope_id = static_cast<uint32_t>(dev->ifindex);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&from), fromLen) < 0) {
    return sysError(what + ": bind to " + ip.toString(), errno);
  }
  sockaddr_storage to{};
  const socklen_t toLen = IpAddress::parse("ff02::1")->toSockaddr(0, to);  // all nodes
  reinterpret_cast<sockaddr_in6*>(&to)->sin6_scope_id = static_cast<uint32_t>(dev->ifindex);
  return burst(fd.get(), encodeUnsolicitedNeighborAdvertisement(dev->mac, ip),
               reinterpret_cast<sockaddr*>(&to), toLen, count, what);
}

}  // namespace

Status sendGratuitousArp(const std::string& device, const IpAddress& ip, int count) {
  const std::string what = (ip.isV4() ? "gratuitous ARP for "
                                      : "unsolicited neighbor "
                                        "advertisement for ") +
                           ip.toString() + " on " + device;
  if (count <= 0) return {};
  if (device.empty() || device.size() >= IFNAMSIZ) return sysError(what, ENODEV, "bad device name");
  return ip.isV4() ? announceV4(device, ip, count, what) : announceV6(device, ip, count, what);
}

}  // namespace floe::net
