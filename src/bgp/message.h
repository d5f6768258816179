// BGP-4 messages as values (RFC 4271 §4) and their codec. Pure functions: no I/O, no state
// beyond the per-session DecodeOptions. Numbers are host order here, network order on the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "bgp/error.h"
#include "common/ip.h"

namespace floe::bgp {

inline constexpr size_t kHeaderSize = 19;        // RFC 4271 §4.1
inline constexpr size_t kMaxMessageSize = 4096;  // RFC 4271 §4.1
inline constexpr uint16_t kAsTrans = 23456;      // RFC 6793 §9

enum class MessageType : uint8_t {
  kOpen = 1,
  kUpdate = 2,
  kNotification = 3,
  kKeepalive = 4,
  kRouteRefresh = 5,  // RFC 2918
};

// Address families (RFC 4760 §5; IANA AFI/SAFI).
inline constexpr uint16_t kAfiIpv4 = 1;
inline constexpr uint16_t kAfiIpv6 = 2;
inline constexpr uint8_t kSafiUnicast = 1;

// RFC 5492 capability codes floe understands.
namespace capability_code {
inline constexpr uint8_t kMultiprotocol = 1;     // RFC 4760
inline constexpr uint8_t kRouteRefresh = 2;      // RFC 2918
inline constexpr uint8_t kGracefulRestart = 64;  // RFC 4724 (recognised, not implemented)
inline constexpr uint8_t kFourOctetAs = 65;      // RFC 6793
}  // namespace capability_code

struct Capability {
  uint8_t code = 0;
  std::vector<uint8_t> value;
  bool operator==(const Capability&) const = default;
};

// One Optional Parameter of an OPEN (RFC 4271 §4.2). Type 2 holds capabilities (RFC 5492 §4);
// a router may put all capabilities in one parameter or one per parameter, both are kept.
struct OptionalParameter {
  uint8_t type = 2;
  std::vector<Capability> capabilities;  // when type == 2
  std::vector<uint8_t> value;            // any other type (rejected on decode)
  bool operator==(const OptionalParameter&) const = default;
};

struct AddressFamily {
  uint16_t afi = kAfiIpv4;
  uint8_t safi = kSafiUnicast;
  auto operator<=>(const AddressFamily&) const = default;
};

// The capabilities of an OPEN in interpreted form.
struct Capabilities {
  std::vector<AddressFamily> multiprotocol;
  std::optional<uint32_t> fourOctetAs;  // the sender's real AS
  bool routeRefresh = false;
  bool gracefulRestart = false;  // the peer advertised it; floe never does
  bool operator==(const Capabilities&) const = default;
};

struct OpenMessage {
  uint8_t version = 4;
  uint16_t myAutonomousSystem = 0;  // AS_TRANS when the real AS needs 4 octets
  uint16_t holdTime = 0;            // seconds; 0 or >= 3 (§4.2)
  uint32_t bgpIdentifier = 0;       // host order
  std::vector<OptionalParameter> parameters;

  Capabilities capabilities() const;
  // The sender's AS: the 4-octet AS capability if present, else My Autonomous System.
  uint32_t autonomousSystem() const;
  bool operator==(const OpenMessage&) const = default;
};

// Builds the OPEN floe sends: all capabilities in one optional parameter, in code order:
// multiprotocol per family, route refresh, 4-octet AS.
OpenMessage makeOpen(uint32_t localAs, uint16_t holdTime, uint32_t bgpIdentifier,
                     const std::vector<AddressFamily>& families);

enum class Origin : uint8_t { kIgp = 0, kEgp = 1, kIncomplete = 2 };

struct AsPathSegment {
  enum Type : uint8_t { kAsSet = 1, kAsSequence = 2, kConfedSequence = 3, kConfedSet = 4 };
  Type type = kAsSequence;
  std::vector<uint32_t> asns;
  bool operator==(const AsPathSegment&) const = default;
};

struct Aggregator {
  uint32_t as = 0;
  IpAddress address;
  bool operator==(const Aggregator&) const = default;
};

// MP_REACH_NLRI (RFC 4760 §3). nextHops: one global, or global then link-local (RFC 2545).
struct MpReach {
  AddressFamily family;
  std::vector<IpAddress> nextHops;
  std::vector<Prefix> nlri;
  bool operator==(const MpReach&) const = default;
};

// MP_UNREACH_NLRI (RFC 4760 §4).
struct MpUnreach {
  AddressFamily family;
  std::vector<Prefix> withdrawn;
  bool operator==(const MpUnreach&) const = default;
};

// An attribute floe does not interpret, kept verbatim (optional transitive ones are what a
// speaker would pass on, RFC 4271 §5).
struct RawAttribute {
  uint8_t flags = 0;
  uint8_t type = 0;
  std::vector<uint8_t> value;
  bool operator==(const RawAttribute&) const = default;
};

// Attribute type codes (RFC 4271 §5.1, RFC 1997, RFC 4760, RFC 6793).
namespace attr {
inline constexpr uint8_t kOrigin = 1;
inline constexpr uint8_t kAsPath = 2;
inline constexpr uint8_t kNextHop = 3;
inline constexpr uint8_t kMultiExitDisc = 4;
inline constexpr uint8_t kLocalPref = 5;
inline constexpr uint8_t kAtomicAggregate = 6;
inline constexpr uint8_t kAggregator = 7;
inline constexpr uint8_t kCommunities = 8;
inline constexpr uint8_t kMpReachNlri = 14;
inline constexpr uint8_t kMpUnreachNlri = 15;
inline constexpr uint8_t kAs4Path = 17;
inline constexpr uint8_t kAs4Aggregator = 18;
// Flag bits (§4.3).
inline constexpr uint8_t kFlagOptional = 0x80;
inline constexpr uint8_t kFlagTransitive = 0x40;
inline constexpr uint8_t kFlagPartial = 0x20;
inline constexpr uint8_t kFlagExtendedLength = 0x10;
}  // namespace attr

struct PathAttributes {
  std::optional<Origin> origin;
  std::optional<std::vector<AsPathSegment>> asPath;
  std::optional<IpAddress> nextHop;
  std::optional<uint32_t> multiExitDisc;
  std::optional<uint32_t> localPref;
  bool atomicAggregate = false;
  std::optional<Aggregator> aggregator;
  std::optional<std::vector<uint32_t>> communities;  // RFC 1997, each AS:value as one number
  std::optional<MpReach> mpReach;
  std::optional<MpUnreach> mpUnreach;
  std::optional<std::vector<AsPathSegment>> as4Path;  // RFC 6793 §3, 2-octet sessions only
  std::vector<RawAttribute> other;  // unrecognised optional attributes, in type-code order
  // The wire layout as decoded: (type, Extended Length bit) per attribute, in order. The
  // encoder follows it for the attributes present, so a received UPDATE re-encodes to the
  // same bytes (routers differ: FRR sends MP_REACH_NLRI first and AS_PATH with Extended
  // Length). Empty for what floe builds: type-code order, Extended Length only for
  // MP_REACH/MP_UNREACH and values over 255 octets.
  std::vector<std::pair<uint8_t, bool>> wireLayout;
  bool operator==(const PathAttributes&) const = default;
};

// RFC 7606 §2 approaches, in increasing severity.
enum class ErrorAction : uint8_t {
  kNone = 0,
  kAttributeDiscard = 1,
  kTreatAsWithdraw = 2,
  kSessionReset = 3,  // never inside an UpdateMessage: the decode fails with a DecodeError
};
std::string_view errorActionName(ErrorAction a);  // "attribute-discard", "treat-as-withdraw"

// One malformed attribute handled per RFC 7606 without resetting the session.
struct AttributeError {
  ErrorAction action = ErrorAction::kNone;
  uint8_t subcode = 0;  // the RFC 4271 §6.3 subcode it would have been
  uint8_t type = 0;     // attribute type code
  size_t offset = 0;    // from the start of the message
  std::string reason;
  bool operator==(const AttributeError&) const = default;
};

struct UpdateMessage {
  std::vector<Prefix> withdrawn;  // IPv4, classic field
  PathAttributes attributes;
  std::vector<Prefix> nlri;            // IPv4, classic field
  std::vector<AttributeError> errors;  // RFC 7606 handling applied, in order found

  // The worst action in `errors`. kTreatAsWithdraw: every prefix in nlri and mpReach is to
  // be handled as withdrawn (RFC 7606 §2).
  ErrorAction action() const;
  bool operator==(const UpdateMessage&) const = default;
};

struct NotificationMessage {
  ErrorCode code = ErrorCode::kCease;
  uint8_t subcode = 0;
  std::vector<uint8_t> data;
  bool operator==(const NotificationMessage&) const = default;
};

struct KeepaliveMessage {
  bool operator==(const KeepaliveMessage&) const = default;
};

// RFC 2918 §3 (the reserved octet is RFC 7313's subtype; carried, 0 = normal request).
struct RouteRefreshMessage {
  AddressFamily family;
  uint8_t subtype = 0;
  bool operator==(const RouteRefreshMessage&) const = default;
};

using Message = std::variant<OpenMessage, UpdateMessage, NotificationMessage, KeepaliveMessage,
                             RouteRefreshMessage>;

// What the decoder must know of the session (RFC 6793 §4: AS_PATH width; RFC 7606 §7.5:
// LOCAL_PREF from an external peer is discarded).
struct DecodeOptions {
  bool fourOctetAs = false;
  bool ibgp = false;
};

// Framing over a TCP byte stream (RFC 4271 §4.1): the length of the first message when
// `bytes` holds all of it, 0 when more bytes are needed, or a Message Header Error (bad
// marker, length outside 19..4096 or below its type's minimum, unknown type).
Decoded<size_t> frameLength(std::span<const uint8_t> bytes);

// Decodes exactly one whole message (header included). Errors carry the RFC 4271 §6 code,
// subcode, offset and NOTIFICATION data; UPDATE attribute errors that RFC 7606 handles
// without a reset come back inside the UpdateMessage instead.
Decoded<Message> decodeMessage(std::span<const uint8_t> bytes, const DecodeOptions& options);

// Encodes a message with its header. AS_PATH and AGGREGATOR are written with 2- or 4-octet AS
// numbers per `fourOctetAs` (2-octet: the caller supplies AS_TRANS and AS4_PATH, RFC 6793
// §4.2.2). Attributes go out in type-code order; MP_REACH/MP_UNREACH with the Extended Length
// bit, others only when longer than 255. The caller keeps UPDATEs under 4096 bytes.
std::vector<uint8_t> encodeMessage(const Message& message, bool fourOctetAs);

MessageType messageType(const Message& message);
std::string_view messageTypeName(MessageType t);  // "OPEN", "UPDATE", ...

}  // namespace floe::bgp
