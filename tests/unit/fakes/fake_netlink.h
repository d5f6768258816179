// FakeNetlink: the recording fake behind net::Netlink. Holds links, addresses and routes in
// memory with the kernel implementation's ownership rules (floe's objects vs. everyone else's),
// records every call as one line of text, and fails chosen calls on request.
//
//   FakeNetlink nl;
//   nl.addLink("eth0", {*Prefix::parse("10.10.1.11/24")});
//   nl.failNext("addRoute 0.0.0.0/0", Error{"exists", EEXIST});
//   ... run the code under test ...
//   EXPECT_THAT(nl.calls(), Contains("addAddress eth0 10.10.1.100/32 lifetime=6"));
//
// Call lines: "links", "ensureLocalDevice floe0", "deleteLink floe0",
// "addAddress eth0 10.10.1.100/32 lifetime=6", "removeAddress eth0 10.10.1.100/32",
// "ownedAddresses", "addRoute 0.0.0.0/0 via 10.10.1.1[ dev eth0][ table 100]",
// "removeRoute <same form>", "ownedRoutes", "addresses", "routes",
// "refreshAddress eth0 10.10.1.100/32 lifetime=6".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/netlink.h"

namespace floe::net {

class FakeNetlink final : public Netlink {
 public:
  // --- setup (not recorded) ---
  // Adds a link holding `addresses` as someone else's (the host's own interface addresses).
  // Returns its ifindex (1, 2, ...).
  int addLink(const std::string& name, std::vector<Prefix> addresses = {}, bool up = true,
              const std::string& kind = "");
  void setLinkUp(const std::string& name, bool up);
  // Someone else's address or route: never in owned*(), never removed by remove*().
  void addForeignAddress(const std::string& device, const Prefix& prefix);
  void addForeignRoute(const Route& route, uint32_t metric = 0);
  // What the host (or an administrator) does behind floe's back, as the kernel would:
  // `ip link del` (its addresses and routes go with it), `ip link set down` (routes through it
  // are flushed; addresses stay), `ip addr del` of anyone's address.
  void removeLinkBehindBack(const std::string& name);
  void setLinkDownAndFlush(const std::string& name);
  void removeAddressBehindBack(const std::string& device, const Prefix& prefix);

  // --- failures ---
  // The next `times` calls whose line starts with `callPrefix` ("addRoute", "addAddress eth0")
  // return `error` and change nothing. failAlways: every such call, until clearFailures().
  void failNext(const std::string& callPrefix, Error error, int times = 1);
  void failAlways(const std::string& callPrefix, Error error);
  void clearFailures() { failures_.clear(); }

  // --- inspection (not recorded) ---
  const std::vector<std::string>& calls() const { return calls_; }
  // The calls of one method: callsOf("addAddress").
  std::vector<std::string> callsOf(std::string_view method) const;
  void clearCalls() { calls_.clear(); }
  std::vector<Address> floeAddresses() const;  // floe's, as ownedAddresses() would say
  std::vector<Route> floeRoutes() const;       // floe's, as ownedRoutes() would say
  std::vector<Route> foreignRoutes() const;
  std::optional<Link> link(const std::string& name) const;
  // What a dead floe-se leaves: its addresses with a lifetime run out, the rest stays.
  void expireAddresses();

  // --- Netlink ---
  Result<std::vector<Link>> links() override;
  Status ensureLocalDevice(const std::string& name) override;
  Status deleteLink(const std::string& name) override;
  Status addAddress(const Address& a) override;
  Status removeAddress(const Address& a) override;
  Result<std::vector<Address>> ownedAddresses() override;
  Status addRoute(const Route& r) override;
  Status removeRoute(const Route& r) override;
  Result<std::vector<Route>> ownedRoutes() override;
  Result<std::vector<ObservedAddress>> addresses() override;   // call line "addresses"
  Status refreshAddress(const Address& a) override;  // "refreshAddress eth0 10.10.1.100/32 lifetime=6"
  Result<std::vector<ObservedRoute>> routes() override;  // call line "routes"

 private:
  struct FakeLink {
    int ifindex = 0;
    std::string kind;  // "" (physical), "dummy", ...
    bool up = true;
    std::array<uint8_t, 6> mac{};
  };
  struct FakeAddress {
    Address address;
    bool floe = false;
  };
  struct FakeRoute {
    Route route;
    bool floe = false;
    uint32_t metric = 0;
  };
  struct Failure {
    std::string prefix;
    Error error;
    int remaining = 1;  // < 0: always
  };

  // Records `line`; returns the injected failure for it, if any.
  std::optional<Error> record(std::string line);
  std::vector<FakeAddress>::iterator findAddress(const std::string& device, const Prefix& p,
                                                 bool exact);

  std::map<std::string, FakeLink> links_;
  std::vector<FakeAddress> addresses_;
  std::vector<FakeRoute> routes_;
  std::vector<std::string> calls_;
  std::vector<Failure> failures_;
  int nextIfindex_ = 1;
};

}  // namespace floe::net
