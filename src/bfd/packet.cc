#include "bfd/packet.h"

#include <array>

namespace floe::bfd {
namespace {

uint32_t get32(std::span<const uint8_t> b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
         uint32_t{b[at + 3]};
}

void put32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

Error fieldError(std::string_view field, size_t offset, std::string_view reason) {
  return makeError("bfd: " + std::string(field) + " at offset " + std::to_string(offset) + ": " +
                       std::string(reason),
                   static_cast<int>(offset));
}

}  // namespace

std::string_view stateName(State s) {
  switch (s) {
    case State::kAdminDown:
      return "AdminDown";
    case State::kDown:
      return "Down";
    case State::kInit:
      return "Init";
    case State::kUp:
      return "Up";
  }
  return "?";
}

std::string_view diagnosticName(Diagnostic d) {
  static constexpr std::array<std::string_view, 9> kNames = {"No Diagnostic",
                                                             "Control Detection Time Expired",
                                                             "Echo Function Failed",
                                                             "Neighbor Signaled Session Down",
                                                             "Forwarding Plane Reset",
                                                             "Path Down",
                                                             "Concatenated Path Down",
                                                             "Administratively Down",
                                                             "Reverse Concatenated Path Down"};
  const auto i = static_cast<size_t>(d);
  return i < kNames.size() ? kNames[i] : "Reserved";
}

Result<ControlPacket> decodeControlPacket(std::span<const uint8_t> b) {
  if (b.size() < kMinLength) {
    return fieldError("packet", b.size(),
                      "truncated: " + std::to_string(b.size()) + " bytes, need 24 (RFC 5880 §4.1)");
  }
  ControlPacket p;
  p.version = b[0] >> 5;
  // RFC 5880 §6.8.6: "If the version number is not correct (1), the packet MUST be discarded."
  if (p.version != kVersion) {
    return fieldError("vers", 0, "version " + std::to_string(p.version) + ", expected 1");
  }
  const uint8_t diag = b[0] & 0x1f;
  p.diag = static_cast<Diagnostic>(diag);  // reserved values are carried, not rejected
  p.state = static_cast<State>(b[1] >> 6);
  p.poll = (b[1] & 0x20) != 0;
  p.final = (b[1] & 0x10) != 0;
  p.controlPlaneIndependent = (b[1] & 0x08) != 0;
  p.authPresent = (b[1] & 0x04) != 0;
  p.demand = (b[1] & 0x02) != 0;
  p.multipoint = (b[1] & 0x01) != 0;
  p.detectMult = b[2];
  const size_t length = b[3];
  const size_t minLength = p.authPresent ? kMinLengthWithAuth : kMinLength;
  if (length < minLength) {
    return fieldError("length", 3,
                      std::to_string(length) + " is less than the minimum " +
                          std::to_string(minLength) + (p.authPresent ? " with A set" : ""));
  }
  if (length > b.size()) {
    return fieldError(
        "length", 3,
        std::to_string(length) + " exceeds the " + std::to_string(b.size()) + " bytes received");
  }
  if (p.detectMult == 0) return fieldError("detect_mult", 2, "zero");
  if (p.multipoint) return fieldError("m", 1, "multipoint bit set");
  p.myDiscriminator = get32(b, 4);
  if (p.myDiscriminator == 0) return fieldError("my_discriminator", 4, "zero");
  p.yourDiscriminator = get32(b, 8);
  if (p.yourDiscriminator == 0 && p.state != State::kDown && p.state != State::kAdminDown) {
    return fieldError("your_discriminator", 8,
                      std::string("zero while state is ") + std::string(stateName(p.state)));
  }
  p.desiredMinTxIntervalUs = get32(b, 12);
  p.requiredMinRxIntervalUs = get32(b, 16);
  p.requiredMinEchoRxIntervalUs = get32(b, 20);
  if (p.authPresent) {
    // §4.2: Auth Type, Auth Len, then type-specific data; Auth Len covers the whole section.
    const size_t authLen = b[25];
    if (authLen < 2 || kMinLength + authLen != length) {
      return fieldError(
          "auth_len", 25,
          std::to_string(authLen) + " does not fill the packet length " + std::to_string(length));
    }
    p.auth.assign(b.begin() + kMinLength, b.begin() + static_cast<std::ptrdiff_t>(length));
  }
  return p;
}

std::vector<uint8_t> encodeControlPacket(const ControlPacket& p) {
  std::vector<uint8_t> out;
  out.reserve(kMinLength + p.auth.size());
  out.push_back(static_cast<uint8_t>((p.version << 5) | (static_cast<uint8_t>(p.diag) & 0x1f)));
  out.push_back(static_cast<uint8_t>((static_cast<uint8_t>(p.state) << 6) | (p.poll ? 0x20 : 0) |
                                     (p.final ? 0x10 : 0) | (p.controlPlaneIndependent ? 0x08 : 0) |
                                     (p.authPresent ? 0x04 : 0) | (p.demand ? 0x02 : 0) |
                                     (p.multipoint ? 0x01 : 0)));
  out.push_back(p.detectMult);
  out.push_back(static_cast<uint8_t>(kMinLength + p.auth.size()));
  put32(out, p.myDiscriminator);
  put32(out, p.yourDiscriminator);
  put32(out, p.desiredMinTxIntervalUs);
  put32(out, p.requiredMinRxIntervalUs);
  put32(out, p.requiredMinEchoRxIntervalUs);
  out.insert(out.end(), p.auth.begin(), p.auth.end());
  return out;
}

}  // namespace floe::bfd
