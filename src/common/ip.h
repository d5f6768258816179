// IPv4/IPv6 addresses and prefixes: parsing, formatting, containment, sockaddr conversion.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace floe {

class IpAddress {
 public:
  enum class Family : uint8_t { kV4 = 4, kV6 = 6 };

  IpAddress() = default;  // 0.0.0.0
  static IpAddress fromV4(uint32_t hostOrder);
  static IpAddress fromV6(const std::array<uint8_t, 16>& bytes);
  // Accepts dotted quad or RFC 4291/5952 text; nothing else (no port, no prefix).
  static std::optional<IpAddress> parse(std::string_view text);
  // From a sockaddr_in / sockaddr_in6 (v4-mapped v6 addresses stay v6).
  static std::optional<IpAddress> fromSockaddr(const sockaddr* sa);

  Family family() const { return family_; }
  bool isV4() const { return family_ == Family::kV4; }
  bool isV6() const { return family_ == Family::kV6; }
  int af() const { return isV4() ? AF_INET : AF_INET6; }
  int maxPrefixLength() const { return isV4() ? 32 : 128; }
  bool isUnspecified() const;

  // Network-order bytes; an IPv4 address uses the first 4.
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  uint32_t v4HostOrder() const;

  std::string toString() const;
  // Fills `out` with the socket address for `port`; returns its length.
  socklen_t toSockaddr(uint16_t port, sockaddr_storage& out) const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  Family family_ = Family::kV4;
  std::array<uint8_t, 16> bytes_{};
};

class Prefix {
 public:
  Prefix() = default;
  // Keeps host bits as given (an interface address "10.10.1.11/24" is a Prefix).
  Prefix(IpAddress address, uint8_t length);
  static std::optional<Prefix> parse(std::string_view text);  // "a/len"
  static Prefix host(IpAddress address) {
    return Prefix(address, static_cast<uint8_t>(address.maxPrefixLength()));
  }

  const IpAddress& address() const { return address_; }
  uint8_t length() const { return length_; }
  IpAddress network() const;  // host bits cleared
  bool contains(const IpAddress& a) const;
  bool isHost() const { return length_ == address_.maxPrefixLength(); }
  std::string toString() const;

  auto operator<=>(const Prefix&) const = default;

 private:
  IpAddress address_;
  uint8_t length_ = 0;
};

std::string formatEndpoint(const IpAddress& a, uint16_t port);  // "1.2.3.4:80", "[::1]:80"

}  // namespace floe

template <>
struct std::hash<floe::IpAddress> {
  size_t operator()(const floe::IpAddress& a) const noexcept;
};
