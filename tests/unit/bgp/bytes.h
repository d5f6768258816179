// Helpers for annotated BGP byte vectors in tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace floe::bgp::testing {

// 16 marker octets, the length (computed), the type, then `body`.
inline std::vector<uint8_t> message(uint8_t type, std::initializer_list<uint8_t> body) {
  std::vector<uint8_t> out(16, 0xff);
  const size_t len = 19 + body.size();
  out.push_back(static_cast<uint8_t>(len >> 8));
  out.push_back(static_cast<uint8_t>(len));
  out.push_back(type);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace floe::bgp::testing
