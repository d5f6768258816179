#include "bgp/adj_rib_out.h"

namespace floe::bgp {
namespace {

size_t prefixSize(const Prefix& p) { return 1 + (p.length() + 7u) / 8u; }

// Greedily packs `prefixes` into copies of `base`, using `slot` to reach the prefix list of
// each copy, keeping every encoded message within 4096 bytes.
template <class Slot>
std::vector<UpdateMessage> pack(const std::vector<Prefix>& prefixes, const UpdateMessage& base,
                                bool fourOctetAs, Slot slot) {
  std::vector<UpdateMessage> out;
  if (prefixes.empty()) return out;
  // MP attributes are always written with the Extended Length bit, so each prefix adds
  // exactly its own size to the message.
  const size_t baseSize = encodeMessage(base, fourOctetAs).size();
  UpdateMessage current = base;
  size_t size = baseSize;
  for (const auto& p : prefixes) {
    if (size + prefixSize(p) > kMaxMessageSize && !slot(current).empty()) {
      out.push_back(std::move(current));
      current = base;
      size = baseSize;
    }
    slot(current).push_back(p);
    size += prefixSize(p);
  }
  out.push_back(std::move(current));
  return out;
}

}  // namespace

Result<std::vector<UpdateMessage>> buildAdvertisements(const std::vector<Prefix>& prefixes,
                                                       const AdvertisePolicy& policy) {
  std::vector<Prefix> v4, v6;
  for (const auto& p : prefixes) (p.address().isV4() ? v4 : v6).push_back(p);
  if (!v4.empty() && !(policy.nextHopV4 && policy.nextHopV4->isV4())) {
    return makeError("bgp: no IPv4 next hop to advertise " + v4.front().toString());
  }
  if (!v6.empty() && !(policy.nextHopV6 && policy.nextHopV6->isV6())) {
    return makeError("bgp: no IPv6 next hop to advertise " + v6.front().toString());
  }
  PathAttributes common;
  common.origin = Origin::kIgp;
  common.asPath = std::vector<AsPathSegment>{};
  if (!policy.ibgp) {
    // RFC 4271 §5.1.2: an external peer gets our AS first, prepended as configured.
    AsPathSegment seq{AsPathSegment::kAsSequence,
                      std::vector<uint32_t>(1u + policy.asPathPrepend, policy.localAs)};
    common.asPath->push_back(seq);
    if (!policy.fourOctetAs && policy.localAs > 0xffff) {
      common.as4Path = std::vector<AsPathSegment>{seq};  // RFC 6793 §4.2.2 (AS_TRANS)
    }
  } else {
    common.localPref = policy.localPreference;
  }
  if (!policy.communities.empty()) common.communities = policy.communities;

  std::vector<UpdateMessage> out;
  if (!v4.empty()) {
    UpdateMessage base;
    base.attributes = common;
    base.attributes.nextHop = policy.nextHopV4;
    auto msgs = pack(v4, base, policy.fourOctetAs,
                     [](UpdateMessage& u) -> std::vector<Prefix>& { return u.nlri; });
    out.insert(out.end(), msgs.begin(), msgs.end());
  }
  if (!v6.empty()) {
    UpdateMessage base;
    base.attributes = common;
    base.attributes.mpReach = MpReach{{kAfiIpv6, kSafiUnicast}, {*policy.nextHopV6}, {}};
    auto msgs = pack(v6, base, policy.fourOctetAs, [](UpdateMessage& u) -> std::vector<Prefix>& {
      return u.attributes.mpReach->nlri;
    });
    out.insert(out.end(), msgs.begin(), msgs.end());
  }
  return out;
}

std::vector<UpdateMessage> buildWithdrawals(const std::vector<Prefix>& prefixes, bool fourOctetAs) {
  std::vector<Prefix> v4, v6;
  for (const auto& p : prefixes) (p.address().isV4() ? v4 : v6).push_back(p);
  std::vector<UpdateMessage> out =
      pack(v4, UpdateMessage{}, fourOctetAs,
           [](UpdateMessage& u) -> std::vector<Prefix>& { return u.withdrawn; });
  UpdateMessage base;
  base.attributes.mpUnreach = MpUnreach{{kAfiIpv6, kSafiUnicast}, {}};
  auto msgs = pack(v6, base, fourOctetAs, [](UpdateMessage& u) -> std::vector<Prefix>& {
    return u.attributes.mpUnreach->withdrawn;
  });
  out.insert(out.end(), msgs.begin(), msgs.end());
  return out;
}

Result<std::vector<UpdateMessage>> AdjRibOut::sync(const std::set<Prefix>& desired,
                                                   const AdvertisePolicy& policy) {
  std::vector<Prefix> gone, fresh;
  for (const auto& p : advertised_) {
    if (!desired.contains(p)) gone.push_back(p);
  }
  const bool policyChanged = !policy_ || !(*policy_ == policy);
  for (const auto& p : desired) {
    if (policyChanged || !advertised_.contains(p)) fresh.push_back(p);
  }
  auto adverts = buildAdvertisements(fresh, policy);
  if (!adverts) return adverts.error();  // nothing changes: the peer still holds advertised_
  std::vector<UpdateMessage> out = buildWithdrawals(gone, policy.fourOctetAs);
  out.insert(out.end(), adverts->begin(), adverts->end());
  advertised_ = desired;
  policy_ = policy;
  return out;
}

Result<std::vector<UpdateMessage>> AdjRibOut::full() const {
  if (!policy_) return std::vector<UpdateMessage>{};
  return buildAdvertisements(std::vector<Prefix>(advertised_.begin(), advertised_.end()), *policy_);
}

void AdjRibOut::reset() {
  advertised_.clear();
  policy_.reset();
}

}  // namespace floe::bgp
