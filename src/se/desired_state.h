// What one SE must hold for a config document: addresses (placed per DESIGN.md), routes and
// the data-plane config. A pure function of the document; no I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "bfd/session.h"
#include "bgp/speaker.h"
#include "config/document.h"
#include "config/model.h"
#include "net/netlink.h"
#include "proxy/engine.h"

namespace floe::se {

enum class AddressRole { kFloating, kVip, kSnat };
const char* toString(AddressRole);

struct HeldAddress {
  net::Address address;  // device + host prefix; lifetime filled in by the agent
  AddressRole role = AddressRole::kVip;
  std::string owner;     // "Default-Group", "vs1"
  bool onInterface = false;  // inside an attached subnet: the kernel answers ARP for it
  auto operator<=>(const HeldAddress&) const = default;
};

// An SE without ha_priority counts as this: in the middle, so setting 1-127 on one SE makes it
// win and 129-255 makes it lose; two SEs without it tie, and the one listed first wins.
inline constexpr uint32_t kDefaultHaPriority = 128;

// One heartbeat path of a legacy HA pair: a data network both SEs are on.
struct HaPath {
  std::string device;  // this SE's interface on it
  IpAddress local;     // this SE's address there (heartbeats are sent from it)
  IpAddress peer;      // the peer SE's address there (heartbeats are sent to it)
  auto operator<=>(const HaPath&) const = default;
};

// The legacy HA pair this SE is part of (DESIGN.md "HA, addresses and ARP"); absent for a
// group of one SE, which is always active.
struct HaSettings {
  std::string group;
  std::string self;
  std::string peer;
  uint8_t priority = 128;    // ha_priority (lower wins); kDefaultHaPriority when unset
  bool firstListed = false;  // listed before the peer in the document: wins a tie
  std::chrono::milliseconds interval{100};  // dp_hb_frequency
  int deadCount = 10;                       // dp_hb_timeout_count
  std::string secret;                       // ha_heartbeat_secret; empty: unauthenticated
  std::vector<HaPath> paths;
  auto operator<=>(const HaSettings&) const = default;
};

// One BGP peer of vrfcontext global's bgp_profile, resolved for this SE.
struct BgpPeerSettings {
  bgp::PeerSettings session;  // addresses, ASes, timers, md5_secret
  bool bfd = false;
  bool advertiseVip = true;
  bool advertiseSnatIp = true;
  // Next hops: the SE's own addresses on the peer's interface, per family (IPv6 routes go to
  // an IPv4 peer over MP-BGP with the interface's IPv6 address, RFC 4760, and back).
  std::optional<IpAddress> nextHopV4;
  std::optional<IpAddress> nextHopV6;
  bool operator==(const BgpPeerSettings&) const = default;
};

// What this SE advertises and to whom (reference default-gateway-ip-routing.md, issue 10).
struct BgpSettings {
  std::vector<BgpPeerSettings> peers;
  bfd::Profile bfd;  // vrfcontext bfd_profile (ms, ms, multiplier)
  bool ibgp = false;
  uint32_t localPreference = 100;  // bgp_profile local_preference (iBGP peers)
  uint8_t asPathPrepend = 0;       // bgp_profile num_as_path_prepend (eBGP peers)
  std::vector<uint32_t> communities;  // bgp_profile community (RFC 1997 values)
  // (virtual service, address) of every enabled virtual service: VIPs and SNAT IPs.
  std::vector<std::pair<std::string, IpAddress>> vips;
  std::vector<std::pair<std::string, IpAddress>> snatIps;
  // advertise_backend_networks: the SE's data subnets that are no BGP peer's subnet.
  std::vector<Prefix> backendNetworks;
  bool operator==(const BgpSettings&) const = default;
};

struct DesiredState {
  std::string engine;  // this SE's name
  std::string group;
  config::HaMode haMode = config::HaMode::kLegacyActiveStandby;
  std::vector<HeldAddress> addresses;  // for the active role
  std::vector<net::Route> routes;      // vrfcontext global static routes
  // enable_routing: the data interfaces the active role forwards IPv4 between (forwarding.h);
  // empty when the group does not route.
  std::vector<std::string> forwardingDevices;
  // Some virtual service preserves the client IP: the servers' replies to client addresses
  // must be delivered to the proxy's transparent sockets (net/transparent.h).
  bool transparentReturn = false;
  proxy::ProxyConfig proxy;
  std::vector<std::string> notices;    // worth telling the operator (logged, in status)
  std::optional<HaSettings> ha;
  std::optional<BgpSettings> bgp;  // vrfcontext global has bgp_profile peers
};

// Fails with every problem as "path: reason" when `engine` is not in the document or the
// document uses something this floe-se does not carry yet (see support.h).
Result<DesiredState> computeDesiredState(const config::Document& doc, const std::string& engine);

}  // namespace floe::se
