// Byte helpers shared by the BGP codec files (internal; not part of the module's interface).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/ip.h"

namespace floe::bgp::wire {

inline uint16_t get16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}
inline uint32_t get32(std::span<const uint8_t> b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
         uint32_t{b[at + 3]};
}
inline void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
inline void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v));
}
inline void set16(std::vector<uint8_t>& out, size_t at, uint16_t v) {
  out[at] = static_cast<uint8_t>(v >> 8);
  out[at + 1] = static_cast<uint8_t>(v);
}

// RFC 4271 §4.3 prefix encoding: length in bits, then the fewest octets that hold it.
inline void putPrefix(std::vector<uint8_t>& out, const Prefix& p) {
  out.push_back(p.length());
  const size_t n = (p.length() + 7u) / 8u;
  out.insert(out.end(), p.address().bytes().begin(), p.address().bytes().begin() + n);
}

// Decodes a run of prefixes of one family filling `b` exactly. On failure returns false and
// sets `badAt` to the offset (within b) of the prefix that does not fit.
bool parsePrefixes(std::span<const uint8_t> b, bool v6, std::vector<Prefix>& out, size_t& badAt);

}  // namespace floe::bgp::wire
