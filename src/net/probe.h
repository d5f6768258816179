// Asking the link whether another host uses an address, before floe claims it (DESIGN.md "HA,
// addresses and ARP"; the hardening issue §10): RFC 5227 §2.1.1 ARP probes for IPv4, RFC 4862
// §5.4 duplicate address detection for IPv6. One socket per probe, on one device; the caller
// paces the probes and decides when nobody answered (se/kernel_prober.h).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/ip.h"
#include "common/result.h"
#include "net/arp.h"

namespace floe::net {

class ProbeSocket {
 public:
  // An AF_PACKET socket on `device` receiving ARP (IPv4 `ip`) or IPv6 frames, non-blocking.
  // Errors: no such device (ENODEV), not Ethernet (EINVAL), no CAP_NET_RAW (EPERM).
  static Result<std::unique_ptr<ProbeSocket>> open(const std::string& device, const IpAddress& ip);
  ~ProbeSocket();
  ProbeSocket(const ProbeSocket&) = delete;
  ProbeSocket& operator=(const ProbeSocket&) = delete;

  int fd() const { return fd_; }
  const MacAddress& mac() const { return mac_; }

  // Sends one probe: an ARP probe, or a DAD Neighbor Solicitation.
  Status send();

  // Reads every frame waiting, without blocking. Returns the MAC of a host that claims the
  // address — it answered (ARP reply or request with sender IP `ip`; a Neighbor Advertisement
  // for `ip`) or probes for it at the same time (an ARP probe or DAD solicitation for `ip` from
  // another MAC, RFC 5227 §2.1.1 / RFC 4862 §5.4.3) — or nullopt. Frames this host sent are
  // ignored; malformed frames are counted in `malformed()` and ignored.
  std::optional<MacAddress> readClaim();
  uint64_t malformed() const { return malformed_; }

 private:
  ProbeSocket(int fd, int ifindex, MacAddress mac, IpAddress ip)
      : fd_(fd), ifindex_(ifindex), mac_(mac), ip_(ip) {}
  int fd_;
  int ifindex_;
  MacAddress mac_;
  IpAddress ip_;
  uint64_t malformed_ = 0;
};

// "02:00:0a:0a:01:0b"
std::string toString(const MacAddress& mac);

}  // namespace floe::net
