// What one SE must hold for a config document: addresses (placed per DESIGN.md), routes and
// the data-plane config. A pure function of the document; no I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

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
};

// Fails with every problem as "path: reason" when `engine` is not in the document or the
// document uses something this floe-se does not carry yet (see support.h).
Result<DesiredState> computeDesiredState(const config::Document& doc, const std::string& engine);

}  // namespace floe::se
