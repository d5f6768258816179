// UPDATE codec (RFC 4271 §4.3, §5, §6.3) with RFC 7606 revised error handling; path
// attributes of RFC 1997, RFC 4760 and RFC 6793.
#include <algorithm>
#include <array>
#include <bitset>

#include "bgp/message.h"
#include "bgp/wire.h"

namespace floe::bgp {

Decoded<UpdateMessage> decodeUpdate(std::span<const uint8_t> b, const DecodeOptions& options);
void encodeUpdateBody(const UpdateMessage& u, bool fourOctetAs, std::vector<uint8_t>& out);

namespace {

using wire::get16;
using wire::get32;
using wire::put16;
using wire::put32;

DecodeError updateError(uint8_t subcode, size_t offset, std::string reason,
                        std::vector<uint8_t> data = {}) {
  return DecodeError{ErrorCode::kUpdateMessageError, subcode, offset, std::move(data),
                     std::move(reason)};
}

// Flags the RFCs fix for each attribute floe knows (Optional and Transitive bits only).
// 0xff: unknown type.
uint8_t expectedFlags(uint8_t type) {
  switch (type) {
    case attr::kOrigin:
    case attr::kAsPath:
    case attr::kNextHop:
    case attr::kLocalPref:
    case attr::kAtomicAggregate:
      return attr::kFlagTransitive;  // well-known
    case attr::kMultiExitDisc:
    case attr::kMpReachNlri:
    case attr::kMpUnreachNlri:
      return attr::kFlagOptional;  // optional non-transitive
    case attr::kAggregator:
    case attr::kCommunities:
    case attr::kAs4Path:
    case attr::kAs4Aggregator:
      return attr::kFlagOptional | attr::kFlagTransitive;
    default:
      return 0xff;
  }
}

// RFC 4271 §4.3 AS_PATH; RFC 7606 §7.2: a zero-length segment or an unknown type is malformed.
bool parseAsPath(std::span<const uint8_t> v, size_t asSize, std::vector<AsPathSegment>& out) {
  size_t pos = 0;
  while (pos < v.size()) {
    if (pos + 2 > v.size()) return false;
    const uint8_t type = v[pos];
    const size_t count = v[pos + 1];
    if (type < AsPathSegment::kAsSet || type > AsPathSegment::kConfedSet || count == 0) {
      return false;
    }
    if (pos + 2 + count * asSize > v.size()) return false;
    AsPathSegment seg;
    seg.type = static_cast<AsPathSegment::Type>(type);
    for (size_t i = 0; i < count; ++i) {
      const size_t at = pos + 2 + i * asSize;
      seg.asns.push_back(asSize == 4 ? get32(v, at) : get16(v, at));
    }
    out.push_back(std::move(seg));
    pos += 2 + count * asSize;
  }
  return true;
}

void putAsPath(std::vector<uint8_t>& out, const std::vector<AsPathSegment>& path, bool four) {
  for (const auto& seg : path) {
    for (size_t start = 0; start < seg.asns.size(); start += 255) {
      const size_t n = std::min<size_t>(255, seg.asns.size() - start);
      out.push_back(seg.type);
      out.push_back(static_cast<uint8_t>(n));
      for (size_t i = start; i < start + n; ++i) {
        if (four) {
          put32(out, seg.asns[i]);
        } else {
          put16(out, seg.asns[i] > 0xffff ? kAsTrans : static_cast<uint16_t>(seg.asns[i]));
        }
      }
    }
  }
}

class UpdateDecoder {
 public:
  UpdateDecoder(std::span<const uint8_t> b, const DecodeOptions& o) : b_(b), options_(o) {}

  Decoded<UpdateMessage> run() {
    const size_t withdrawnLen = get16(b_, 19);
    if (21 + withdrawnLen + 2 > b_.size()) {
      return updateError(
          update_subcode::kMalformedAttributeList, 19,
          "Withdrawn Routes Length " + std::to_string(withdrawnLen) + " overruns the message");
    }
    size_t bad = 0;
    if (!wire::parsePrefixes(b_.subspan(21, withdrawnLen), false, u_.withdrawn, bad)) {
      return updateError(update_subcode::kInvalidNetworkField, 21 + bad,
                         "withdrawn prefix does not fit");
    }
    const size_t attrLenAt = 21 + withdrawnLen;
    const size_t attrLen = get16(b_, attrLenAt);
    const size_t attrStart = attrLenAt + 2;
    if (attrStart + attrLen > b_.size()) {
      // RFC 7606 §4: the NLRI cannot be located, so the session is reset.
      return updateError(
          update_subcode::kMalformedAttributeList, attrLenAt,
          "Total Path Attribute Length " + std::to_string(attrLen) + " overruns the message");
    }
    if (auto err = parseAttributes(attrStart, attrStart + attrLen)) return std::move(*err);
    const size_t nlriStart = attrStart + attrLen;
    if (!wire::parsePrefixes(b_.subspan(nlriStart), false, u_.nlri, bad)) {
      return updateError(update_subcode::kInvalidNetworkField, nlriStart + bad,
                         "NLRI prefix does not fit");
    }
    checkMandatory(attrStart);
    // Kept in type-code order, the order the encoder writes (so decode(encode(x)) == x).
    std::stable_sort(u_.attributes.other.begin(), u_.attributes.other.end(),
                     [](const RawAttribute& x, const RawAttribute& y) { return x.type < y.type; });
    return std::move(u_);
  }

 private:
  void soft(ErrorAction action, uint8_t subcode, uint8_t type, size_t offset, std::string why) {
    u_.errors.push_back({action, subcode, type, offset, std::move(why)});
  }

  // RFC 7606 §3(d): well-known mandatory attributes missing while NLRI is present.
  void checkMandatory(size_t attrStart) {
    const bool reach =
        !u_.nlri.empty() || (u_.attributes.mpReach && !u_.attributes.mpReach->nlri.empty());
    if (!reach) return;
    auto missing = [&](uint8_t type, const char* name) {
      soft(ErrorAction::kTreatAsWithdraw, update_subcode::kMissingWellKnownAttribute, type,
           attrStart, std::string("missing ") + name);
    };
    if (!u_.attributes.origin && !seen_[attr::kOrigin]) missing(attr::kOrigin, "ORIGIN");
    if (!u_.attributes.asPath && !seen_[attr::kAsPath]) missing(attr::kAsPath, "AS_PATH");
    if (!u_.nlri.empty() && !u_.attributes.nextHop && !seen_[attr::kNextHop]) {
      missing(attr::kNextHop, "NEXT_HOP");
    }
  }

  std::optional<DecodeError> parseAttributes(size_t pos, size_t end) {
    while (pos < end) {
      const size_t at = pos;
      if (pos + 3 > end) {
        soft(ErrorAction::kTreatAsWithdraw, update_subcode::kMalformedAttributeList, 0, at,
             "attribute header overruns Total Path Attribute Length");
        return std::nullopt;  // RFC 7606 §4: nothing after it can be trusted
      }
      const uint8_t flags = b_[pos];
      const uint8_t type = b_[pos + 1];
      const bool ext = (flags & attr::kFlagExtendedLength) != 0;
      if (ext && pos + 4 > end) {
        soft(ErrorAction::kTreatAsWithdraw, update_subcode::kMalformedAttributeList, type, at,
             "attribute header overruns Total Path Attribute Length");
        return std::nullopt;
      }
      const size_t len = ext ? get16(b_, pos + 2) : b_[pos + 2];
      const size_t valueAt = pos + (ext ? 4 : 3);
      if (valueAt + len > end) {
        if (type == attr::kMpReachNlri || type == attr::kMpUnreachNlri) {
          return updateError(update_subcode::kAttributeLengthError, at,
                             "MP attribute overruns Total Path Attribute Length");
        }
        soft(ErrorAction::kTreatAsWithdraw, update_subcode::kAttributeLengthError, type, at,
             "attribute length " + std::to_string(len) + " overruns the attribute list");
        return std::nullopt;
      }
      pos = valueAt + len;
      const auto whole = b_.subspan(at, pos - at);
      const auto value = b_.subspan(valueAt, len);
      if (auto err = parseOne(flags, type, at, whole, value)) return err;
    }
    return std::nullopt;
  }

  std::optional<DecodeError> parseOne(uint8_t flags, uint8_t type, size_t at,
                                      std::span<const uint8_t> whole, std::span<const uint8_t> v) {
    const std::vector<uint8_t> data(whole.begin(), whole.end());  // §6.3: Data = the attribute
    const bool mp = type == attr::kMpReachNlri || type == attr::kMpUnreachNlri;
    if (seen_[type]) {
      // RFC 7606 §3(g): keep the first; a repeated MP attribute resets the session.
      if (mp)
        return updateError(update_subcode::kMalformedAttributeList, at, "repeated MP attribute",
                           data);
      soft(ErrorAction::kAttributeDiscard, update_subcode::kMalformedAttributeList, type, at,
           "repeated attribute type " + std::to_string(type));
      return std::nullopt;
    }
    seen_[type] = true;
    u_.attributes.wireLayout.emplace_back(type, (flags & attr::kFlagExtendedLength) != 0);
    const uint8_t expected = expectedFlags(type);
    if (expected == 0xff) {
      if ((flags & attr::kFlagOptional) == 0) {
        return updateError(update_subcode::kUnrecognizedWellKnownAttribute, at,
                           "unrecognized well-known attribute type " + std::to_string(type), data);
      }
      u_.attributes.other.push_back({flags, type, std::vector<uint8_t>(v.begin(), v.end())});
      return std::nullopt;
    }
    if ((flags & (attr::kFlagOptional | attr::kFlagTransitive)) != expected) {
      if (mp)
        return updateError(update_subcode::kAttributeFlagsError, at, "MP attribute flags", data);
      // RFC 7606 §3(c).
      soft(ErrorAction::kTreatAsWithdraw, update_subcode::kAttributeFlagsError, type, at,
           "attribute type " + std::to_string(type) + " with flags " + std::to_string(flags));
      return std::nullopt;
    }
    auto& a = u_.attributes;
    auto taw = [&](uint8_t subcode, std::string why) {
      soft(ErrorAction::kTreatAsWithdraw, subcode, type, at, std::move(why));
    };
    auto discard = [&](uint8_t subcode, std::string why) {
      soft(ErrorAction::kAttributeDiscard, subcode, type, at, std::move(why));
    };
    switch (type) {
      case attr::kOrigin:  // RFC 7606 §7.1
        if (v.size() != 1)
          return taw(update_subcode::kAttributeLengthError, "ORIGIN length"), std::nullopt;
        if (v[0] > 2)
          return taw(update_subcode::kInvalidOriginAttribute,
                     "ORIGIN value " + std::to_string(v[0])),
                 std::nullopt;
        a.origin = static_cast<Origin>(v[0]);
        break;
      case attr::kAsPath: {  // RFC 7606 §7.2
        std::vector<AsPathSegment> path;
        if (!parseAsPath(v, options_.fourOctetAs ? 4 : 2, path)) {
          taw(update_subcode::kMalformedAsPath, "malformed AS_PATH");
        } else {
          a.asPath = std::move(path);
        }
        break;
      }
      case attr::kNextHop: {  // RFC 7606 §7.3
        if (v.size() != 4)
          return taw(update_subcode::kAttributeLengthError, "NEXT_HOP length"), std::nullopt;
        const uint32_t nh = get32(v, 0);
        if (nh == 0 || (nh >> 28) >= 0xe) {
          taw(update_subcode::kInvalidNextHopAttribute, "NEXT_HOP is not a unicast address");
        } else {
          a.nextHop = IpAddress::fromV4(nh);
        }
        break;
      }
      case attr::kMultiExitDisc:  // RFC 7606 §7.4
        if (v.size() != 4)
          return taw(update_subcode::kAttributeLengthError, "MULTI_EXIT_DISC length"), std::nullopt;
        a.multiExitDisc = get32(v, 0);
        break;
      case attr::kLocalPref:  // RFC 7606 §7.5
        if (!options_.ibgp) {
          discard(0, "LOCAL_PREF from an external peer");
        } else if (v.size() != 4) {
          taw(update_subcode::kAttributeLengthError, "LOCAL_PREF length");
        } else {
          a.localPref = get32(v, 0);
        }
        break;
      case attr::kAtomicAggregate:  // RFC 7606 §7.6
        if (!v.empty())
          return discard(update_subcode::kAttributeLengthError, "ATOMIC_AGGREGATE length"),
                 std::nullopt;
        a.atomicAggregate = true;
        break;
      case attr::kAggregator: {  // RFC 7606 §7.7
        const size_t asSize = options_.fourOctetAs ? 4 : 2;
        if (v.size() != asSize + 4)
          return discard(update_subcode::kAttributeLengthError, "AGGREGATOR length"), std::nullopt;
        a.aggregator = Aggregator{asSize == 4 ? get32(v, 0) : get16(v, 0),
                                  IpAddress::fromV4(get32(v, asSize))};
        break;
      }
      case attr::kCommunities: {  // RFC 7606 §7.8
        if (v.empty() || v.size() % 4 != 0) {
          return taw(update_subcode::kOptionalAttributeError,
                     "COMMUNITIES length " + std::to_string(v.size())),
                 std::nullopt;
        }
        std::vector<uint32_t> c;
        for (size_t i = 0; i < v.size(); i += 4) c.push_back(get32(v, i));
        a.communities = std::move(c);
        break;
      }
      case attr::kMpReachNlri:
        return parseMpReach(at, v, data);
      case attr::kMpUnreachNlri:
        return parseMpUnreach(at, v, data);
      case attr::kAs4Path: {  // RFC 6793 §6: malformed AS4_PATH is discarded
        std::vector<AsPathSegment> path;
        if (options_.fourOctetAs) {
          discard(0, "AS4_PATH on a 4-octet AS session");
        } else if (!parseAsPath(v, 4, path)) {
          discard(update_subcode::kMalformedAsPath, "malformed AS4_PATH");
        } else {
          a.as4Path = std::move(path);
        }
        break;
      }
      case attr::kAs4Aggregator:
        if (v.size() != 8)
          return discard(update_subcode::kAttributeLengthError, "AS4_AGGREGATOR length"),
                 std::nullopt;
        a.other.push_back({flags, type, std::vector<uint8_t>(v.begin(), v.end())});
        break;
      default:
        break;
    }
    return std::nullopt;
  }

  static bool familyOf(uint16_t afi, uint8_t safi, bool& v6) {
    if (safi != kSafiUnicast) return false;
    if (afi == kAfiIpv4)
      v6 = false;
    else if (afi == kAfiIpv6)
      v6 = true;
    else
      return false;
    return true;
  }

  // RFC 4760 §3; RFC 7606 §5.3/§7.11: an MP_REACH that cannot be parsed resets the session.
  std::optional<DecodeError> parseMpReach(size_t at, std::span<const uint8_t> v,
                                          const std::vector<uint8_t>& data) {
    if (v.size() < 5)
      return updateError(update_subcode::kOptionalAttributeError, at, "MP_REACH_NLRI too short",
                         data);
    MpReach r;
    r.family = {get16(v, 0), v[2]};
    bool v6 = false;
    if (!familyOf(r.family.afi, r.family.safi, v6)) {
      soft(ErrorAction::kAttributeDiscard, update_subcode::kOptionalAttributeError,
           attr::kMpReachNlri, at, "MP_REACH_NLRI for an address family floe does not speak");
      return std::nullopt;
    }
    const size_t nhLen = v[3];
    const bool nhOk = v6 ? (nhLen == 16 || nhLen == 32) : nhLen == 4;
    if (!nhOk || 4 + nhLen + 1 > v.size()) {
      return updateError(update_subcode::kOptionalAttributeError, at,
                         "MP_REACH_NLRI next hop length " + std::to_string(nhLen), data);
    }
    for (size_t i = 0; i < nhLen; i += v6 ? 16 : 4) {
      if (v6) {
        std::array<uint8_t, 16> bytes{};
        std::copy_n(v.begin() + static_cast<std::ptrdiff_t>(4 + i), 16, bytes.begin());
        r.nextHops.push_back(IpAddress::fromV6(bytes));
      } else {
        r.nextHops.push_back(IpAddress::fromV4(get32(v, 4)));
      }
    }
    const size_t nlriAt = 4 + nhLen + 1;  // one reserved octet (RFC 4760 §3)
    size_t bad = 0;
    if (!wire::parsePrefixes(v.subspan(nlriAt), v6, r.nlri, bad)) {
      return updateError(update_subcode::kOptionalAttributeError, at,
                         "MP_REACH_NLRI prefix does not fit", data);
    }
    u_.attributes.mpReach = std::move(r);
    return std::nullopt;
  }

  std::optional<DecodeError> parseMpUnreach(size_t at, std::span<const uint8_t> v,
                                            const std::vector<uint8_t>& data) {
    if (v.size() < 3)
      return updateError(update_subcode::kOptionalAttributeError, at, "MP_UNREACH_NLRI too short",
                         data);
    MpUnreach r;
    r.family = {get16(v, 0), v[2]};
    bool v6 = false;
    if (!familyOf(r.family.afi, r.family.safi, v6)) {
      soft(ErrorAction::kAttributeDiscard, update_subcode::kOptionalAttributeError,
           attr::kMpUnreachNlri, at, "MP_UNREACH_NLRI for an address family floe does not speak");
      return std::nullopt;
    }
    size_t bad = 0;
    if (!wire::parsePrefixes(v.subspan(3), v6, r.withdrawn, bad)) {
      return updateError(update_subcode::kOptionalAttributeError, at,
                         "MP_UNREACH_NLRI prefix does not fit", data);
    }
    u_.attributes.mpUnreach = std::move(r);
    return std::nullopt;
  }

  std::span<const uint8_t> b_;
  const DecodeOptions& options_;
  UpdateMessage u_;
  std::bitset<256> seen_;
};

void putAttribute(std::vector<uint8_t>& out, uint8_t flags, uint8_t type,
                  const std::vector<uint8_t>& value) {
  const bool ext = (flags & attr::kFlagExtendedLength) != 0 || value.size() > 255;
  out.push_back(static_cast<uint8_t>(ext ? flags | attr::kFlagExtendedLength : flags));
  out.push_back(type);
  if (ext) {
    put16(out, static_cast<uint16_t>(value.size()));
  } else {
    out.push_back(static_cast<uint8_t>(value.size()));
  }
  out.insert(out.end(), value.begin(), value.end());
}

}  // namespace

std::string_view errorActionName(ErrorAction a) {
  switch (a) {
    case ErrorAction::kNone:
      return "none";
    case ErrorAction::kAttributeDiscard:
      return "attribute-discard";
    case ErrorAction::kTreatAsWithdraw:
      return "treat-as-withdraw";
    case ErrorAction::kSessionReset:
      return "session-reset";
  }
  return "?";
}

ErrorAction UpdateMessage::action() const {
  ErrorAction worst = ErrorAction::kNone;
  for (const auto& e : errors) worst = std::max(worst, e.action);
  return worst;
}

Decoded<UpdateMessage> decodeUpdate(std::span<const uint8_t> b, const DecodeOptions& options) {
  return UpdateDecoder(b, options).run();
}

void encodeUpdateBody(const UpdateMessage& u, bool fourOctetAs, std::vector<uint8_t>& out) {
  const size_t wAt = out.size();
  put16(out, 0);
  for (const auto& p : u.withdrawn) wire::putPrefix(out, p);
  wire::set16(out, wAt, static_cast<uint16_t>(out.size() - wAt - 2));

  // Each attribute encoded alone, then written in type-code order (RFC 4271 §5 recommends
  // ascending order; receivers must accept any).
  std::vector<std::pair<uint8_t, std::vector<uint8_t>>> attrs;
  const auto& a = u.attributes;
  auto add = [&](uint8_t flags, uint8_t type, const std::vector<uint8_t>& value) {
    for (const auto& [t, ext] : a.wireLayout) {
      if (t == type) {
        flags = static_cast<uint8_t>((flags & ~attr::kFlagExtendedLength) |
                                     (ext ? attr::kFlagExtendedLength : 0));
        break;
      }
    }
    std::vector<uint8_t> bytes;
    putAttribute(bytes, flags, type, value);
    attrs.emplace_back(type, std::move(bytes));
  };
  constexpr uint8_t kWellKnown = attr::kFlagTransitive;
  constexpr uint8_t kOptTrans = attr::kFlagOptional | attr::kFlagTransitive;
  if (a.origin) add(kWellKnown, attr::kOrigin, {static_cast<uint8_t>(*a.origin)});
  if (a.asPath) {
    std::vector<uint8_t> v;
    putAsPath(v, *a.asPath, fourOctetAs);
    add(kWellKnown, attr::kAsPath, v);
  }
  if (a.nextHop) {
    std::vector<uint8_t> v;
    put32(v, a.nextHop->v4HostOrder());
    add(kWellKnown, attr::kNextHop, v);
  }
  if (a.multiExitDisc) {
    std::vector<uint8_t> v;
    put32(v, *a.multiExitDisc);
    add(attr::kFlagOptional, attr::kMultiExitDisc, v);
  }
  if (a.localPref) {
    std::vector<uint8_t> v;
    put32(v, *a.localPref);
    add(kWellKnown, attr::kLocalPref, v);
  }
  if (a.atomicAggregate) add(kWellKnown, attr::kAtomicAggregate, {});
  if (a.aggregator) {
    std::vector<uint8_t> v;
    if (fourOctetAs) {
      put32(v, a.aggregator->as);
    } else {
      put16(v, a.aggregator->as > 0xffff ? kAsTrans : static_cast<uint16_t>(a.aggregator->as));
    }
    put32(v, a.aggregator->address.v4HostOrder());
    add(kOptTrans, attr::kAggregator, v);
  }
  if (a.communities) {
    std::vector<uint8_t> v;
    for (uint32_t c : *a.communities) put32(v, c);
    add(kOptTrans, attr::kCommunities, v);
  }
  if (a.mpReach) {
    std::vector<uint8_t> v;
    put16(v, a.mpReach->family.afi);
    v.push_back(a.mpReach->family.safi);
    const size_t nhAt = v.size();
    v.push_back(0);
    for (const auto& nh : a.mpReach->nextHops) {
      const size_t n = nh.isV4() ? 4 : 16;
      v.insert(v.end(), nh.bytes().begin(), nh.bytes().begin() + static_cast<std::ptrdiff_t>(n));
    }
    v[nhAt] = static_cast<uint8_t>(v.size() - nhAt - 1);
    v.push_back(0);  // reserved
    for (const auto& p : a.mpReach->nlri) wire::putPrefix(v, p);
    add(attr::kFlagOptional | attr::kFlagExtendedLength, attr::kMpReachNlri, v);
  }
  if (a.mpUnreach) {
    std::vector<uint8_t> v;
    put16(v, a.mpUnreach->family.afi);
    v.push_back(a.mpUnreach->family.safi);
    for (const auto& p : a.mpUnreach->withdrawn) wire::putPrefix(v, p);
    add(attr::kFlagOptional | attr::kFlagExtendedLength, attr::kMpUnreachNlri, v);
  }
  if (a.as4Path) {
    std::vector<uint8_t> v;
    putAsPath(v, *a.as4Path, true);
    add(kOptTrans, attr::kAs4Path, v);
  }
  for (const auto& raw : a.other) add(raw.flags, raw.type, raw.value);
  // The decoded layout first (in its order), then the rest in type-code order.
  auto rank = [&](uint8_t type) -> size_t {
    for (size_t i = 0; i < a.wireLayout.size(); ++i) {
      if (a.wireLayout[i].first == type) return i;
    }
    return a.wireLayout.size() + type;
  };
  std::stable_sort(attrs.begin(), attrs.end(),
                   [&](const auto& x, const auto& y) { return rank(x.first) < rank(y.first); });

  const size_t aAt = out.size();
  put16(out, 0);
  for (const auto& [type, bytes] : attrs) out.insert(out.end(), bytes.begin(), bytes.end());
  wire::set16(out, aAt, static_cast<uint16_t>(out.size() - aAt - 2));
  for (const auto& p : u.nlri) wire::putPrefix(out, p);
}

}  // namespace floe::bgp
