// Header framing, OPEN, NOTIFICATION, KEEPALIVE and ROUTE-REFRESH (RFC 4271 §4.1-§4.5,
// RFC 5492, RFC 2918). UPDATE lives in update_codec.cc.
#include "bgp/message.h"

#include <algorithm>
#include <array>

#include "bgp/wire.h"

namespace floe::bgp {

// Defined in update_codec.cc.
Decoded<UpdateMessage> decodeUpdate(std::span<const uint8_t> b, const DecodeOptions& options);
void encodeUpdateBody(const UpdateMessage& u, bool fourOctetAs, std::vector<uint8_t>& out);

namespace wire {

bool parsePrefixes(std::span<const uint8_t> b, bool v6, std::vector<Prefix>& out, size_t& badAt) {
  const uint8_t maxLen = v6 ? 128 : 32;
  size_t pos = 0;
  while (pos < b.size()) {
    const uint8_t len = b[pos];
    const size_t n = (len + 7u) / 8u;
    if (len > maxLen || pos + 1 + n > b.size()) {
      badAt = pos;
      return false;
    }
    std::array<uint8_t, 16> bytes{};
    std::copy_n(b.begin() + static_cast<std::ptrdiff_t>(pos + 1), n, bytes.begin());
    const IpAddress a = v6 ? IpAddress::fromV6(bytes) : IpAddress::fromV4(get32(bytes, 0));
    out.emplace_back(a, len);
    pos += 1 + n;
  }
  return true;
}

}  // namespace wire

namespace {

using wire::get16;
using wire::get32;
using wire::put16;
using wire::put32;

DecodeError headerError(uint8_t subcode, size_t offset, std::vector<uint8_t> data,
                        std::string reason) {
  return DecodeError{ErrorCode::kMessageHeaderError, subcode, offset, std::move(data),
                     std::move(reason)};
}

DecodeError openError(uint8_t subcode, size_t offset, std::string reason,
                      std::vector<uint8_t> data = {}) {
  return DecodeError{ErrorCode::kOpenMessageError, subcode, offset, std::move(data),
                     std::move(reason)};
}

// Smallest legal length per type (RFC 4271 §4.2-§4.5, RFC 2918 §3); KEEPALIVE and
// ROUTE-REFRESH have a fixed length.
size_t minLength(uint8_t type) {
  switch (type) {
    case 1:
      return 29;
    case 2:
      return 23;
    case 3:
      return 21;
    case 4:
      return 19;
    case 5:
      return 23;
    default:
      return 0;
  }
}

Decoded<OpenMessage> decodeOpen(std::span<const uint8_t> b) {
  OpenMessage m;
  m.version = b[19];
  if (m.version != 4) {
    // §6.2: Data is the largest locally supported version, 2 octets.
    return openError(open_subcode::kUnsupportedVersionNumber, 19,
                     "version " + std::to_string(m.version) + ", floe speaks 4", {0, 4});
  }
  m.myAutonomousSystem = get16(b, 20);
  m.holdTime = get16(b, 22);
  if (m.holdTime == 1 || m.holdTime == 2) {
    return openError(open_subcode::kUnacceptableHoldTime, 22,
                     "hold time " + std::to_string(m.holdTime) + " s (must be 0 or >= 3)");
  }
  m.bgpIdentifier = get32(b, 24);
  if (m.bgpIdentifier == 0) {
    return openError(open_subcode::kBadBgpIdentifier, 24, "BGP Identifier 0.0.0.0");
  }
  const size_t optLen = b[28];
  if (29 + optLen != b.size()) {
    return openError(0, 28,
                     "Opt Parm Len " + std::to_string(optLen) + " does not fill the message");
  }
  size_t pos = 29;
  while (pos < b.size()) {
    if (pos + 2 > b.size() || pos + 2 + b[pos + 1] > b.size()) {
      return openError(0, pos, "optional parameter overruns Opt Parm Len");
    }
    OptionalParameter param;
    param.type = b[pos];
    const size_t len = b[pos + 1];
    const size_t end = pos + 2 + len;
    if (param.type != 2) {
      return openError(open_subcode::kUnsupportedOptionalParameter, pos,
                       "optional parameter type " + std::to_string(param.type));
    }
    size_t c = pos + 2;
    while (c < end) {
      if (c + 2 > end || c + 2 + b[c + 1] > end) {
        return openError(0, c, "capability overruns its optional parameter");
      }
      Capability cap;
      cap.code = b[c];
      cap.value.assign(b.begin() + static_cast<std::ptrdiff_t>(c + 2),
                       b.begin() + static_cast<std::ptrdiff_t>(c + 2 + b[c + 1]));
      param.capabilities.push_back(std::move(cap));
      c += 2 + b[c + 1];
    }
    m.parameters.push_back(std::move(param));
    pos = end;
  }
  return m;
}

void encodeOpenBody(const OpenMessage& m, std::vector<uint8_t>& out) {
  out.push_back(m.version);
  put16(out, m.myAutonomousSystem);
  put16(out, m.holdTime);
  put32(out, m.bgpIdentifier);
  const size_t lenAt = out.size();
  out.push_back(0);
  for (const auto& p : m.parameters) {
    out.push_back(p.type);
    const size_t pLenAt = out.size();
    out.push_back(0);
    if (p.type == 2) {
      for (const auto& c : p.capabilities) {
        out.push_back(c.code);
        out.push_back(static_cast<uint8_t>(c.value.size()));
        out.insert(out.end(), c.value.begin(), c.value.end());
      }
    } else {
      out.insert(out.end(), p.value.begin(), p.value.end());
    }
    out[pLenAt] = static_cast<uint8_t>(out.size() - pLenAt - 1);
  }
  out[lenAt] = static_cast<uint8_t>(out.size() - lenAt - 1);
}

}  // namespace

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMessageHeaderError:
      return "Message Header Error";
    case ErrorCode::kOpenMessageError:
      return "OPEN Message Error";
    case ErrorCode::kUpdateMessageError:
      return "UPDATE Message Error";
    case ErrorCode::kHoldTimerExpired:
      return "Hold Timer Expired";
    case ErrorCode::kFiniteStateMachineError:
      return "Finite State Machine Error";
    case ErrorCode::kCease:
      return "Cease";
    case ErrorCode::kRouteRefreshMessageError:
      return "ROUTE-REFRESH Message Error";
  }
  return "Unknown Error";
}

std::string DecodeError::describe() const {
  return std::string(errorCodeName(code)) + "/" + std::to_string(subcode) + " at offset " +
         std::to_string(offset) + ": " + reason;
}

std::string_view messageTypeName(MessageType t) {
  switch (t) {
    case MessageType::kOpen:
      return "OPEN";
    case MessageType::kUpdate:
      return "UPDATE";
    case MessageType::kNotification:
      return "NOTIFICATION";
    case MessageType::kKeepalive:
      return "KEEPALIVE";
    case MessageType::kRouteRefresh:
      return "ROUTE-REFRESH";
  }
  return "?";
}

MessageType messageType(const Message& message) {
  return static_cast<MessageType>(message.index() + 1);
}

Capabilities OpenMessage::capabilities() const {
  Capabilities caps;
  for (const auto& p : parameters) {
    for (const auto& c : p.capabilities) {
      switch (c.code) {
        case capability_code::kMultiprotocol:
          if (c.value.size() == 4) {
            caps.multiprotocol.push_back({wire::get16(c.value, 0), c.value[3]});
          }
          break;
        case capability_code::kRouteRefresh:
          caps.routeRefresh = true;
          break;
        case capability_code::kGracefulRestart:
          caps.gracefulRestart = true;
          break;
        case capability_code::kFourOctetAs:
          if (c.value.size() == 4) caps.fourOctetAs = wire::get32(c.value, 0);
          break;
        default:
          break;
      }
    }
  }
  return caps;
}

uint32_t OpenMessage::autonomousSystem() const {
  const auto caps = capabilities();
  return caps.fourOctetAs ? *caps.fourOctetAs : myAutonomousSystem;
}

OpenMessage makeOpen(uint32_t localAs, uint16_t holdTime, uint32_t bgpIdentifier,
                     const std::vector<AddressFamily>& families) {
  OpenMessage m;
  m.myAutonomousSystem = localAs > 0xffff ? kAsTrans : static_cast<uint16_t>(localAs);
  m.holdTime = holdTime;
  m.bgpIdentifier = bgpIdentifier;
  OptionalParameter p;
  for (const auto& f : families) {
    Capability c{capability_code::kMultiprotocol, {}};
    put16(c.value, f.afi);
    c.value.push_back(0);
    c.value.push_back(f.safi);
    p.capabilities.push_back(std::move(c));
  }
  p.capabilities.push_back({capability_code::kRouteRefresh, {}});
  Capability as4{capability_code::kFourOctetAs, {}};
  put32(as4.value, localAs);
  p.capabilities.push_back(std::move(as4));
  m.parameters.push_back(std::move(p));
  return m;
}

Decoded<size_t> frameLength(std::span<const uint8_t> b) {
  for (size_t i = 0; i < std::min<size_t>(16, b.size()); ++i) {
    if (b[i] != 0xff) {
      return headerError(header_subcode::kConnectionNotSynchronized, i, {},
                         "marker is not all ones");
    }
  }
  if (b.size() < kHeaderSize) return size_t{0};
  const size_t length = get16(b, 16);
  const uint8_t type = b[18];
  const size_t minLen = minLength(type);
  if (minLen == 0) {
    return headerError(header_subcode::kBadMessageType, 18, {type},
                       "message type " + std::to_string(type));
  }
  const bool fixed = type == 4 || type == 5;
  if (length < minLen || length > kMaxMessageSize || (fixed && length != minLen)) {
    return headerError(header_subcode::kBadMessageLength, 16, {b[16], b[17]},
                       "length " + std::to_string(length) + " for " +
                           std::string(messageTypeName(static_cast<MessageType>(type))));
  }
  if (b.size() < length) return size_t{0};
  return length;
}

Decoded<Message> decodeMessage(std::span<const uint8_t> b, const DecodeOptions& options) {
  auto framed = frameLength(b);
  if (!framed) return framed.error();
  if (*framed == 0 || *framed != b.size()) {
    const uint16_t field = b.size() >= kHeaderSize ? get16(b, 16) : 0;
    return headerError(header_subcode::kBadMessageLength, 16,
                       {static_cast<uint8_t>(field >> 8), static_cast<uint8_t>(field)},
                       "length field " + std::to_string(field) + " but " +
                           std::to_string(b.size()) + " bytes given");
  }
  switch (static_cast<MessageType>(b[18])) {
    case MessageType::kOpen: {
      auto m = decodeOpen(b);
      if (!m) return m.error();
      return Message(std::move(*m));
    }
    case MessageType::kUpdate: {
      auto m = decodeUpdate(b, options);
      if (!m) return m.error();
      return Message(std::move(*m));
    }
    case MessageType::kNotification: {
      NotificationMessage n;
      n.code = static_cast<ErrorCode>(b[19]);
      n.subcode = b[20];
      n.data.assign(b.begin() + 21, b.end());
      return Message(std::move(n));
    }
    case MessageType::kKeepalive:
      return Message(KeepaliveMessage{});
    case MessageType::kRouteRefresh: {
      RouteRefreshMessage r;
      r.family.afi = get16(b, 19);
      r.subtype = b[21];
      r.family.safi = b[22];
      return Message(r);
    }
  }
  return headerError(header_subcode::kBadMessageType, 18, {b[18]}, "unknown type");
}

std::vector<uint8_t> encodeMessage(const Message& message, bool fourOctetAs) {
  std::vector<uint8_t> out(16, 0xff);
  put16(out, 0);  // length, set below
  out.push_back(static_cast<uint8_t>(messageType(message)));
  if (const auto* open = std::get_if<OpenMessage>(&message)) {
    encodeOpenBody(*open, out);
  } else if (const auto* update = std::get_if<UpdateMessage>(&message)) {
    encodeUpdateBody(*update, fourOctetAs, out);
  } else if (const auto* n = std::get_if<NotificationMessage>(&message)) {
    out.push_back(static_cast<uint8_t>(n->code));
    out.push_back(n->subcode);
    out.insert(out.end(), n->data.begin(), n->data.end());
  } else if (const auto* r = std::get_if<RouteRefreshMessage>(&message)) {
    put16(out, r->family.afi);
    out.push_back(r->subtype);
    out.push_back(r->family.safi);
  }
  wire::set16(out, 16, static_cast<uint16_t>(out.size()));
  return out;
}

}  // namespace floe::bgp
