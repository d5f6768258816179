// Netlink over the kernel's rtnetlink: the production side of the seam in netlink.h.
//
// Ownership (DESIGN.md: floe touches only what it added): routes carry rtm_protocol
// kRouteProtocol; addresses carry IFA_PROTO kAddressProtocol and, IPv4, the label
// "<dev>:floe". Deletions name floe's protocol (routes) or check the tag first (addresses), so
// nothing else is ever removed; an add that meets someone else's object fails with EEXIST.
//
// Not thread-safe: one instance, one netlink socket, one thread (the SE's control loop).
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <utility>

#include "common/log.h"
#include "net/netlink.h"
#include "net/rtnl_codec.h"
#include "net/rtnl_socket.h"
#include "net/sys_error.h"

namespace floe::net {

namespace {


bool isOwned(const rtnl::AddressMessage& m) {
  return m.protocol == kAddressProtocol ||
         (m.prefix.address().isV4() && rtnl::hasFloeLabel(m.label));
}

// The lifetime floe reports for an address: seconds left, 0 for forever (as in Address).
uint32_t reportedLifetime(const rtnl::AddressMessage& m) {
  return m.validLifetime == rtnl::kForever ? 0 : m.validLifetime;
}

class KernelNetlink final : public Netlink {
 public:
  explicit KernelNetlink(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  Result<std::vector<Link>> links() override;
  Status ensureLocalDevice(const std::string& name) override;
  Status deleteLink(const std::string& name) override;
  Status addAddress(const Address& a) override;
  Status removeAddress(const Address& a) override;
  Result<std::vector<Address>> ownedAddresses() override;
  Status addRoute(const Route& r) override;
  Status removeRoute(const Route& r) override;
  Result<std::vector<Route>> ownedRoutes() override;
  Result<std::vector<ObservedAddress>> addresses() override;
  Status refreshAddress(const Address& a) override;
  Result<std::vector<ObservedRoute>> routes() override;

 private:
  // The socket, opened on first use (and again after a failed open).
  Result<RtnlSocket*> socket(const std::string& what);
  Result<rtnl::LinkMessage> findLink(const std::string& what, const std::string& name);
  Result<std::vector<rtnl::LinkMessage>> dumpLinks(const std::string& what);
  Result<std::vector<rtnl::AddressMessage>> dumpAddresses(const std::string& what, int ifindex);
  Result<std::vector<rtnl::RouteMessage>> dumpRoutes(const std::string& what, uint8_t family);
  Result<std::map<int, std::string>> linkNames(const std::string& what);
  void checkAddressProtocol(const std::string& what, int ifindex, const Prefix& p);

  std::chrono::milliseconds timeout_;
  std::unique_ptr<RtnlSocket> sock_;
  bool protocolChecked_ = false;
};

Result<RtnlSocket*> KernelNetlink::socket(const std::string& what) {
  if (!sock_) {
    auto s = RtnlSocket::open(timeout_);
    if (!s) return context(what, s.error());
    sock_ = std::move(*s);
  }
  return sock_.get();
}

Result<rtnl::LinkMessage> KernelNetlink::findLink(const std::string& what,
                                                  const std::string& name) {
  auto sock = socket(what);
  if (!sock) return sock.error();
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return makeError(what + ": '" + name + "' is not a device name", EINVAL);
  }
  auto r = (*sock)->request(rtnl::encodeGetLink(name));
  if (!r) {
    if (r.error().code == ENODEV) return makeError(what + ": no device " + name, ENODEV);
    return context(what + ": look up " + name, r.error());
  }
  for (const auto& m : *r) {
    auto link = rtnl::decodeLink(m);
    if (!link) return context(what, link.error());
    return *link;
  }
  return makeError(what + ": no answer for device " + name, EIO);
}

Result<std::vector<rtnl::LinkMessage>> KernelNetlink::dumpLinks(const std::string& what) {
  auto sock = socket(what);
  if (!sock) return sock.error();
  auto r = (*sock)->dump(rtnl::encodeDump(RTM_GETLINK, AF_UNSPEC));
  if (!r) return context(what + ": list links", r.error());
  std::vector<rtnl::LinkMessage> out;
  for (const auto& m : *r) {
    auto link = rtnl::decodeLink(m);
    if (!link) {
      spdlog::warn("{}: skipped a link the kernel listed: {}", what, link.error().message);
      continue;
    }
    out.push_back(std::move(*link));
  }
  return out;
}

Result<std::vector<rtnl::AddressMessage>> KernelNetlink::dumpAddresses(const std::string& what,
                                                                       int ifindex) {
  auto sock = socket(what);
  if (!sock) return sock.error();
  auto r = (*sock)->dump(rtnl::encodeDump(RTM_GETADDR, AF_UNSPEC));
  if (!r) return context(what + ": list addresses", r.error());
  std::vector<rtnl::AddressMessage> out;
  for (const auto& m : *r) {
    auto a = rtnl::decodeAddress(m);
    if (!a) {
      if (a.error().code != EAFNOSUPPORT) {
        spdlog::warn("{}: skipped an address the kernel listed: {}", what, a.error().message);
      }
      continue;
    }
    if (ifindex == 0 || a->ifindex == ifindex) out.push_back(std::move(*a));
  }
  return out;
}

Result<std::vector<rtnl::RouteMessage>> KernelNetlink::dumpRoutes(const std::string& what,
                                                                  uint8_t family) {
  auto sock = socket(what);
  if (!sock) return sock.error();
  auto r = (*sock)->dump(rtnl::encodeDump(RTM_GETROUTE, family));
  if (!r) return context(what + ": list routes", r.error());
  std::vector<rtnl::RouteMessage> out;
  for (const auto& m : *r) {
    auto route = rtnl::decodeRoute(m);
    if (!route) {
      if (route.error().code != EAFNOSUPPORT) {
        spdlog::warn("{}: skipped a route the kernel listed: {}", what, route.error().message);
      }
      continue;
    }
    out.push_back(std::move(*route));
  }
  return out;
}

Result<std::map<int, std::string>> KernelNetlink::linkNames(const std::string& what) {
  auto links = dumpLinks(what);
  if (!links) return links.error();
  std::map<int, std::string> names;
  for (const auto& l : *links) names[l.ifindex] = l.name;
  return names;
}

// ---- links -----------------------------------------------------------------------------------

Result<std::vector<Link>> KernelNetlink::links() {
  const std::string what = "list links";
  auto links = dumpLinks(what);
  if (!links) return links.error();
  auto addresses = dumpAddresses(what, 0);
  if (!addresses) return addresses.error();
  std::vector<Link> out;
  for (const auto& l : *links) {
    Link link;
    link.ifindex = l.ifindex;
    link.name = l.name;
    link.up = (l.flags & IFF_UP) != 0;
    link.carrier = link.up && (l.flags & IFF_RUNNING) != 0;
    if (l.mac) link.mac = *l.mac;
    for (const auto& a : *addresses) {
      if (a.ifindex == l.ifindex) link.addresses.push_back(a.prefix);
    }
    out.push_back(std::move(link));
  }
  return out;
}

Status KernelNetlink::ensureLocalDevice(const std::string& name) {
  const std::string what = "create device " + name;
  constexpr uint32_t kFlags = IFF_UP | IFF_NOARP;
  auto link = findLink(what, name);
  if (!link && link.error().code != ENODEV) return link.error();
  if (link) {
    if (link->kind != "dummy" && link->kind != "bridge") {
      const std::string kind = link->kind.empty() ? "physical" : link->kind;
      return makeError(what + ": a " + kind + " device " + name +
                           " exists already; floe uses a dummy (or bridge) device of that name: "
                           "delete or rename the existing one",
                       EEXIST);
    }
    if ((link->flags & kFlags) == kFlags) return {};
    auto r = sock_->request(rtnl::encodeSetLinkFlags(link->ifindex, kFlags, kFlags));
    if (!r) return context("set " + name + " up and NOARP", r.error());
    spdlog::info("set existing {} device {} up and NOARP", link->kind, name);
    return {};
  }

  std::string kind = "dummy";
  auto r = sock_->request(rtnl::encodeCreateLink(name, kind, kFlags));
  if (!r && r.error().code == EOPNOTSUPP) {
    // No dummy driver (some minimal kernels): a bridge without ports holds local addresses the
    // same way and sends nothing anywhere.
    spdlog::info("{}: no dummy driver in this kernel ({}); using a bridge with no ports", what,
                 r.error().message);
    kind = "bridge";
    r = sock_->request(rtnl::encodeCreateLink(name, kind, kFlags));
  }
  if (!r) return context(what + " (" + kind + ")", r.error());
  spdlog::info("created {} device {} (NOARP, up) for local addresses", kind, name);
  return {};
}

Status KernelNetlink::deleteLink(const std::string& name) {
  const std::string what = "delete device " + name;
  auto link = findLink(what, name);
  if (!link) return link.error().code == ENODEV ? Status() : Status(link.error());
  if (link->kind != "dummy" && link->kind != "bridge") {
    // floe only ever creates dummy (or bridge) devices: anything else is someone else's.
    const std::string kind = link->kind.empty() ? "physical" : link->kind;
    return makeError(what + ": it is a " + kind + " device, not one floe creates; left alone",
                     EPERM);
  }
  auto r = sock_->request(rtnl::encodeDeleteLink(link->ifindex));
  if (!r && r.error().code != ENODEV) return context(what, r.error());
  spdlog::info("deleted device {}", name);
  return {};
}

// ---- addresses -------------------------------------------------------------------------------

namespace {

rtnl::AddressMessage floeAddress(int ifindex, const Address& a) {
  rtnl::AddressMessage m;
  m.ifindex = ifindex;
  m.prefix = a.prefix;
  m.protocol = kAddressProtocol;
  if (a.prefix.address().isV4()) {
    m.label = rtnl::addressLabel(a.device);
  } else {
    // The holder of a floating address must answer for it at once after a takeover: no DAD
    // (which would also fail while a hung former holder still answers).
    m.flags = IFA_F_NODAD;
  }
  m.validLifetime = a.lifetime_s == 0 ? rtnl::kForever : a.lifetime_s;
  m.preferredLifetime = m.validLifetime;
  return m;
}

// The address the kernel would treat as the same one: IPv4 compares address and prefix length,
// IPv6 the address only (ipv6_chk_same_addr).
const rtnl::AddressMessage* sameAddress(const std::vector<rtnl::AddressMessage>& all,
                                        const Prefix& p, bool exact) {
  for (const auto& m : all) {
    if (m.prefix.address() != p.address()) continue;
    if ((exact || p.address().isV4()) && m.prefix.length() != p.length()) continue;
    return &m;
  }
  return nullptr;
}

}  // namespace

Status KernelNetlink::addAddress(const Address& a) {
  const std::string what = "add address " + toString(a);
  auto link = findLink(what, a.device);
  if (!link) return link.error();
  const rtnl::AddressMessage m = floeAddress(link->ifindex, a);
  // Ownership is checked on every add: an address someone else added (an administrator who
  // deleted floe's and added it again by hand) is never adopted.
  auto r = sock_->request(rtnl::encodeNewAddress(m, NLM_F_CREATE | NLM_F_EXCL));
  if (!r && r.error().code == EEXIST) {
    // Present already: floe's from an earlier run (adopt and refresh it) or someone else's
    // (leave it alone).
    auto all = dumpAddresses(what, link->ifindex);
    if (!all) return all.error();
    const rtnl::AddressMessage* existing = sameAddress(*all, a.prefix, false);
    if (existing == nullptr) return context(what, r.error());
    if (!isOwned(*existing)) {
      return makeError(what + ": " + existing->prefix.toString() + " exists already on " +
                           a.device +
                           " and is not floe's; not replaced (remove it from the "
                           "host or from the configuration)",
                       EEXIST);
    }
    r = sock_->request(rtnl::encodeNewAddress(m, NLM_F_CREATE | NLM_F_REPLACE));
  }
  if (!r) return context(what, r.error());
  if (!protocolChecked_) checkAddressProtocol(what, link->ifindex, a.prefix);
  return {};
}

// Once per instance: does the kernel keep IFA_PROTO (Linux >= 6.1)? Without it IPv6 addresses
// carry no tag, and ownedAddresses() cannot find them after a restart.
void KernelNetlink::checkAddressProtocol(const std::string& what, int ifindex, const Prefix& p) {
  auto all = dumpAddresses(what, ifindex);
  if (!all) return;  // try again with the next address
  protocolChecked_ = true;
  const rtnl::AddressMessage* m = sameAddress(*all, p, true);
  if (m != nullptr && m->protocol != kAddressProtocol) {
    spdlog::warn(
        "this kernel ignores the address protocol (IFA_PROTO, Linux >= 6.1): floe "
        "tags its IPv4 addresses by label only and cannot tag IPv6 addresses, so IPv6 "
        "addresses left by a crashed floe-se are not removed at the next start");
  }
}

Status KernelNetlink::removeAddress(const Address& a) {
  const std::string what = "remove address " + toString(a);
  auto link = findLink(what, a.device);
  if (!link) return link.error().code == ENODEV ? Status() : Status(link.error());
  // RTM_DELADDR cannot say "only if IFA_PROTO is floe's": look first.
  auto all = dumpAddresses(what, link->ifindex);
  if (!all) return all.error();
  const rtnl::AddressMessage* existing = sameAddress(*all, a.prefix, true);
  if (existing == nullptr) return {};
  if (!isOwned(*existing)) {
    spdlog::info("{}: not floe's (no floe tag); left alone", what);
    return {};
  }
  rtnl::AddressMessage m = *existing;  // its own label: IPv4 deletes match on it too
  m.flags = 0;
  auto r = sock_->request(rtnl::encodeDeleteAddress(m));
  if (!r && r.error().code != EADDRNOTAVAIL && r.error().code != ENOENT &&
      r.error().code != ENODEV) {
    return context(what, r.error());
  }
  return {};
}

Result<std::vector<ObservedAddress>> KernelNetlink::addresses() {
  const std::string what = "list addresses";
  auto names = linkNames(what);
  if (!names) return names.error();
  auto all = dumpAddresses(what, 0);
  if (!all) return all.error();
  std::vector<ObservedAddress> out;
  out.reserve(all->size());
  for (const auto& m : *all) {
    auto name = names->find(m.ifindex);
    if (name == names->end()) continue;  // its device went away between the dumps
    ObservedAddress o;
    o.address = Address{name->second, m.prefix, reportedLifetime(m)};
    o.owned = isOwned(m);
    o.tentative = (m.flags & IFA_F_TENTATIVE) != 0;
    o.dadFailed = (m.flags & IFA_F_DADFAILED) != 0;
    out.push_back(std::move(o));
  }
  return out;
}

Status KernelNetlink::refreshAddress(const Address& a) {
  const std::string what = "refresh address " + toString(a);
  auto link = findLink(what, a.device);
  if (!link) return link.error();
  // REPLACE updates the lifetime in place (no delete and re-add, so sockets bound to it live on).
  auto r = sock_->request(
      rtnl::encodeNewAddress(floeAddress(link->ifindex, a), NLM_F_CREATE | NLM_F_REPLACE));
  if (!r) return context(what, r.error());
  return {};
}

Result<std::vector<Address>> KernelNetlink::ownedAddresses() {
  const std::string what = "list floe's addresses";
  auto names = linkNames(what);
  if (!names) return names.error();
  auto all = dumpAddresses(what, 0);
  if (!all) return all.error();
  std::vector<Address> out;
  for (const auto& m : *all) {
    if (!isOwned(m)) continue;
    auto name = names->find(m.ifindex);
    if (name == names->end()) continue;  // its device went away during the dumps
    out.push_back(Address{name->second, m.prefix, reportedLifetime(m)});
  }
  return out;
}

// ---- routes ----------------------------------------------------------------------------------

namespace {

bool sameGatewayAndDevice(const rtnl::RouteMessage& kernel, const rtnl::RouteMessage& wanted) {
  if (wanted.gateway && kernel.gateway != wanted.gateway) return false;
  if (wanted.oif != 0 && kernel.oif != wanted.oif) return false;
  return true;
}

}  // namespace

Status KernelNetlink::addRoute(const Route& r) {
  const std::string what = "add route " + toString(r);
  const IpAddress& dst = r.destination.address();
  if (!r.gateway && !r.device) {
    return makeError(what + ": a route needs a gateway or a device", EINVAL);
  }
  if (r.gateway && r.gateway->family() != dst.family()) {
    return makeError(what + ": gateway and destination are of different address families", EINVAL);
  }
  rtnl::RouteMessage m;
  m.destination = r.destination;
  m.gateway = r.gateway;
  m.table = r.table;
  m.protocol = kRouteProtocol;
  m.scope = r.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  m.type = RTN_UNICAST;
  if (r.device) {
    auto link = findLink(what, *r.device);
    if (!link) return link.error();
    m.oif = link->ifindex;
  } else {
    auto sock = socket(what);
    if (!sock) return sock.error();
  }

  auto rsp = sock_->request(rtnl::encodeNewRoute(m, NLM_F_CREATE | NLM_F_EXCL));
  if (rsp) return {};
  if (rsp.error().code != EEXIST) return context(what, rsp.error());

  // Whose is it? floe's own identical route makes the add a no-op; anything else stays.
  auto routes = dumpRoutes(what, static_cast<uint8_t>(dst.af()));
  if (!routes) return routes.error();
  bool floeRouteDiffers = false;
  for (const auto& k : *routes) {
    if (k.destination != r.destination || k.table != r.table) continue;
    if (k.protocol != kRouteProtocol) continue;
    if (sameGatewayAndDevice(k, m)) return {};
    floeRouteDiffers = true;
  }
  if (floeRouteDiffers) {
    return makeError(what + ": floe's route to " + r.destination.toString() +
                         " exists already with another gateway or device; remove it first",
                     EEXIST);
  }
  return makeError(what + ": route " + r.destination.toString() +
                       " exists already and is not floe's; not replaced",
                   EEXIST);
}

Status KernelNetlink::removeRoute(const Route& r) {
  const std::string what = "remove route " + toString(r);
  rtnl::RouteMessage m;
  m.destination = r.destination;
  m.gateway = r.gateway;
  m.table = r.table;
  // The kernel deletes only a route with this protocol: never someone else's.
  m.protocol = kRouteProtocol;
  m.scope = RT_SCOPE_NOWHERE;  // any scope
  m.type = RTN_UNICAST;
  if (r.device) {
    auto link = findLink(what, *r.device);
    if (!link) return link.error().code == ENODEV ? Status() : Status(link.error());
    m.oif = link->ifindex;
  } else {
    auto sock = socket(what);
    if (!sock) return sock.error();
  }
  auto rsp = sock_->request(rtnl::encodeDeleteRoute(m));
  if (!rsp && rsp.error().code != ESRCH && rsp.error().code != ENOENT) {
    return context(what, rsp.error());
  }
  return {};
}

Result<std::vector<Route>> KernelNetlink::ownedRoutes() {
  const std::string what = "list floe's routes";
  auto names = linkNames(what);
  if (!names) return names.error();
  std::vector<Route> out;
  for (uint8_t family : {uint8_t{AF_INET}, uint8_t{AF_INET6}}) {
    auto routes = dumpRoutes(what, family);
    if (!routes) return routes.error();
    for (const auto& k : *routes) {
      if (k.protocol != kRouteProtocol || k.type != RTN_UNICAST) continue;
      if (k.flags & RTM_F_CLONED) continue;  // cache entries, not configuration
      Route route;
      route.destination = k.destination;
      route.gateway = k.gateway;
      if (k.oif != 0) {
        if (auto n = names->find(k.oif); n != names->end()) route.device = n->second;
      }
      route.table = k.table;
      out.push_back(std::move(route));
    }
  }
  return out;
}

Result<std::vector<ObservedRoute>> KernelNetlink::routes() {
  const std::string what = "list routes";
  auto names = linkNames(what);
  if (!names) return names.error();
  std::vector<ObservedRoute> out;
  for (uint8_t family : {uint8_t{AF_INET}, uint8_t{AF_INET6}}) {
    auto routes = dumpRoutes(what, family);
    if (!routes) return routes.error();
    for (const auto& k : *routes) {
      if (k.type != RTN_UNICAST || (k.flags & RTM_F_CLONED) != 0) continue;
      ObservedRoute o;
      o.route.destination = k.destination;
      o.route.gateway = k.gateway;
      if (k.oif != 0) {
        if (auto n = names->find(k.oif); n != names->end()) o.route.device = n->second;
      }
      o.route.table = k.table;
      o.protocol = k.protocol;
      o.metric = k.priority.value_or(0);
      out.push_back(std::move(o));
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<Netlink> makeKernelNetlink(std::chrono::milliseconds timeout) {
  return std::make_unique<KernelNetlink>(timeout);
}

}  // namespace floe::net
