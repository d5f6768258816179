// BFD control packet codec, RFC 5880 §4.1 (mandatory section) and §4.2 (authentication
// section kept as opaque bytes). Pure functions: bytes in, fields out, and back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace floe::bfd {

// RFC 5880 §4.1 "Sta" field values.
enum class State : uint8_t { kAdminDown = 0, kDown = 1, kInit = 2, kUp = 3 };

// RFC 5880 §4.1 "Diag" field values.
enum class Diagnostic : uint8_t {
  kNoDiagnostic = 0,
  kControlDetectionTimeExpired = 1,
  kEchoFunctionFailed = 2,
  kNeighborSignaledSessionDown = 3,
  kForwardingPlaneReset = 4,
  kPathDown = 5,
  kConcatenatedPathDown = 6,
  kAdministrativelyDown = 7,
  kReverseConcatenatedPathDown = 8,
};

std::string_view stateName(State s);            // "AdminDown", "Down", "Init", "Up"
std::string_view diagnosticName(Diagnostic d);  // RFC 5880 §4.1 wording

inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kMinLength = 24;          // without authentication
inline constexpr size_t kMinLengthWithAuth = 26;  // with the A bit set

// One control packet. Intervals are in microseconds, as on the wire (host order here).
struct ControlPacket {
  uint8_t version = kVersion;
  Diagnostic diag = Diagnostic::kNoDiagnostic;
  State state = State::kDown;
  bool poll = false;                     // P
  bool final = false;                    // F
  bool controlPlaneIndependent = false;  // C
  bool authPresent = false;              // A
  bool demand = false;                   // D
  bool multipoint = false;               // M (must be zero)
  uint8_t detectMult = 0;
  uint32_t myDiscriminator = 0;
  uint32_t yourDiscriminator = 0;
  uint32_t desiredMinTxIntervalUs = 0;
  uint32_t requiredMinRxIntervalUs = 0;
  uint32_t requiredMinEchoRxIntervalUs = 0;
  std::vector<uint8_t> auth;  // §4.2 authentication section, verbatim (empty unless A)

  bool operator==(const ControlPacket&) const = default;
};

// Decodes one packet (the UDP payload). Applies the packet-level validity checks of RFC 5880
// §6.8.6 (version, length, detect mult, multipoint, discriminators); the session-level ones
// (your discriminator selects a session, A bit against configuration) are Session's.
// Errors: Error.message "bfd: <field> at offset <n>: <reason>", Error.code = the offset.
// Bytes after the Length field's end are ignored (§6.8.6 only bounds length from above).
Result<ControlPacket> decodeControlPacket(std::span<const uint8_t> bytes);

// Encodes `p`; Length is 24 + auth.size(). The caller keeps auth consistent with the A bit.
std::vector<uint8_t> encodeControlPacket(const ControlPacket& p);

}  // namespace floe::bfd
