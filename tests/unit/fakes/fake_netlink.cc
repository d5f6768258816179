#include "fakes/fake_netlink.h"

#include <algorithm>
#include <cerrno>

namespace floe::net {

namespace {


bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The kernel's notion of "the same route" for NLM_F_EXCL: destination and table.
bool sameSlot(const Route& a, const Route& b) {
  return a.destination == b.destination && a.table == b.table;
}

// What removeRoute matches: destination and table, gateway and device when the request has them.
bool matches(const Route& request, const Route& held) {
  if (!sameSlot(request, held)) return false;
  if (request.gateway && request.gateway != held.gateway) return false;
  if (request.device && request.device != held.device) return false;
  return true;
}

}  // namespace

int FakeNetlink::addLink(const std::string& name, std::vector<Prefix> addresses, bool up,
                         const std::string& kind) {
  FakeLink l;
  l.ifindex = nextIfindex_++;
  l.kind = kind;
  l.up = up;
  l.mac = {0x02, 0x00, 0x00, 0x00, 0x00, static_cast<uint8_t>(l.ifindex)};
  links_[name] = l;
  for (const auto& p : addresses) addForeignAddress(name, p);
  return l.ifindex;
}

void FakeNetlink::setLinkUp(const std::string& name, bool up) {
  if (auto it = links_.find(name); it != links_.end()) it->second.up = up;
}

void FakeNetlink::addForeignAddress(const std::string& device, const Prefix& prefix) {
  addresses_.push_back(FakeAddress{Address{device, prefix, 0}, false});
}

void FakeNetlink::addForeignRoute(const Route& route, uint32_t metric) {
  routes_.push_back(FakeRoute{route, false, metric});
}

void FakeNetlink::removeLinkBehindBack(const std::string& name) {
  links_.erase(name);
  std::erase_if(addresses_, [&](const FakeAddress& a) { return a.address.device == name; });
  std::erase_if(routes_, [&](const FakeRoute& r) { return r.route.device == name; });
}

void FakeNetlink::setLinkDownAndFlush(const std::string& name) {
  setLinkUp(name, false);
  // The kernel flushes every route through a device that goes down; gateway routes added
  // without a device are on the device of their gateway's subnet: in these tests, any.
  std::erase_if(routes_, [&](const FakeRoute& r) { return !r.route.device || r.route.device == name; });
}

void FakeNetlink::removeAddressBehindBack(const std::string& device, const Prefix& prefix) {
  if (auto it = findAddress(device, prefix, true); it != addresses_.end()) addresses_.erase(it);
}

void FakeNetlink::failNext(const std::string& callPrefix, Error error, int times) {
  failures_.push_back(Failure{callPrefix, std::move(error), times});
}

void FakeNetlink::failAlways(const std::string& callPrefix, Error error) {
  failures_.push_back(Failure{callPrefix, std::move(error), -1});
}

std::optional<Error> FakeNetlink::record(std::string line) {
  calls_.push_back(line);
  for (auto it = failures_.begin(); it != failures_.end(); ++it) {
    if (!startsWith(line, it->prefix)) continue;
    Error e = it->error;
    if (it->remaining > 0 && --it->remaining == 0) failures_.erase(it);
    return e;
  }
  return std::nullopt;
}

std::vector<std::string> FakeNetlink::callsOf(std::string_view method) const {
  std::vector<std::string> out;
  for (const auto& c : calls_) {
    if (c == method || startsWith(c, std::string(method) + " ")) out.push_back(c);
  }
  return out;
}

std::vector<Address> FakeNetlink::floeAddresses() const {
  std::vector<Address> out;
  for (const auto& a : addresses_) {
    if (a.floe) out.push_back(a.address);
  }
  return out;
}

std::vector<Route> FakeNetlink::floeRoutes() const {
  std::vector<Route> out;
  for (const auto& r : routes_) {
    if (r.floe) out.push_back(r.route);
  }
  return out;
}

std::vector<Route> FakeNetlink::foreignRoutes() const {
  std::vector<Route> out;
  for (const auto& r : routes_) {
    if (!r.floe) out.push_back(r.route);
  }
  return out;
}

std::optional<Link> FakeNetlink::link(const std::string& name) const {
  auto it = links_.find(name);
  if (it == links_.end()) return std::nullopt;
  Link l;
  l.ifindex = it->second.ifindex;
  l.name = name;
  l.up = it->second.up;
  l.carrier = it->second.up;
  l.mac = it->second.mac;
  for (const auto& a : addresses_) {
    if (a.address.device == name) l.addresses.push_back(a.address.prefix);
  }
  return l;
}

void FakeNetlink::expireAddresses() {
  std::erase_if(addresses_,
                [](const FakeAddress& a) { return a.floe && a.address.lifetime_s > 0; });
}

std::vector<FakeNetlink::FakeAddress>::iterator FakeNetlink::findAddress(const std::string& device,
                                                                         const Prefix& p,
                                                                         bool exact) {
  // As the kernel: IPv4 addresses are the same with the same prefix length, IPv6 ones by
  // address alone (exact: removal names the prefix length in both families).
  return std::find_if(addresses_.begin(), addresses_.end(), [&](const FakeAddress& a) {
    if (a.address.device != device || a.address.prefix.address() != p.address()) return false;
    return (!exact && p.address().isV6()) || a.address.prefix.length() == p.length();
  });
}

Result<std::vector<Link>> FakeNetlink::links() {
  if (auto e = record("links")) return *e;
  std::vector<Link> out;
  for (const auto& [name, l] : links_) out.push_back(*link(name));
  std::sort(out.begin(), out.end(),
            [](const Link& a, const Link& b) { return a.ifindex < b.ifindex; });
  return out;
}

Status FakeNetlink::ensureLocalDevice(const std::string& name) {
  if (auto e = record("ensureLocalDevice " + name)) return *e;
  auto it = links_.find(name);
  if (it == links_.end()) {
    addLink(name, {}, true, "dummy");
    return {};
  }
  if (it->second.kind != "dummy" && it->second.kind != "bridge") {
    return makeError("create device " + name + ": a " +
                         (it->second.kind.empty() ? std::string("physical") : it->second.kind) +
                         " device " + name + " exists already",
                     EEXIST);
  }
  it->second.up = true;
  return {};
}

Status FakeNetlink::deleteLink(const std::string& name) {
  if (auto e = record("deleteLink " + name)) return *e;
  auto it = links_.find(name);
  if (it == links_.end()) return {};
  if (it->second.kind != "dummy" && it->second.kind != "bridge") {
    return makeError("delete device " + name + ": not one floe creates; left alone", EPERM);
  }
  links_.erase(it);
  std::erase_if(addresses_, [&](const FakeAddress& a) { return a.address.device == name; });
  std::erase_if(routes_, [&](const FakeRoute& r) { return r.route.device == name; });
  return {};
}

Status FakeNetlink::addAddress(const Address& a) {
  const std::string what = "add address " + a.prefix.toString() + " on " + a.device;
  if (auto e = record("addAddress " + a.device + " " + a.prefix.toString() +
                      " lifetime=" + std::to_string(a.lifetime_s))) {
    return *e;
  }
  if (links_.count(a.device) == 0) return makeError(what + ": no device " + a.device, ENODEV);
  auto it = findAddress(a.device, a.prefix, false);
  if (it == addresses_.end()) {
    addresses_.push_back(FakeAddress{a, true});
    return {};
  }
  if (!it->floe) {
    return makeError(what + ": " + it->address.prefix.toString() + " exists already on " +
                         a.device + " and is not floe's; not replaced",
                     EEXIST);
  }
  it->address.lifetime_s = a.lifetime_s;
  return {};
}

Status FakeNetlink::removeAddress(const Address& a) {
  if (auto e = record("removeAddress " + a.device + " " + a.prefix.toString())) return *e;
  auto it = findAddress(a.device, a.prefix, true);
  if (it != addresses_.end() && it->floe) addresses_.erase(it);
  return {};
}

Result<std::vector<Address>> FakeNetlink::ownedAddresses() {
  if (auto e = record("ownedAddresses")) return *e;
  return floeAddresses();
}

Result<std::vector<ObservedAddress>> FakeNetlink::addresses() {
  if (auto e = record("addresses")) return *e;
  std::vector<ObservedAddress> out;
  for (const auto& a : addresses_) {
    if (links_.count(a.address.device) == 0) continue;
    out.push_back(ObservedAddress{a.address, a.floe, false, false});
  }
  return out;
}

Status FakeNetlink::refreshAddress(const Address& a) {
  if (auto e = record("refreshAddress " + a.device + " " + a.prefix.toString() +
                      " lifetime=" + std::to_string(a.lifetime_s))) {
    return *e;
  }
  if (links_.count(a.device) == 0) {
    return makeError("refresh address " + toString(a) + ": no device " + a.device, ENODEV);
  }
  // As the kernel's NLM_F_REPLACE: updates whatever is there, or creates it (tagged).
  auto it = findAddress(a.device, a.prefix, false);
  if (it == addresses_.end()) {
    addresses_.push_back(FakeAddress{a, true});
  } else {
    it->address.lifetime_s = a.lifetime_s;
  }
  return {};
}

Result<std::vector<ObservedRoute>> FakeNetlink::routes() {
  if (auto e = record("routes")) return *e;
  std::vector<ObservedRoute> out;
  for (const auto& r : routes_) {
    out.push_back(ObservedRoute{r.route, r.floe ? kRouteProtocol : uint8_t{3}, r.metric});
  }
  return out;
}

Status FakeNetlink::addRoute(const Route& r) {
  const std::string what = "add route " + toString(r);
  if (auto e = record("addRoute " + toString(r))) return *e;
  if (!r.gateway && !r.device)
    return makeError(what + ": a route needs a gateway or a device", EINVAL);
  if (r.device && links_.count(*r.device) == 0) {
    return makeError(what + ": no device " + *r.device, ENODEV);
  }
  for (const auto& held : routes_) {
    // floe adds with metric 0: a route to the same prefix with another metric is another slot.
    if (!sameSlot(held.route, r) || held.metric != 0) continue;
    if (!held.floe) {
      return makeError(what + ": route " + r.destination.toString() +
                           " exists already and is not floe's; not replaced",
                       EEXIST);
    }
    if (matches(r, held.route)) return {};
    return makeError(what + ": floe's route to " + r.destination.toString() +
                         " exists already with another gateway or device; remove it first",
                     EEXIST);
  }
  routes_.push_back(FakeRoute{r, true});
  return {};
}

Status FakeNetlink::removeRoute(const Route& r) {
  if (auto e = record("removeRoute " + toString(r))) return *e;
  auto it = std::find_if(routes_.begin(), routes_.end(), [&](const FakeRoute& held) {
    return held.floe && matches(r, held.route);
  });
  if (it != routes_.end()) routes_.erase(it);
  return {};
}

Result<std::vector<Route>> FakeNetlink::ownedRoutes() {
  if (auto e = record("ownedRoutes")) return *e;
  return floeRoutes();
}

}  // namespace floe::net
