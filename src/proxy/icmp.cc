#include "proxy/icmp.h"

#include <algorithm>
#include <string>

namespace floe::proxy::icmp {

namespace {

constexpr size_t kIpv4MinHeader = 20;
constexpr uint8_t kProtocolIcmp = 1;

uint16_t get16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}

Error decodeError(const std::string& what, size_t offset) {
  return makeError(what + " at offset " + std::to_string(offset));
}

}  // namespace

uint16_t checksum(std::span<const uint8_t> bytes) {
  uint32_t sum = 0;
  size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += get16(bytes, i);
  if (i < bytes.size()) sum += static_cast<uint32_t>(bytes[i]) << 8;  // odd length: pad a zero
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

std::vector<uint8_t> encodeEchoRequest(Family family, uint16_t id, uint16_t seq,
                                       std::span<const uint8_t> payload) {
  std::vector<uint8_t> out(kHeaderSize + payload.size());
  out[0] = family == Family::kV4 ? kEchoRequestV4 : kEchoRequestV6;
  out[1] = 0;  // code
  out[4] = static_cast<uint8_t>(id >> 8);
  out[5] = static_cast<uint8_t>(id);
  out[6] = static_cast<uint8_t>(seq >> 8);
  out[7] = static_cast<uint8_t>(seq);
  std::copy(payload.begin(), payload.end(), out.begin() + kHeaderSize);
  if (family == Family::kV4) {
    const uint16_t sum = checksum(out);
    out[2] = static_cast<uint8_t>(sum >> 8);
    out[3] = static_cast<uint8_t>(sum);
  }
  return out;
}

Result<EchoReply> decodeEchoReply(Family family, std::span<const uint8_t> packet) {
  size_t at = 0;
  std::span<const uint8_t> msg = packet;
  if (family == Family::kV4) {
    // RFC 791 §3.1: version and IHL in the first byte, total length at 2, protocol at 9.
    if (packet.size() < kIpv4MinHeader) {
      return decodeError("truncated IPv4 header: " + std::to_string(packet.size()) + " bytes", 0);
    }
    const uint8_t version = packet[0] >> 4;
    if (version != 4) return decodeError("IP version " + std::to_string(version) + ", not 4", 0);
    const size_t ihl = static_cast<size_t>(packet[0] & 0x0f) * 4;
    if (ihl < kIpv4MinHeader || ihl > packet.size()) {
      return decodeError("bad IPv4 header length " + std::to_string(ihl), 0);
    }
    const size_t total = get16(packet, 2);
    if (total < ihl || total > packet.size()) {
      return decodeError("bad IPv4 total length " + std::to_string(total), 2);
    }
    if (packet[9] != kProtocolIcmp) {
      return decodeError("IP protocol " + std::to_string(packet[9]) + ", not ICMP", 9);
    }
    at = ihl;
    msg = packet.subspan(ihl, total - ihl);
  }
  if (msg.size() < kHeaderSize) {
    return decodeError("truncated ICMP header: " + std::to_string(msg.size()) + " bytes", at);
  }
  const uint8_t wantType = family == Family::kV4 ? kEchoReplyV4 : kEchoReplyV6;
  if (msg[0] != wantType) {
    return decodeError("ICMP type " + std::to_string(msg[0]) + ", not an echo reply", at);
  }
  if (msg[1] != 0) return decodeError("echo reply code " + std::to_string(msg[1]), at + 1);
  // A correct ICMP checksum sums, with itself included, to zero (RFC 1071).
  if (family == Family::kV4 && checksum(msg) != 0) return decodeError("bad ICMP checksum", at + 2);
  EchoReply r;
  r.id = get16(msg, 4);
  r.seq = get16(msg, 6);
  r.payload_size = msg.size() - kHeaderSize;
  return r;
}

uint16_t EchoTracker::add(const IpAddress& target, uint64_t token) {
  // Skip sequence numbers still waiting for an answer (only after 65535 requests in flight
  // would this loop not find one quickly; the caller keeps far fewer).
  while (pending_.count(next_seq_) != 0) ++next_seq_;
  const uint16_t seq = next_seq_++;
  pending_[seq] = Pending{target, token};
  return seq;
}

std::optional<uint64_t> EchoTracker::match(const EchoReply& reply, const IpAddress& source) {
  if (reply.id != id_) return std::nullopt;
  auto it = pending_.find(reply.seq);
  if (it == pending_.end() || it->second.target != source) return std::nullopt;
  const uint64_t token = it->second.token;
  pending_.erase(it);
  return token;
}

}  // namespace floe::proxy::icmp
