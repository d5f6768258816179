#include "net/probe.h"

#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "net/ndisc.h"
#include "net/sys_error.h"

namespace floe::net {

std::string toString(const MacAddress& mac) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                mac[4], mac[5]);
  return buf;
}

Result<std::unique_ptr<ProbeSocket>> ProbeSocket::open(const std::string& device,
                                                       const IpAddress& ip) {
  const std::string what = "probe for " + ip.toString() + " on " + device;
  if (device.empty() || device.size() >= IFNAMSIZ) return sysError(what, ENODEV, "bad device name");
  const uint16_t proto = ip.isV4() ? ETH_P_ARP : ETH_P_IPV6;
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(proto));
  if (fd < 0) return sysError(what + ": packet socket", errno);
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, device.c_str(), device.size());
  if (::ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
    const int e = errno;
    ::close(fd);
    return sysError(what, e);
  }
  const int ifindex = ifr.ifr_ifindex;
  if (::ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    ::close(fd);
    return makeError(what + ": " + device + " is not an Ethernet device", EINVAL);
  }
  MacAddress mac{};
  std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, mac.size());
  sockaddr_ll bind{};
  bind.sll_family = AF_PACKET;
  bind.sll_protocol = htons(proto);
  bind.sll_ifindex = ifindex;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&bind), sizeof bind) < 0) {
    const int e = errno;
    ::close(fd);
    return sysError(what + ": bind", e);
  }
  return std::unique_ptr<ProbeSocket>(new ProbeSocket(fd, ifindex, mac, ip));
}

ProbeSocket::~ProbeSocket() { ::close(fd_); }

Status ProbeSocket::send() {
  std::vector<uint8_t> frame;
  MacAddress to;
  if (ip_.isV4()) {
    frame = encodeArpFrame(arpProbe(mac_, ip_));
    to = kBroadcastMac;
  } else {
    frame = encodeDadProbe(mac_, ip_);
    std::copy(frame.begin(), frame.begin() + 6, to.begin());
  }
  sockaddr_ll dst{};
  dst.sll_family = AF_PACKET;
  dst.sll_protocol = htons(ip_.isV4() ? ETH_P_ARP : ETH_P_IPV6);
  dst.sll_ifindex = ifindex_;
  dst.sll_halen = ETH_ALEN;
  std::memcpy(dst.sll_addr, to.data(), to.size());
  ssize_t n;
  do {
    n = ::sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sysError("probe for " + ip_.toString(), errno);
  return {};
}

std::optional<MacAddress> ProbeSocket::readClaim() {
  uint8_t buf[2048];
  for (int i = 0; i < 1024; ++i) {  // bounded: a flood is read over several wake-ups
    sockaddr_ll from{};
    socklen_t fromLen = sizeof from;
    const ssize_t n =
        ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fromLen);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;  // EAGAIN: nothing more
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;  // our own probes
    const std::span<const uint8_t> frame(buf, static_cast<size_t>(n));
    if (ip_.isV4()) {
      auto arp = decodeArpFrame(frame);
      if (!arp) {
        ++malformed_;
        continue;
      }
      if (arp->senderMac == mac_) continue;
      const bool answers = arp->senderIp == ip_;
      const bool probesToo = arp->operation == kArpRequest && arp->senderIp.isV4() &&
                             arp->senderIp == IpAddress::fromV4(0) && arp->targetIp == ip_;
      if (answers || probesToo) return arp->senderMac;
    } else {
      auto nd = decodeNeighborDiscovery(frame);
      if (!nd) {
        // Every IPv6 frame arrives here; only malformed neighbor discovery counts.
        if (n > 54 && buf[20] == 58 && (buf[54] == kIcmp6NeighborSolicitation ||
                                        buf[54] == kIcmp6NeighborAdvertisement)) {
          ++malformed_;
        }
        continue;
      }
      if (nd->ethernetSource == mac_ || nd->target != ip_) continue;
      const bool answers = nd->type == kIcmp6NeighborAdvertisement;
      const bool probesToo = nd->type == kIcmp6NeighborSolicitation &&
                             nd->ipSource == IpAddress::parse("::").value();
      if (answers || probesToo) return nd->ethernetSource;
    }
  }
  return std::nullopt;
}

}  // namespace floe::net
