// ICMP / ICMPv6 echo (RFC 792, RFC 4443 §4): request encoding, reply decoding, and matching
// replies to outstanding probes. Pure functions over bytes; the ping prober does the I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "common/ip.h"
#include "common/result.h"

namespace floe::proxy::icmp {

enum class Family : uint8_t { kV4, kV6 };

inline constexpr uint8_t kEchoReplyV4 = 0;
inline constexpr uint8_t kEchoRequestV4 = 8;
inline constexpr uint8_t kEchoRequestV6 = 128;
inline constexpr uint8_t kEchoReplyV6 = 129;
inline constexpr size_t kHeaderSize = 8;  // type, code, checksum, identifier, sequence

struct EchoReply {
  uint16_t id = 0;
  uint16_t seq = 0;
  size_t payload_size = 0;
};

// RFC 1071 Internet checksum (ones' complement of the ones' complement sum).
uint16_t checksum(std::span<const uint8_t> bytes);

// An echo request. For IPv4 the checksum is filled in; for ICMPv6 it stays 0 because the kernel
// computes it over the IPv6 pseudo-header (raw ICMPv6 sockets always do, RFC 3542 §3.1).
std::vector<uint8_t> encodeEchoRequest(Family family, uint16_t id, uint16_t seq,
                                       std::span<const uint8_t> payload);

// Decodes what a raw socket returns: for IPv4 the IP header followed by the ICMP message, for
// IPv6 the ICMPv6 message alone (its checksum already verified by the kernel). Anything but a
// well-formed echo reply is an error naming the reason and the byte offset.
Result<EchoReply> decodeEchoReply(Family family, std::span<const uint8_t> packet);

// Outstanding echo requests of one prober (one identifier), by sequence number.
class EchoTracker {
 public:
  explicit EchoTracker(uint16_t id) : id_(id) {}

  uint16_t id() const { return id_; }
  // Registers a request toward `target`; returns the sequence number to send it with.
  uint16_t add(const IpAddress& target, uint64_t token);
  // The token of the request `reply` answers (same identifier, a pending sequence number, sent
  // to `source`), removing it; nullopt for anything else (another process's ping, a duplicate).
  std::optional<uint64_t> match(const EchoReply& reply, const IpAddress& source);
  void remove(uint16_t seq) { pending_.erase(seq); }
  size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    IpAddress target;
    uint64_t token;
  };
  uint16_t id_;
  uint16_t next_seq_ = 1;
  std::map<uint16_t, Pending> pending_;
};

}  // namespace floe::proxy::icmp
