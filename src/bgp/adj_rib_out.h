// Adj-RIB-Out (RFC 4271 §3.2, §9.2): what floe advertises to one peer, as UPDATE messages.
// Pure: prefixes and a policy in, UpdateMessages out; the FSM sends them.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "bgp/message.h"
#include "common/result.h"

namespace floe::bgp {

// How the routes to one peer look (from Avi's bgp_profile and the peer entry).
struct AdvertisePolicy {
  uint32_t localAs = 0;
  bool ibgp = false;                   // LOCAL_PREF sent, empty AS_PATH (RFC 4271 §5.1.2, §5.1.5)
  bool fourOctetAs = true;             // the session's negotiated AS width (RFC 6793)
  std::optional<IpAddress> nextHopV4;  // NEXT_HOP for IPv4 prefixes (the SE's address)
  std::optional<IpAddress> nextHopV6;  // MP_REACH next hop for IPv6 prefixes (RFC 2545)
  uint32_t localPreference = 100;      // bgp_profile local_preference; iBGP only
  std::vector<uint32_t> communities;   // bgp_profile community, RFC 1997 (AS << 16 | value)
  // bgp_profile num_as_path_prepend: extra copies of localAs, eBGP only (an internal peer
  // would drop a path holding its own AS, RFC 4271 §9.1.2).
  uint8_t asPathPrepend = 0;
  bool operator==(const AdvertisePolicy&) const = default;
};

// UPDATEs that advertise `prefixes` (IPv4 in the NLRI field, IPv6 in MP_REACH_NLRI, RFC 4760),
// as few as fit in 4096-byte messages. Error: a prefix whose family has no next hop.
Result<std::vector<UpdateMessage>> buildAdvertisements(const std::vector<Prefix>& prefixes,
                                                       const AdvertisePolicy& policy);

// UPDATEs that withdraw `prefixes` (IPv4 in Withdrawn Routes, IPv6 in MP_UNREACH_NLRI).
std::vector<UpdateMessage> buildWithdrawals(const std::vector<Prefix>& prefixes, bool fourOctetAs);

// Tracks what one peer was told and produces the difference to a desired set.
class AdjRibOut {
 public:
  // UPDATEs that take the peer from what it holds to `desired` under `policy`: withdrawals
  // for prefixes no longer desired, advertisements for new ones, and for all of them when
  // the policy changed (an UPDATE replaces the previous route, RFC 4271 §3.1).
  Result<std::vector<UpdateMessage>> sync(const std::set<Prefix>& desired,
                                          const AdvertisePolicy& policy);
  // Everything again, for ROUTE-REFRESH (RFC 2918) or a new session after reset().
  Result<std::vector<UpdateMessage>> full() const;
  // The session went down: the peer holds nothing now.
  void reset();
  const std::set<Prefix>& advertised() const { return advertised_; }

 private:
  std::set<Prefix> advertised_;
  std::optional<AdvertisePolicy> policy_;
};

}  // namespace floe::bgp
