// BGP error codes (RFC 4271 §4.5, §6; RFC 5492 §5; RFC 4486 Cease subcodes) and the decode
// result that carries them. A DecodeError is what the FSM turns into a NOTIFICATION.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace floe::bgp {

// RFC 4271 §4.5 Error Code.
enum class ErrorCode : uint8_t {
  kMessageHeaderError = 1,
  kOpenMessageError = 2,
  kUpdateMessageError = 3,
  kHoldTimerExpired = 4,
  kFiniteStateMachineError = 5,
  kCease = 6,
  kRouteRefreshMessageError = 7,  // RFC 7313
};

// RFC 4271 §6.1 Message Header Error subcodes.
namespace header_subcode {
inline constexpr uint8_t kConnectionNotSynchronized = 1;
inline constexpr uint8_t kBadMessageLength = 2;
inline constexpr uint8_t kBadMessageType = 3;
}  // namespace header_subcode

// RFC 4271 §6.2 OPEN Message Error subcodes (+ RFC 5492 §5).
namespace open_subcode {
inline constexpr uint8_t kUnsupportedVersionNumber = 1;
inline constexpr uint8_t kBadPeerAs = 2;
inline constexpr uint8_t kBadBgpIdentifier = 3;
inline constexpr uint8_t kUnsupportedOptionalParameter = 4;
inline constexpr uint8_t kUnacceptableHoldTime = 6;
inline constexpr uint8_t kUnsupportedCapability = 7;
}  // namespace open_subcode

// RFC 4271 §6.3 UPDATE Message Error subcodes.
namespace update_subcode {
inline constexpr uint8_t kMalformedAttributeList = 1;
inline constexpr uint8_t kUnrecognizedWellKnownAttribute = 2;
inline constexpr uint8_t kMissingWellKnownAttribute = 3;
inline constexpr uint8_t kAttributeFlagsError = 4;
inline constexpr uint8_t kAttributeLengthError = 5;
inline constexpr uint8_t kInvalidOriginAttribute = 6;
inline constexpr uint8_t kInvalidNextHopAttribute = 8;
inline constexpr uint8_t kOptionalAttributeError = 9;
inline constexpr uint8_t kInvalidNetworkField = 10;
inline constexpr uint8_t kMalformedAsPath = 11;
}  // namespace update_subcode

// RFC 4486 Cease subcodes used by floe.
namespace cease_subcode {
inline constexpr uint8_t kAdministrativeShutdown = 2;
inline constexpr uint8_t kPeerDeconfigured = 3;
inline constexpr uint8_t kAdministrativeReset = 4;
inline constexpr uint8_t kConnectionRejected = 5;
inline constexpr uint8_t kConnectionCollisionResolution = 7;
}  // namespace cease_subcode

std::string_view errorCodeName(ErrorCode code);

// A message that must end the session with NOTIFICATION(code, subcode, data).
// offset: byte offset of the offending field from the start of the message (header included).
struct DecodeError {
  ErrorCode code;
  uint8_t subcode = 0;
  size_t offset = 0;
  std::vector<uint8_t> data;  // NOTIFICATION Data as the RFC prescribes for this error
  std::string reason;         // for logs and `floe-se status`

  std::string describe() const;  // "UPDATE Message Error/5 at offset 23: ..."
};

// A value or a DecodeError (Result<T> carries a generic Error; a BGP decoder needs the RFC's
// code, subcode, offset and data).
template <class T>
class [[nodiscard]] Decoded {
 public:
  Decoded(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Decoded(DecodeError error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const DecodeError& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, DecodeError> v_;
};

}  // namespace floe::bgp
