// What one SE must hold for a config document: addresses (placed per DESIGN.md), routes and
// the data-plane config. A pure function of the document; no I/O.
#pragma once

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

struct DesiredState {
  std::string engine;  // this SE's name
  std::string group;
  config::HaMode haMode = config::HaMode::kLegacyActiveStandby;
  std::vector<HeldAddress> addresses;  // for the active role
  std::vector<net::Route> routes;      // vrfcontext global static routes
  proxy::ProxyConfig proxy;
  std::vector<std::string> notices;    // worth telling the operator (logged, in status)
};

// Fails with every problem as "path: reason" when `engine` is not in the document or the
// document uses something this floe-se does not carry yet (see support.h).
Result<DesiredState> computeDesiredState(const config::Document& doc, const std::string& engine);

}  // namespace floe::se
