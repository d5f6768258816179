#include "common/ip.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace floe {

IpAddress IpAddress::fromV4(uint32_t hostOrder) {
  IpAddress a;
  a.family_ = Family::kV4;
  a.bytes_[0] = static_cast<uint8_t>(hostOrder >> 24);
  a.bytes_[1] = static_cast<uint8_t>(hostOrder >> 16);
  a.bytes_[2] = static_cast<uint8_t>(hostOrder >> 8);
  a.bytes_[3] = static_cast<uint8_t>(hostOrder);
  return a;
}

IpAddress IpAddress::fromV6(const std::array<uint8_t, 16>& bytes) {
  IpAddress a;
  a.family_ = Family::kV6;
  a.bytes_ = bytes;
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, a.bytes_.data()) != 1) return std::nullopt;
    a.family_ = Family::kV4;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.bytes_.data()) != 1) return std::nullopt;
  a.family_ = Family::kV6;
  return a;
}

std::optional<IpAddress> IpAddress::fromSockaddr(const sockaddr* sa) {
  if (sa == nullptr) return std::nullopt;
  IpAddress a;
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    a.family_ = Family::kV4;
    std::memcpy(a.bytes_.data(), &in->sin_addr, 4);
    return a;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    a.family_ = Family::kV6;
    std::memcpy(a.bytes_.data(), &in6->sin6_addr, 16);
    return a;
  }
  return std::nullopt;
}

bool IpAddress::isUnspecified() const {
  const size_t n = isV4() ? 4 : 16;
  for (size_t i = 0; i < n; ++i) {
    if (bytes_[i] != 0) return false;
  }
  return true;
}

uint32_t IpAddress::v4HostOrder() const {
  return (uint32_t{bytes_[0]} << 24) | (uint32_t{bytes_[1]} << 16) | (uint32_t{bytes_[2]} << 8) |
         uint32_t{bytes_[3]};
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(af(), bytes_.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

socklen_t IpAddress::toSockaddr(uint16_t port, sockaddr_storage& out) const {
  std::memset(&out, 0, sizeof out);
  if (isV4()) {
    auto* in = reinterpret_cast<sockaddr_in*>(&out);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    std::memcpy(&in->sin_addr, bytes_.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  std::memcpy(&in6->sin6_addr, bytes_.data(), 16);
  return sizeof(sockaddr_in6);
}

Prefix::Prefix(IpAddress address, uint8_t length) : address_(address), length_(length) {
  if (length_ > address_.maxPrefixLength()) length_ = static_cast<uint8_t>(address_.maxPrefixLength());
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const auto lenText = text.substr(slash + 1);
  if (lenText.empty() || lenText.size() > 3) return std::nullopt;
  unsigned len = 0;
  auto [ptr, ec] = std::from_chars(lenText.data(), lenText.data() + lenText.size(), len);
  if (ec != std::errc() || ptr != lenText.data() + lenText.size()) return std::nullopt;
  if (len > static_cast<unsigned>(addr->maxPrefixLength())) return std::nullopt;
  return Prefix(*addr, static_cast<uint8_t>(len));
}

IpAddress Prefix::network() const {
  auto bytes = address_.bytes();
  const int total = address_.maxPrefixLength() / 8;
  for (int i = 0; i < total; ++i) {
    const int bitsHere = static_cast<int>(length_) - i * 8;
    if (bitsHere >= 8) continue;
    if (bitsHere <= 0) {
      bytes[i] = 0;
    } else {
      bytes[i] &= static_cast<uint8_t>(0xFF << (8 - bitsHere));
    }
  }
  if (address_.isV4()) {
    return IpAddress::fromV4((uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) |
                             (uint32_t{bytes[2]} << 8) | uint32_t{bytes[3]});
  }
  return IpAddress::fromV6(bytes);
}

bool Prefix::contains(const IpAddress& a) const {
  if (a.family() != address_.family()) return false;
  return Prefix(a, length_).network() == network();
}

std::string Prefix::toString() const {
  return address_.toString() + "/" + std::to_string(length_);
}

std::string formatEndpoint(const IpAddress& a, uint16_t port) {
  if (a.isV6()) return "[" + a.toString() + "]:" + std::to_string(port);
  return a.toString() + ":" + std::to_string(port);
}

}  // namespace floe

size_t std::hash<floe::IpAddress>::operator()(const floe::IpAddress& a) const noexcept {
  size_t h = static_cast<size_t>(a.family());
  for (uint8_t b : a.bytes()) h = h * 131 + b;
  return h;
}
