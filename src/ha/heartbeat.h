// The legacy HA heartbeat (issue 6): one UDP datagram per interval per path between the two SEs
// of an HA_MODE_LEGACY_ACTIVE_STANDBY group. Pure codec, no I/O. The wire format, field by
// field, is in docs/ha-protocol.md ("Wire format"); all integers are big-endian (network order).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace floe::ha {

// The role a heartbeat announces. kLeaving is the goodbye of a clean shutdown: the sender has
// removed its addresses and the peer may take over at once.
enum class Role : uint8_t { kInit = 0, kActive = 1, kStandby = 2, kLeaving = 3 };

// "INIT", "ACTIVE", "STANDBY", "LEAVING" (as `floe-se status` prints them).
std::string_view roleName(Role role);

inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderSize = 48;    // fixed part, before the two names
inline constexpr size_t kMacSize = 32;       // HMAC-SHA256
inline constexpr size_t kMaxNameSize = 256;  // group and engine names, bytes (config bound)
inline constexpr size_t kMinMessageSize = kHeaderSize + 2 + kMacSize;
inline constexpr size_t kMaxMessageSize = kHeaderSize + 2 * kMaxNameSize + kMacSize;

struct Heartbeat {
  uint8_t version = kVersion;
  std::string group;   // serviceenginegroup name, 1..256 bytes
  std::string engine;  // the sender's serviceengine name, 1..256 bytes
  // The sender's boot: its start time in ns since the Unix epoch (newBootId), so a later boot
  // has a larger id (ReplayWindow relies on it).
  uint64_t boot_id = 0;
  // One counter per sender boot, +1 for every heartbeat sent on any path (so it also increases
  // on each path, and orders heartbeats across paths).
  uint64_t sequence = 0;
  Role role = Role::kInit;
  uint8_t priority = 0;  // ha_priority, lower wins an election; 0 when unset
  uint8_t interfaces_up = 0;
  uint8_t interfaces_total = 0;
  bool degraded = false;          // an interface holding a floating IP, VIP or SNAT IP is down
  bool takeover_request = false;  // the active asks the standby to take over (switchover)
  uint64_t config_generation = 0;
  // Added to the API of issue 6 (after its fields, so positional initialisation still works):
  bool first_listed = false;  // the sender is listed first in the group (election tie-break)
  // The sender's claim: raised to (highest term heard) + 1 each time it becomes active; a standby
  // carries the highest term it knows. Two actives: the higher term keeps the role.
  uint64_t term = 0;
};

// Error::code of a failed decodeHeartbeat.
enum class DecodeError : int { kTruncated = 1, kBadVersion = 2, kBadMac = 3, kMalformed = 4 };

// Encodes `hb` (docs/ha-protocol.md). With a non-empty `secret` the last 32 bytes are
// HMAC-SHA256(secret, every byte before them); with an empty secret they are 32 zero bytes.
// Returns an empty vector when a name is empty or longer than kMaxNameSize bytes (never
// truncates a name).
std::vector<uint8_t> encodeHeartbeat(const Heartbeat& hb, std::span<const uint8_t> secret);

// Decodes one datagram. Error::code is a DecodeError; the message names the field and its byte
// offset ("heartbeat: group_len at offset 10: 0 (must be 1..256)"). The MAC is compared in
// constant time; with an empty `secret` the MAC field must be all zero (a keyed sender is
// refused as kBadMac, as is an unkeyed one when we hold a secret).
Result<Heartbeat> decodeHeartbeat(std::span<const uint8_t> bytes, std::span<const uint8_t> secret);

// A boot id from the wall clock: ns since the Unix epoch.
uint64_t newBootId(WallTime now);

}  // namespace floe::ha
