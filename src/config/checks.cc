#include "config/checks.h"

#include <algorithm>
#include <cctype>

namespace floe::config::detail {

std::optional<std::string> checkRange(uint64_t value, const Range& range) {
  if (value == 0 && range.zero_ok) return std::nullopt;
  if (value >= range.min && value <= range.max) return std::nullopt;
  return outOfRange(std::to_string(value), range);
}

std::string outOfRange(std::string_view shownValue, const Range& range) {
  return std::string(shownValue) + " is out of range; " + std::string(range.accepted);
}

std::optional<std::string> checkControlCharacters(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // C0 controls and DEL; C1 controls (U+0080-U+009F) are the UTF-8 pairs C2 80 - C2 9F.
    unsigned code = 0x100;
    if (c < 0x20 || c == 0x7F) code = c;
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) code = next;
    }
    if (code == 0x100) continue;
    return std::string("contains the control character U+00") + kHex[code >> 4] + kHex[code & 0xF] +
           " at byte " + std::to_string(i) + "; names and ids are printable text";
  }
  return std::nullopt;
}

std::optional<std::string> checkName(const std::string& name) {
  if (name.empty()) return "must not be empty; give the object a name";
  if (name.size() > kMaxNameLength) {
    return "is " + std::to_string(name.size()) + " bytes long; names are at most " +
           std::to_string(kMaxNameLength) + " bytes";
  }
  if (auto bad = checkUtf8(name)) return bad;
  return checkControlCharacters(name);
}

std::optional<std::string> checkIfName(const std::string& ifName) {
  if (ifName.empty()) return "must not be empty; give the host's interface name, e.g. eth0";
  if (ifName.size() > kMaxIfNameLength) {
    return "\"" + ifName + "\" is too long; Linux interface names are 1-15 characters";
  }
  if (ifName == "." || ifName == "..") return "\"" + ifName + "\" is not an interface name";
  for (unsigned char c : ifName) {
    if (c == '/' || c == ':' || std::isspace(c) || c < 0x20 || c >= 0x7f) {
      return "\"" + ifName +
             "\" is not a Linux interface name; use printable ASCII without '/', ':' or spaces";
    }
  }
  return std::nullopt;
}

std::optional<std::string> checkUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return "is not valid UTF-8 text";
    }
    if (i + extra >= text.size()) return "is not valid UTF-8 text";  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return "is not valid UTF-8 text";
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8 (RFC 3629 §3).
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return "is not valid UTF-8 text";
    }
    i += extra + 1;
  }
  return std::nullopt;
}

std::optional<std::string> checkSecret(const std::string& secret, size_t maxLength) {
  if (secret.empty()) return "must not be empty; omit the field to go without a secret";
  if (secret.size() > maxLength) {
    return "is " + std::to_string(secret.size()) + " bytes long; at most " +
           std::to_string(maxLength) + " are accepted";
  }
  return checkUtf8(secret);
}

std::optional<std::string> checkNotV4Mapped(const IpAddress& address) {
  if (!address.isV6()) return std::nullopt;
  const auto& b = address.bytes();
  const bool mapped = std::all_of(b.begin(), b.begin() + 10, [](uint8_t x) { return x == 0; }) &&
                      b[10] == 0xFF && b[11] == 0xFF;
  if (!mapped) return std::nullopt;
  const IpAddress v4 = IpAddress::fromV4((uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) |
                                         (uint32_t{b[14]} << 8) | b[15]);
  return address.toString() + " is an IPv4-mapped IPv6 address; write the IPv4 address " +
         v4.toString();
}

std::optional<std::string> checkClaimable(const IpAddress& address) {
  if (auto bad = checkUnicast(address)) return bad;
  const bool loopback =
      address.isV4()
          ? address.bytes()[0] == 127
          : address == IpAddress::fromV6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  if (loopback) {
    return address.toString() +
           " is a loopback address, which never leaves the host; give an address on a data "
           "interface's network";
  }
  return std::nullopt;
}

std::optional<std::string> checkUnicast(const IpAddress& address) {
  if (auto bad = checkNotV4Mapped(address)) return bad;
  if (address.isUnspecified()) {
    return address.toString() + " is the unspecified address; give a unicast address";
  }
  const bool multicast =
      address.isV4() ? (address.bytes()[0] & 0xF0) == 0xE0 : address.bytes()[0] == 0xFF;
  if (multicast) return address.toString() + " is a multicast address; give a unicast address";
  if (address.isV4() && address.v4HostOrder() == 0xFFFFFFFFu) {
    return address.toString() + " is the broadcast address; give a unicast address";
  }
  return std::nullopt;
}

std::optional<std::string> checkNetworkPrefix(const Prefix& prefix) {
  if (auto bad = checkNotV4Mapped(prefix.address())) return bad;
  const IpAddress network = prefix.network();
  if (network == prefix.address()) return std::nullopt;
  const Prefix suggestion(network, prefix.length());
  return prefix.toString() + " has host bits set; did you mean " + suggestion.toString() + "?";
}

std::optional<std::string> checkInterfaceAddress(const Prefix& prefix) {
  const IpAddress& a = prefix.address();
  if (auto bad = checkUnicast(a)) return bad;
  // RFC 3021: /31 and /32 have no network or broadcast address.
  if (!a.isV4() || prefix.length() >= 31) return std::nullopt;
  const uint32_t hostMask = 0xFFFFFFFFu >> prefix.length();
  const uint32_t host = a.v4HostOrder() & hostMask;
  const Prefix network(prefix.network(), prefix.length());
  if (host == 0) {
    return prefix.toString() + " is the network address of " + network.toString() +
           "; give the interface's own address, e.g. " +
           Prefix(IpAddress::fromV4(a.v4HostOrder() | 1), prefix.length()).toString();
  }
  if (host == hostMask) {
    return prefix.toString() + " is the broadcast address of " + network.toString() +
           "; give the interface's own address";
  }
  return std::nullopt;
}

std::optional<std::string> checkHttpResponseCode(const std::string& code) {
  for (auto accepted : kHttpResponseCodes) {
    if (code == accepted) return std::nullopt;
  }
  std::vector<std::string> all(std::begin(kHttpResponseCodes), std::end(kHttpResponseCodes));
  return "\"" + code + "\" is not a response code class; accepted: " + join(all);
}

std::optional<std::string> checkHttpFieldName(const std::string& name) {
  if (name.empty()) return "must not be empty; give a header name";
  if (name.size() > kMaxFieldNameLength) {
    return "is " + std::to_string(name.size()) + " bytes long; header names are at most " +
           std::to_string(kMaxFieldNameLength);
  }
  // tchar (RFC 9110 §5.6.2): ALPHA, DIGIT and !#$%&'*+-.^_`|~
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    kSymbols.find(static_cast<char>(c)) != std::string_view::npos;
    if (ok) continue;
    std::string shown;
    if (c > 0x20 && c < 0x7f) {
      shown = std::string("'") + static_cast<char>(c) + "'";
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      shown = std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15];
    }
    // The name itself is not echoed: it may hold a newline.
    return "is not an HTTP header name: " + shown + " at offset " + std::to_string(i) +
           "; use letters, digits and !#$%&'*+-.^_`|~ (RFC 9110 token)";
  }
  return std::nullopt;
}

std::optional<std::string> checkXffAlternateName(const std::string& name) {
  if (auto bad = checkHttpFieldName(name)) return bad;
  // Fields that frame or route the request, are hop-by-hop (RFC 9110 §7.6.1), or that floe
  // writes itself: appending the client's address to one of them breaks every request.
  static constexpr std::string_view kReserved[] = {
      "Host",    "Content-Length", "Transfer-Encoding", "Connection",        "Keep-Alive",
      "TE",      "Trailer",        "Upgrade",           "Proxy-Connection",  "Expect",
      "Via",     "X-Forwarded-Proto"};
  for (auto reserved : kReserved) {
    if (name.size() != reserved.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(name[i])) ==
             std::tolower(static_cast<unsigned char>(reserved[i]));
    }
    if (same) {
      return "\"" + name +
             "\" frames, routes or is hop-by-hop in HTTP, or floe writes it itself: the client's "
             "address cannot go there; name a header of your own, e.g. \"X-Real-Client\"";
    }
  }
  return std::nullopt;
}

std::string objectPath(std::string_view type, const std::string& name, size_t index) {
  // A name that is not acceptable is reported at its own path; never echoed in others.
  if (checkName(name)) return std::string(type) + "[" + std::to_string(index) + "]";
  return std::string(type) + "[" + name + "]";
}

std::string fieldPath(const std::string& base, std::string_view field) {
  return base + "." + std::string(field);
}

std::string indexPath(const std::string& base, size_t index) {
  return base + "[" + std::to_string(index) + "]";
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Levenshtein distance, capped: inputs longer than 64 characters are never "close".
size_t editDistance(std::string_view a, std::string_view b) {
  if (a.size() > 64 || b.size() > 64) return SIZE_MAX;
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string didYouMean(std::string_view given, const std::vector<std::string>& candidates) {
  const std::string g = lower(given);
  const std::string* best = nullptr;
  size_t bestDistance = SIZE_MAX;
  for (const auto& c : candidates) {
    const size_t d = editDistance(g, lower(c));
    if (d < bestDistance) {
      bestDistance = d;
      best = &c;
    }
  }
  // Close: at most two edits, and fewer edits than half the word (so "ip" does not suggest "id").
  if (best == nullptr || bestDistance > 2 || bestDistance * 2 >= best->size()) return "";
  return " (did you mean " + *best + "?)";
}

std::string hostRouteCommand(const IpAddress& destination, const IpAddress& gateway) {
  if (destination.isV4()) {
    return "route add -host " + destination.toString() + " gw " + gateway.toString();
  }
  return "route -A inet6 add " + destination.toString() + "/128 gw " + gateway.toString();
}

bool overlaps(const Prefix& a, const Prefix& b) {
  if (a.address().family() != b.address().family()) return false;
  return a.contains(b.network()) || b.contains(a.network());
}

std::optional<uint32_t> parseBgpCommunity(std::string_view text) {
  struct WellKnown {
    std::string_view name;
    uint32_t value;
  };
  static constexpr WellKnown kWellKnown[] = {{"internet", 0},
                                             {"no-export", 0xFFFFFF01u},
                                             {"no-advertise", 0xFFFFFF02u},
                                             {"local-as", 0xFFFFFF03u}};
  for (const auto& w : kWellKnown) {
    if (text.size() != w.name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < text.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(text[i])) == w.name[i];
    }
    if (same) return w.value;
  }
  // Decimal digits only, at most `max`.
  auto number = [](std::string_view s, uint64_t max) -> std::optional<uint64_t> {
    if (s.empty() || s.size() > 10) return std::nullopt;
    uint64_t n = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (n > max) return std::nullopt;
    return n;
  };
  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    const auto as = number(text.substr(0, colon), 65535);
    const auto value = number(text.substr(colon + 1), 65535);
    if (!as || !value) return std::nullopt;
    return static_cast<uint32_t>(*as << 16 | *value);
  }
  if (const auto n = number(text, 4294967295u)) return static_cast<uint32_t>(*n);
  return std::nullopt;
}

}  // namespace floe::config::detail
