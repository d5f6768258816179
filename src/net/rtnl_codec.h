// rtnetlink messages as bytes: pure encoders for the requests floe sends and decoders for what
// the kernel answers (links, addresses, routes, acks). No socket here; RtnlSocket moves the bytes.
// The encoders build with libnl's nlmsg/nla API, the decoders parse with nlmsg_parse; neither
// exposes libnl. Encoded requests carry sequence number 0: the socket stamps its own.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/ip.h"
#include "common/result.h"

namespace floe::net::rtnl {

using Bytes = std::vector<uint8_t>;

// INFINITY_LIFE_TIME in include/net/addrconf.h: a lifetime that never runs out.
inline constexpr uint32_t kForever = 0xFFFFFFFFu;

// The IPv4 label floe gives its addresses: "<device>:floe", the device part cut so the whole
// fits IFNAMSIZ - 1 = 15 characters ("enp0s31f6x99" -> "enp0s31f6x:floe").
std::string addressLabel(const std::string& device);
// The ownership test for an address: IFA_PROTO says floe's, or (IPv4) the label ends ":floe".
bool hasFloeLabel(const std::string& label);

struct LinkMessage {
  int ifindex = 0;
  std::string name;
  uint32_t flags = 0;                         // IFF_*
  std::optional<std::array<uint8_t, 6>> mac;  // IFLA_ADDRESS when it is 6 bytes long
  std::string kind;  // IFLA_LINKINFO/IFLA_INFO_KIND: "dummy", "bridge", "veth", "" (physical)
};

struct AddressMessage {
  int ifindex = 0;
  Prefix prefix;                      // IFA_LOCAL (IPv4) or IFA_ADDRESS, with ifa_prefixlen
  std::string label;                  // IFA_LABEL, IPv4 only
  uint8_t protocol = 0;               // IFA_PROTO; 0 when absent
  uint32_t flags = 0;                 // IFA_FLAGS if present, else ifa_flags
  uint8_t scope = 0;                  // RT_SCOPE_*
  uint32_t validLifetime = kForever;  // seconds left (IFA_CACHEINFO), kForever if none
  uint32_t preferredLifetime = kForever;
};

struct RouteMessage {
  Prefix destination;  // RTA_DST with rtm_dst_len (the family's zero address when absent)
  std::optional<IpAddress> gateway;  // RTA_GATEWAY
  int oif = 0;                       // RTA_OIF, 0 when absent
  uint32_t table = 254;              // RTA_TABLE, else rtm_table
  uint8_t protocol = 0;              // RTPROT_*
  uint8_t scope = 0;                 // RT_SCOPE_*
  uint8_t type = 1;                  // RTN_UNICAST
  uint32_t flags = 0;                // rtm_flags (RTM_F_CLONED, ...)
  std::optional<uint32_t> priority;  // RTA_PRIORITY (metric)
};

// What an NLMSG_ERROR (or NLMSG_DONE) message says.
struct Ack {
  uint32_t seq = 0;
  int error = 0;        // 0, or a positive errno
  std::string message;  // extended ack text (NLMSGERR_ATTR_MSG), may be empty
};

// --- requests -------------------------------------------------------------------------------
// Every request has NLM_F_REQUEST; those that change something also NLM_F_ACK.

Bytes encodeDump(uint16_t type, uint8_t family);  // RTM_GETLINK/GETADDR/GETROUTE, NLM_F_DUMP
Bytes encodeGetLink(const std::string& name);     // RTM_GETLINK by IFLA_IFNAME
// RTM_NEWLINK creating `name` of `kind` with ifi_flags = ifi_change = `flags` (NLM_F_EXCL).
Bytes encodeCreateLink(const std::string& name, const std::string& kind, uint32_t flags);
// RTM_NEWLINK on an existing link: sets `flags` in the `change` mask.
Bytes encodeSetLinkFlags(int ifindex, uint32_t flags, uint32_t change);
Bytes encodeDeleteLink(int ifindex);
// RTM_NEWADDR; `nlFlags` adds NLM_F_CREATE|NLM_F_EXCL or NLM_F_CREATE|NLM_F_REPLACE.
// Lifetimes go in IFA_CACHEINFO; a non-zero protocol in IFA_PROTO; a label in IFA_LABEL.
Bytes encodeNewAddress(const AddressMessage& a, uint16_t nlFlags);
Bytes encodeDeleteAddress(const AddressMessage& a);
// RTM_NEWROUTE / RTM_DELROUTE. A table above 255 goes in RTA_TABLE (rtm_table RT_TABLE_UNSPEC).
Bytes encodeNewRoute(const RouteMessage& r, uint16_t nlFlags);
Bytes encodeDeleteRoute(const RouteMessage& r);

// --- answers --------------------------------------------------------------------------------

// Header fields of one message, read without assuming alignment.
struct Header {
  uint32_t length = 0;
  uint16_t type = 0;
  uint16_t flags = 0;
  uint32_t seq = 0;
  uint32_t pid = 0;
};
// Splits one datagram into its messages (each span covers nlmsg_len bytes). Fails on a length
// shorter than the header or running past the datagram, naming the offset.
Result<std::vector<std::span<const uint8_t>>> splitMessages(std::span<const uint8_t> datagram);
Header decodeHeader(std::span<const uint8_t> message);  // message.size() >= 16 (splitMessages)

// Each decoder takes one message as splitMessages returns it and checks type and lengths.
Result<LinkMessage> decodeLink(std::span<const uint8_t> message);
// Fails (code EAFNOSUPPORT) for families other than IPv4/IPv6.
Result<AddressMessage> decodeAddress(std::span<const uint8_t> message);
Result<RouteMessage> decodeRoute(std::span<const uint8_t> message);
// NLMSG_ERROR, or NLMSG_DONE (a dump's end; its payload is the dump's error, if any).
Result<Ack> decodeAck(std::span<const uint8_t> message);

}  // namespace floe::net::rtnl
