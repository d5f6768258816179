#include "net/rtnl_codec.h"

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <memory>

namespace floe::net::rtnl {

namespace {

constexpr size_t kLabelMax = IFNAMSIZ - 1;
constexpr std::string_view kSuffix = ":floe";

// --- building --------------------------------------------------------------------------------

struct MsgFree {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};
using Msg = std::unique_ptr<nl_msg, MsgFree>;

template <class FamilyHeader>
Msg start(uint16_t type, uint16_t flags, const FamilyHeader& header) {
  Msg msg(nlmsg_alloc_simple(type, flags));
  assert(msg && "out of memory");
  [[maybe_unused]] int rc =
      nlmsg_append(msg.get(), const_cast<FamilyHeader*>(&header), sizeof(header), NLMSG_ALIGNTO);
  assert(rc == 0);
  return msg;
}

// Requests are small; nla_put fails only past the message's page-sized buffer.
void put(nl_msg* msg, int type, const void* data, size_t length) {
  [[maybe_unused]] int rc = nla_put(msg, type, static_cast<int>(length), data);
  assert(rc == 0 && "netlink request larger than a page");
}
void putU32(nl_msg* msg, int type, uint32_t v) { put(msg, type, &v, sizeof v); }
void putU8(nl_msg* msg, int type, uint8_t v) { put(msg, type, &v, sizeof v); }
void putString(nl_msg* msg, int type, const std::string& s) {
  put(msg, type, s.c_str(), s.size() + 1);
}
void putAddress(nl_msg* msg, int type, const IpAddress& a) {
  put(msg, type, a.bytes().data(), a.isV4() ? 4 : 16);
}

Bytes finish(const Msg& msg) {
  const nlmsghdr* h = nlmsg_hdr(msg.get());
  const auto* p = reinterpret_cast<const uint8_t*>(h);
  return Bytes(p, p + h->nlmsg_len);
}

uint8_t routeTableField(uint32_t table) {
  return table < 256 ? static_cast<uint8_t>(table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
}

// --- parsing ---------------------------------------------------------------------------------

// A copy of one message in 8-byte aligned storage, so libnl may read it through nlmsghdr*.
class Aligned {
 public:
  explicit Aligned(std::span<const uint8_t> message) : words_((message.size() + 7) / 8) {
    std::memcpy(words_.data(), message.data(), message.size());
  }
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(words_.data()); }

 private:
  std::vector<uint64_t> words_;
};

Error malformed(const char* what, const std::string& detail) {
  return makeError(std::string("malformed ") + what + " message: " + detail, EBADMSG);
}

// A decoder's input is one whole message, as splitMessages cuts it.
Status framed(std::span<const uint8_t> message, const char* what) {
  if (message.size() < NLMSG_HDRLEN) return malformed(what, "shorter than a netlink header");
  nlmsghdr raw;
  std::memcpy(&raw, message.data(), sizeof raw);
  if (raw.nlmsg_len != message.size()) {
    return malformed(what, "nlmsg_len " + std::to_string(raw.nlmsg_len) + " but " +
                               std::to_string(message.size()) + " bytes");
  }
  return {};
}

// Parses the attributes after a family header of `headerSize` bytes into tb[0..maxType].
Status parse(nlmsghdr* h, size_t headerSize, nlattr** tb, int maxType, const char* what) {
  if (h->nlmsg_len < NLMSG_HDRLEN + headerSize) {
    return malformed(what, "length " + std::to_string(h->nlmsg_len) + " shorter than its " +
                               std::to_string(NLMSG_HDRLEN + headerSize) + "-byte headers");
  }
  if (int rc = nlmsg_parse(h, static_cast<int>(headerSize), tb, maxType, nullptr); rc < 0) {
    return malformed(what, "attributes do not parse");
  }
  return {};
}

std::string getString(const nlattr* a) {
  const auto* p = static_cast<const char*>(nla_data(a));
  return std::string(p, strnlen(p, static_cast<size_t>(nla_len(a))));
}

std::optional<uint32_t> getU32(const nlattr* a) {
  if (a == nullptr || nla_len(a) < 4) return std::nullopt;
  uint32_t v;
  std::memcpy(&v, nla_data(a), sizeof v);
  return v;
}

std::optional<IpAddress> getAddress(const nlattr* a, int family) {
  if (family == AF_INET && nla_len(a) == 4) {
    uint32_t v;
    std::memcpy(&v, nla_data(a), 4);
    return IpAddress::fromV4(ntohl(v));
  }
  if (family == AF_INET6 && nla_len(a) == 16) {
    std::array<uint8_t, 16> b;
    std::memcpy(b.data(), nla_data(a), 16);
    return IpAddress::fromV6(b);
  }
  return std::nullopt;
}

IpAddress zeroOf(int family) { return family == AF_INET ? IpAddress() : IpAddress::fromV6({}); }

}  // namespace

std::string addressLabel(const std::string& device) {
  const size_t keep = kLabelMax - kSuffix.size();
  return device.substr(0, keep) + std::string(kSuffix);
}

bool hasFloeLabel(const std::string& label) {
  return label.size() >= kSuffix.size() &&
         label.compare(label.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

Bytes encodeDump(uint16_t type, uint8_t family) {
  const uint16_t flags = NLM_F_REQUEST | NLM_F_DUMP;
  switch (type) {
    case RTM_GETLINK: {
      ifinfomsg h{};
      h.ifi_family = family;
      return finish(start(type, flags, h));
    }
    case RTM_GETADDR: {
      ifaddrmsg h{};
      h.ifa_family = family;
      return finish(start(type, flags, h));
    }
    default: {
      assert(type == RTM_GETROUTE);
      rtmsg h{};
      h.rtm_family = family;
      return finish(start(type, flags, h));
    }
  }
}

Bytes encodeGetLink(const std::string& name) {
  ifinfomsg h{};
  auto msg = start(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, h);
  putString(msg.get(), IFLA_IFNAME, name);
  return finish(msg);
}

Bytes encodeCreateLink(const std::string& name, const std::string& kind, uint32_t flags) {
  ifinfomsg h{};
  h.ifi_flags = flags;
  h.ifi_change = flags;
  auto msg = start(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, h);
  putString(msg.get(), IFLA_IFNAME, name);
  nlattr* info = nla_nest_start(msg.get(), IFLA_LINKINFO);
  assert(info);
  putString(msg.get(), IFLA_INFO_KIND, kind);
  nla_nest_end(msg.get(), info);
  return finish(msg);
}

Bytes encodeSetLinkFlags(int ifindex, uint32_t flags, uint32_t change) {
  ifinfomsg h{};
  h.ifi_index = ifindex;
  h.ifi_flags = flags;
  h.ifi_change = change;
  return finish(start(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, h));
}

Bytes encodeDeleteLink(int ifindex) {
  ifinfomsg h{};
  h.ifi_index = ifindex;
  return finish(start(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, h));
}

namespace {

Msg addressMessage(uint16_t type, uint16_t nlFlags, const AddressMessage& a) {
  const IpAddress& ip = a.prefix.address();
  ifaddrmsg h{};
  h.ifa_family = static_cast<uint8_t>(ip.af());
  h.ifa_prefixlen = a.prefix.length();
  h.ifa_flags = static_cast<uint8_t>(a.flags & 0xFF);
  h.ifa_scope = a.scope;
  h.ifa_index = static_cast<uint32_t>(a.ifindex);
  auto msg = start(type, NLM_F_REQUEST | NLM_F_ACK | nlFlags, h);
  // IPv4 takes the local address in IFA_LOCAL (IFA_ADDRESS is the peer, equal here); IPv6 reads
  // IFA_ADDRESS and would take a differing IFA_LOCAL as a peer address.
  if (ip.isV4()) putAddress(msg.get(), IFA_LOCAL, ip);
  putAddress(msg.get(), IFA_ADDRESS, ip);
  if (ip.isV4() && !a.label.empty()) putString(msg.get(), IFA_LABEL, a.label);
  return msg;
}

}  // namespace

Bytes encodeNewAddress(const AddressMessage& a, uint16_t nlFlags) {
  auto msg = addressMessage(RTM_NEWADDR, nlFlags, a);
  ifa_cacheinfo ci{};
  ci.ifa_valid = a.validLifetime;
  ci.ifa_prefered = a.preferredLifetime;
  put(msg.get(), IFA_CACHEINFO, &ci, sizeof ci);
  if (a.flags > 0xFF) putU32(msg.get(), IFA_FLAGS, a.flags);
  if (a.protocol != 0) putU8(msg.get(), IFA_PROTO, a.protocol);
  return finish(msg);
}

Bytes encodeDeleteAddress(const AddressMessage& a) {
  return finish(addressMessage(RTM_DELADDR, 0, a));
}

namespace {

Msg routeMessage(uint16_t type, uint16_t nlFlags, const RouteMessage& r) {
  const IpAddress& dst = r.destination.address();
  rtmsg h{};
  h.rtm_family = static_cast<uint8_t>(dst.af());
  h.rtm_dst_len = r.destination.length();
  h.rtm_table = routeTableField(r.table);
  h.rtm_protocol = r.protocol;
  h.rtm_scope = r.scope;
  h.rtm_type = r.type;
  h.rtm_flags = r.flags;
  auto msg = start(type, NLM_F_REQUEST | NLM_F_ACK | nlFlags, h);
  if (r.destination.length() > 0) putAddress(msg.get(), RTA_DST, dst);
  if (r.gateway) putAddress(msg.get(), RTA_GATEWAY, *r.gateway);
  if (r.oif != 0) putU32(msg.get(), RTA_OIF, static_cast<uint32_t>(r.oif));
  if (r.priority) putU32(msg.get(), RTA_PRIORITY, *r.priority);
  putU32(msg.get(), RTA_TABLE, r.table);
  return msg;
}

}  // namespace

Bytes encodeNewRoute(const RouteMessage& r, uint16_t nlFlags) {
  return finish(routeMessage(RTM_NEWROUTE, nlFlags, r));
}

Bytes encodeDeleteRoute(const RouteMessage& r) { return finish(routeMessage(RTM_DELROUTE, 0, r)); }

Result<std::vector<std::span<const uint8_t>>> splitMessages(std::span<const uint8_t> datagram) {
  std::vector<std::span<const uint8_t>> out;
  size_t offset = 0;
  while (offset < datagram.size()) {
    if (datagram.size() - offset < NLMSG_HDRLEN) {
      return malformed("netlink", std::to_string(datagram.size() - offset) +
                                      " bytes left at offset " + std::to_string(offset) +
                                      ", less than a header");
    }
    const Header h = decodeHeader(datagram.subspan(offset));
    if (h.length < NLMSG_HDRLEN || h.length > datagram.size() - offset) {
      return malformed("netlink", "nlmsg_len " + std::to_string(h.length) + " at offset " +
                                      std::to_string(offset) + " outside the " +
                                      std::to_string(datagram.size()) + "-byte datagram");
    }
    out.push_back(datagram.subspan(offset, h.length));
    offset += NLMSG_ALIGN(h.length);
  }
  return out;
}

Header decodeHeader(std::span<const uint8_t> message) {
  assert(message.size() >= NLMSG_HDRLEN);
  nlmsghdr raw;
  std::memcpy(&raw, message.data(), sizeof raw);
  return Header{raw.nlmsg_len, raw.nlmsg_type, raw.nlmsg_flags, raw.nlmsg_seq, raw.nlmsg_pid};
}

Result<LinkMessage> decodeLink(std::span<const uint8_t> message) {
  if (auto st = framed(message, "link"); !st) return st.error();
  Aligned copy(message);
  nlmsghdr* h = copy.header();
  if (h->nlmsg_type != RTM_NEWLINK) return malformed("link", "not RTM_NEWLINK");
  nlattr* tb[IFLA_MAX + 1];
  if (auto st = parse(h, sizeof(ifinfomsg), tb, IFLA_MAX, "link"); !st) return st.error();
  ifinfomsg ifi;
  std::memcpy(&ifi, nlmsg_data(h), sizeof ifi);
  LinkMessage out;
  out.ifindex = ifi.ifi_index;
  out.flags = ifi.ifi_flags;
  if (tb[IFLA_IFNAME] == nullptr) return malformed("link", "no IFLA_IFNAME");
  out.name = getString(tb[IFLA_IFNAME]);
  if (tb[IFLA_ADDRESS] != nullptr && nla_len(tb[IFLA_ADDRESS]) == 6) {
    std::array<uint8_t, 6> mac;
    std::memcpy(mac.data(), nla_data(tb[IFLA_ADDRESS]), 6);
    out.mac = mac;
  }
  if (tb[IFLA_LINKINFO] != nullptr) {
    nlattr* info[IFLA_INFO_MAX + 1];
    if (nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr) == 0 &&
        info[IFLA_INFO_KIND] != nullptr) {
      out.kind = getString(info[IFLA_INFO_KIND]);
    }
  }
  return out;
}

Result<AddressMessage> decodeAddress(std::span<const uint8_t> message) {
  if (auto st = framed(message, "address"); !st) return st.error();
  Aligned copy(message);
  nlmsghdr* h = copy.header();
  if (h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR) {
    return malformed("address", "not RTM_NEWADDR");
  }
  nlattr* tb[IFA_MAX + 1];
  if (auto st = parse(h, sizeof(ifaddrmsg), tb, IFA_MAX, "address"); !st) return st.error();
  ifaddrmsg ifa;
  std::memcpy(&ifa, nlmsg_data(h), sizeof ifa);
  if (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6) {
    return makeError("address family " + std::to_string(ifa.ifa_family) + " is not IP",
                     EAFNOSUPPORT);
  }
  const int family = ifa.ifa_family;
  nlattr* where = tb[IFA_LOCAL] != nullptr ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
  if (where == nullptr) return malformed("address", "neither IFA_LOCAL nor IFA_ADDRESS");
  auto ip = getAddress(where, family);
  if (!ip) return malformed("address", "address attribute of the wrong length");
  if (ifa.ifa_prefixlen > ip->maxPrefixLength()) {
    return malformed("address", "prefix length " + std::to_string(ifa.ifa_prefixlen));
  }
  AddressMessage out;
  out.ifindex = static_cast<int>(ifa.ifa_index);
  out.prefix = Prefix(*ip, ifa.ifa_prefixlen);
  out.scope = ifa.ifa_scope;
  out.flags = getU32(tb[IFA_FLAGS]).value_or(ifa.ifa_flags);
  if (tb[IFA_LABEL] != nullptr) out.label = getString(tb[IFA_LABEL]);
  if (tb[IFA_PROTO] != nullptr && nla_len(tb[IFA_PROTO]) >= 1) {
    out.protocol = *static_cast<const uint8_t*>(nla_data(tb[IFA_PROTO]));
  }
  if (tb[IFA_CACHEINFO] != nullptr && nla_len(tb[IFA_CACHEINFO]) >= int(sizeof(ifa_cacheinfo))) {
    ifa_cacheinfo ci;
    std::memcpy(&ci, nla_data(tb[IFA_CACHEINFO]), sizeof ci);
    out.validLifetime = ci.ifa_valid;
    out.preferredLifetime = ci.ifa_prefered;
  }
  return out;
}

Result<RouteMessage> decodeRoute(std::span<const uint8_t> message) {
  if (auto st = framed(message, "route"); !st) return st.error();
  Aligned copy(message);
  nlmsghdr* h = copy.header();
  if (h->nlmsg_type != RTM_NEWROUTE && h->nlmsg_type != RTM_DELROUTE) {
    return malformed("route", "not RTM_NEWROUTE");
  }
  nlattr* tb[RTA_MAX + 1];
  if (auto st = parse(h, sizeof(rtmsg), tb, RTA_MAX, "route"); !st) return st.error();
  rtmsg rtm;
  std::memcpy(&rtm, nlmsg_data(h), sizeof rtm);
  if (rtm.rtm_family != AF_INET && rtm.rtm_family != AF_INET6) {
    return makeError("route family " + std::to_string(rtm.rtm_family) + " is not IP", EAFNOSUPPORT);
  }
  const int family = rtm.rtm_family;
  RouteMessage out;
  IpAddress dst = zeroOf(family);
  if (tb[RTA_DST] != nullptr) {
    auto a = getAddress(tb[RTA_DST], family);
    if (!a) return malformed("route", "RTA_DST of the wrong length");
    dst = *a;
  }
  if (rtm.rtm_dst_len > dst.maxPrefixLength()) {
    return malformed("route", "destination length " + std::to_string(rtm.rtm_dst_len));
  }
  out.destination = Prefix(dst, rtm.rtm_dst_len);
  if (tb[RTA_GATEWAY] != nullptr) {
    out.gateway = getAddress(tb[RTA_GATEWAY], family);
    if (!out.gateway) return malformed("route", "RTA_GATEWAY of the wrong length");
  }
  out.oif = static_cast<int>(getU32(tb[RTA_OIF]).value_or(0));
  out.table = getU32(tb[RTA_TABLE]).value_or(rtm.rtm_table);
  out.priority = getU32(tb[RTA_PRIORITY]);
  out.protocol = rtm.rtm_protocol;
  out.scope = rtm.rtm_scope;
  out.type = rtm.rtm_type;
  out.flags = rtm.rtm_flags;
  return out;
}

Result<Ack> decodeAck(std::span<const uint8_t> message) {
  if (auto st = framed(message, "ack"); !st) return st.error();
  Aligned copy(message);
  nlmsghdr* h = copy.header();
  Ack out;
  out.seq = h->nlmsg_seq;
  const size_t payload = h->nlmsg_len - NLMSG_HDRLEN;
  if (h->nlmsg_type == NLMSG_DONE) {
    // A dump's end carries an int: 0, or the error that cut the dump short.
    if (payload >= sizeof(int)) {
      int err;
      std::memcpy(&err, nlmsg_data(h), sizeof err);
      out.error = err < 0 ? -err : 0;
    }
    return out;
  }
  if (h->nlmsg_type != NLMSG_ERROR) return malformed("ack", "neither NLMSG_ERROR nor NLMSG_DONE");
  if (payload < sizeof(nlmsgerr)) return malformed("ack", "shorter than struct nlmsgerr");
  nlmsgerr err;
  std::memcpy(&err, nlmsg_data(h), sizeof err);
  out.error = err.error < 0 ? -err.error : err.error;
  if ((h->nlmsg_flags & NLM_F_ACK_TLVS) == 0) return out;
  // Extended ack attributes follow the echoed request: its header only if NLM_F_CAPPED, else
  // the whole request (include/uapi/linux/netlink.h).
  size_t offset = sizeof(nlmsgerr);
  if ((h->nlmsg_flags & NLM_F_CAPPED) == 0) {
    if (err.msg.nlmsg_len < NLMSG_HDRLEN) return malformed("ack", "echoed request too short");
    offset += err.msg.nlmsg_len - NLMSG_HDRLEN;
  }
  offset = NLMSG_ALIGN(offset);
  if (offset >= payload) return out;
  nlattr* tb[NLMSGERR_ATTR_MAX + 1];
  auto* attrs = reinterpret_cast<nlattr*>(static_cast<uint8_t*>(nlmsg_data(h)) + offset);
  if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, static_cast<int>(payload - offset), nullptr) == 0 &&
      tb[NLMSGERR_ATTR_MSG] != nullptr) {
    out.message = getString(tb[NLMSGERR_ATTR_MSG]);
  }
  return out;
}

}  // namespace floe::net::rtnl
