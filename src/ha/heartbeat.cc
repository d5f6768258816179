#include "ha/heartbeat.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <string>

namespace floe::ha {
namespace {

constexpr std::array<uint8_t, 4> kMagic = {'F', 'L', 'H', 'B'};
constexpr uint8_t kFlagDegraded = 0x01;
constexpr uint8_t kFlagTakeover = 0x02;
constexpr uint8_t kFlagFirstListed = 0x04;

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void put64(std::vector<uint8_t>& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}
uint16_t get16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}
uint64_t get64(std::span<const uint8_t> b, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | b[at + i];
  return v;
}

std::array<uint8_t, kMacSize> mac(std::span<const uint8_t> secret, std::span<const uint8_t> data) {
  std::array<uint8_t, kMacSize> out{};
  if (secret.empty()) return out;  // unkeyed: all zero
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), data.data(), data.size(),
       out.data(), &len);
  return out;
}

Error fail(DecodeError code, size_t offset, const std::string& field, const std::string& what) {
  return makeError("heartbeat: " + field + " at offset " + std::to_string(offset) + ": " + what,
                   static_cast<int>(code));
}

}  // namespace

std::string_view roleName(Role role) {
  switch (role) {
    case Role::kInit:
      return "INIT";
    case Role::kActive:
      return "ACTIVE";
    case Role::kStandby:
      return "STANDBY";
    case Role::kLeaving:
      return "LEAVING";
  }
  return "UNKNOWN";
}

std::vector<uint8_t> encodeHeartbeat(const Heartbeat& hb, std::span<const uint8_t> secret) {
  if (hb.group.empty() || hb.group.size() > kMaxNameSize || hb.engine.empty() ||
      hb.engine.size() > kMaxNameSize) {
    return {};
  }
  std::vector<uint8_t> out;
  out.reserve(kHeaderSize + hb.group.size() + hb.engine.size() + kMacSize);
  out.insert(out.end(), kMagic.begin(), kMagic.end());
  out.push_back(hb.version);
  out.push_back(static_cast<uint8_t>(hb.role));
  out.push_back(static_cast<uint8_t>((hb.degraded ? kFlagDegraded : 0) |
                                     (hb.takeover_request ? kFlagTakeover : 0) |
                                     (hb.first_listed ? kFlagFirstListed : 0)));
  out.push_back(hb.priority);
  out.push_back(hb.interfaces_up);
  out.push_back(hb.interfaces_total);
  put16(out, static_cast<uint16_t>(hb.group.size()));
  put16(out, static_cast<uint16_t>(hb.engine.size()));
  put16(out, 0);  // reserved
  put64(out, hb.boot_id);
  put64(out, hb.sequence);
  put64(out, hb.term);
  put64(out, hb.config_generation);
  out.insert(out.end(), hb.group.begin(), hb.group.end());
  out.insert(out.end(), hb.engine.begin(), hb.engine.end());
  const auto tag = mac(secret, out);
  out.insert(out.end(), tag.begin(), tag.end());
  return out;
}

Result<Heartbeat> decodeHeartbeat(std::span<const uint8_t> b, std::span<const uint8_t> secret) {
  if (b.size() < kHeaderSize) {
    return fail(DecodeError::kTruncated, b.size(), "header",
                "need " + std::to_string(kHeaderSize) + " bytes, have " + std::to_string(b.size()));
  }
  for (size_t i = 0; i < kMagic.size(); ++i) {
    if (b[i] != kMagic[i]) return fail(DecodeError::kMalformed, i, "magic", "not \"FLHB\"");
  }
  Heartbeat hb;
  hb.version = b[4];
  if (hb.version != kVersion) {
    return fail(
        DecodeError::kBadVersion, 4, "version",
        std::to_string(hb.version) + " (this floe speaks " + std::to_string(kVersion) + ")");
  }
  const size_t group_len = get16(b, 10);
  const size_t engine_len = get16(b, 12);
  if (group_len == 0 || group_len > kMaxNameSize) {
    return fail(DecodeError::kMalformed, 10, "group_len",
                std::to_string(group_len) + " (must be 1..256)");
  }
  if (engine_len == 0 || engine_len > kMaxNameSize) {
    return fail(DecodeError::kMalformed, 12, "engine_len",
                std::to_string(engine_len) + " (must be 1..256)");
  }
  const size_t mac_at = kHeaderSize + group_len + engine_len;
  if (b.size() < mac_at + kMacSize) {
    return fail(
        DecodeError::kTruncated, b.size(), "mac",
        "need " + std::to_string(mac_at + kMacSize) + " bytes, have " + std::to_string(b.size()));
  }
  if (b.size() > mac_at + kMacSize) {
    return fail(DecodeError::kMalformed, mac_at + kMacSize, "length",
                std::to_string(b.size() - mac_at - kMacSize) + " trailing bytes after the mac");
  }
  const auto want = mac(secret, b.first(mac_at));
  if (CRYPTO_memcmp(want.data(), b.data() + mac_at, kMacSize) != 0) {
    return fail(DecodeError::kBadMac, mac_at, "mac",
                secret.empty() ? "keyed, but no ha_heartbeat_secret is configured here"
                               : "does not match (wrong ha_heartbeat_secret or altered)");
  }
  if (b[5] > static_cast<uint8_t>(Role::kLeaving)) {
    return fail(DecodeError::kMalformed, 5, "role", "unknown value " + std::to_string(b[5]));
  }
  hb.role = static_cast<Role>(b[5]);
  if ((b[6] & ~(kFlagDegraded | kFlagTakeover | kFlagFirstListed)) != 0) {
    return fail(DecodeError::kMalformed, 6, "flags",
                "reserved bits set (" + std::to_string(b[6]) + ")");
  }
  hb.degraded = (b[6] & kFlagDegraded) != 0;
  hb.takeover_request = (b[6] & kFlagTakeover) != 0;
  hb.first_listed = (b[6] & kFlagFirstListed) != 0;
  hb.priority = b[7];
  hb.interfaces_up = b[8];
  hb.interfaces_total = b[9];
  if (hb.interfaces_up > hb.interfaces_total) {
    return fail(DecodeError::kMalformed, 8, "interfaces_up",
                std::to_string(hb.interfaces_up) + " exceeds interfaces_total " +
                    std::to_string(hb.interfaces_total));
  }
  if (get16(b, 14) != 0) return fail(DecodeError::kMalformed, 14, "reserved", "not zero");
  hb.boot_id = get64(b, 16);
  hb.sequence = get64(b, 24);
  hb.term = get64(b, 32);
  hb.config_generation = get64(b, 40);
  hb.group.assign(reinterpret_cast<const char*>(b.data() + kHeaderSize), group_len);
  hb.engine.assign(reinterpret_cast<const char*>(b.data() + kHeaderSize + group_len), engine_len);
  return hb;
}

uint64_t newBootId(WallTime now) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
}

}  // namespace floe::ha
