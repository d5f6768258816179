// The kernel seam for addresses, routes and links. Product code talks to `Netlink`; the
// kernel implementation uses libnl-route-3, tests use FakeNetlink (fake_netlink.h).
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.h"
#include "common/result.h"

namespace floe::net {

// Route protocol number floe's routes carry (rtnetlink rtm_protocol); `ip route` shows 199
// unless /etc/iproute2/rt_protos names it. Nothing else on a host uses it by convention.
inline constexpr uint8_t kRouteProtocol = 199;
// Address protocol (IFA_PROTO, Linux >= 6.1) floe's addresses carry, v4 and v6.
inline constexpr uint8_t kAddressProtocol = 199;
// IPv4 addresses floe adds carry the label "<device>:floe" (device part shortened to fit 15).
inline constexpr const char* kLabelSuffix = ":floe";
// The device for addresses outside every interface subnet (VIPs, SNAT IPs reached by route).
inline constexpr const char* kLocalDevice = "floe0";
inline constexpr uint32_t kMainTable = 254;

struct Link {
  int ifindex = 0;
  std::string name;
  bool up = false;       // administratively up (IFF_UP)
  bool carrier = false;  // operational: up and with carrier (IFF_RUNNING)
  std::array<uint8_t, 6> mac{};
  std::vector<Prefix> addresses;  // every address on the link, floe's or not
};

struct Address {
  std::string device;
  Prefix prefix;  // e.g. 10.10.1.100/32
  // Valid (and preferred) lifetime in seconds; 0 means forever. floe adds the addresses of the
  // active role with a short lifetime and refreshes them, so a dead SE stops answering ARP.
  uint32_t lifetime_s = 0;
  auto operator<=>(const Address&) const = default;
};

struct Route {
  Prefix destination;  // network form, e.g. 0.0.0.0/0
  std::optional<IpAddress> gateway;
  std::optional<std::string> device;
  uint32_t table = kMainTable;
  auto operator<=>(const Route&) const = default;
};

// An address as the kernel holds it at the moment of the dump, floe's or anyone's.
struct ObservedAddress {
  Address address;         // lifetime_s: valid lifetime left in seconds, 0 forever
  bool owned = false;      // carries floe's tag (IFA_PROTO kAddressProtocol or the :floe label)
  bool tentative = false;  // IPv6 duplicate address detection still running (IFA_F_TENTATIVE)
  bool dadFailed = false;  // IPv6 DAD found another holder (IFA_F_DADFAILED)
};

// A unicast route as the kernel holds it, floe's or anyone's. `route.device` is the device the
// kernel reports (set for gateway routes too).
struct ObservedRoute {
  Route route;
  uint8_t protocol = 0;  // rtm_protocol; floe's routes carry kRouteProtocol
  uint32_t metric = 0;   // RTA_PRIORITY, 0 when absent
  bool owned() const { return protocol == kRouteProtocol; }
};

class Netlink {
 public:
  virtual ~Netlink() = default;

  virtual Result<std::vector<Link>> links() = 0;

  // Creates `name` as a NOARP dummy device and sets it up; on a kernel without the dummy
  // driver, a bridge with no ports (same effect: local addresses, nothing on the wire).
  // Idempotent.
  virtual Status ensureLocalDevice(const std::string& name) = 0;
  // Deletes a dummy or bridge device (the kinds ensureLocalDevice makes); absent: ok; any other
  // kind: fails with code EPERM and leaves it.
  virtual Status deleteLink(const std::string& name) = 0;

  // Adds the address tagged as floe's. Present already (floe's): lifetime refreshed in place,
  // never removed and re-added. Present already and someone else's: fails with code EEXIST and
  // leaves it alone. No device: code ENODEV.
  virtual Status addAddress(const Address& a) = 0;
  // Absent, or not floe's (left alone): ok.
  virtual Status removeAddress(const Address& a) = 0;
  // Every address carrying floe's tag, on any device; lifetime_s is the valid lifetime left
  // (0: forever).
  virtual Result<std::vector<Address>> ownedAddresses() = 0;
  // Every address on every device (IPv4 and IPv6), with its owner tag and DAD flags: what the
  // agent reconciles against. One dump.
  virtual Result<std::vector<ObservedAddress>> addresses() = 0;
  // Restarts the lifetime of an address the caller has just observed as floe's (addresses()):
  // one RTM_NEWADDR with NLM_F_REPLACE, no ownership check of its own (the caller made it), so
  // it fits the time-critical loop. If the address vanished since the dump the kernel adds it
  // again. No device: code ENODEV.
  virtual Status refreshAddress(const Address& a) = 0;

  // Adds with protocol kRouteProtocol and NLM_F_EXCL: a route for the same destination,
  // table and metric that exists already is not replaced; that fails with code EEXIST.
  virtual Status addRoute(const Route& r) = 0;
  virtual Status removeRoute(const Route& r) = 0;  // absent: ok; never removes others' routes
  // Every route with protocol kRouteProtocol in every table. `device` is what the kernel
  // reports: set for gateway routes too (the device the kernel chose), so compare with a
  // desired Route on destination/gateway/table, or pass these back to removeRoute as they are.
  virtual Result<std::vector<Route>> ownedRoutes() = 0;
  // Every unicast route (not cache clones) of both families in every table, floe's or not, with
  // protocol and metric: for reconciling and for reporting routes that shadow each other.
  virtual Result<std::vector<ObservedRoute>> routes() = 0;
};

// The rtnetlink implementation. Its one netlink socket opens on first use, in the calling
// thread's network namespace. Not thread-safe: one thread (the control loop) uses an instance.
// How logs, errors and the fake's call lines name them: "10.10.1.100/32 on eth0",
// "0.0.0.0/0 via 10.10.1.1[ dev eth0][ table 100]".
std::string toString(const Address& a);
std::string toString(const Route& r);

// `timeout` bounds every request's wait for the kernel's answer (SO_RCVTIMEO): the control loop
// uses the default, the time-critical loop a short one, far below the address lifetime.
std::unique_ptr<Netlink> makeKernelNetlink(
    std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Sends `count` gratuitous ARP requests (RFC 5227 §3 announcement form) for `ip` out of
// `device` from its MAC, so neighbours update their caches after a takeover. For an IPv6 `ip`,
// unsolicited Neighbor Advertisements (RFC 4861 §7.2.6) instead. Blocks the caller while it
// spaces them out: 100 ms apart, ~300 ms in all at most.
Status sendGratuitousArp(const std::string& device, const IpAddress& ip, int count = 3);

// Writes a /proc/sys value, e.g. ("net/ipv4/ip_forward", "1"); returns the previous value.
Result<std::string> writeSysctl(const std::string& path, const std::string& value);

}  // namespace floe::net
