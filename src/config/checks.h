// Internal to src/config: the limits and per-field checks that both the JSON decoder and
// validate() apply, so that a value decoded from a document and a value set in code are
// judged by the same rule with the same words. Not part of the module's interface.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip.h"
#include "config/document.h"

namespace floe::config::detail {

// An accepted numeric range; `accepted` completes "N is out of range; ...".
struct Range {
  uint64_t min;
  uint64_t max;
  bool zero_ok;  // 0 accepted besides [min, max] (hold_time 0 turns keepalives off)
  std::string_view accepted;
};

inline constexpr Range kPort{1, 65535, false, "ports are 1-65535"};
inline constexpr Range kRatio{1, 20, false, "ratio is 1-20"};
inline constexpr Range kChecks{1, 50, false, "successful_checks and failed_checks are 1-50"};
inline constexpr Range kSendInterval{1, 3600, false, "send_interval is 1-3600 seconds"};
inline constexpr Range kReceiveTimeout{1, 2400, false,
                                       "receive_timeout is 1-2400 seconds, below send_interval"};
inline constexpr Range kAsNumber{1, 4294967295u, false, "AS numbers are 1-4294967295"};
// RFC 4271 §4.2: the hold time is zero or at least three seconds.
inline constexpr Range kHoldTime{3, 65535, true,
                                 "hold_time is 0 (no keepalives) or 3-65535 seconds"};
inline constexpr Range kKeepalive{0, 65535, false,
                                  "keepalive_interval is 0-65535 seconds, below hold_time"};
inline constexpr Range kIdleConnectionTimeout{
    5, 14400, true, "idle_connection_timeout is 0 (never) or 5-14400 seconds"};
inline constexpr Range kHttpTimeout{10, 100000000, false, "HTTP timeouts are 10-100000000 ms"};
inline constexpr Range kClientBodyTimeout{10, 100000000, true,
                                          "client_body_timeout is 0 (default) or 10-100000000 ms"};
inline constexpr Range kServerTimeout{1, 21600000, true,
                                      "server_timeout is 0 (default) or 1-21600000 ms"};
inline constexpr Range kHttpStatusCode{101, 599, false, "HTTP status codes are 101-599"};
inline constexpr Range kHbFrequency{1, 10000, false, "dp_hb_frequency is 1-10000 ms"};
inline constexpr Range kHbTimeoutCount{1, 1000, false, "dp_hb_timeout_count is 1-1000"};
inline constexpr Range kHaPriority{1, 255, false, "ha_priority is 1-255 (lower wins)"};
inline constexpr Range kEbgpMultihop{1, 255, true,
                                     "ebgp_multihop is 0 (single hop) or 1-255 (the TTL)"};
inline constexpr Range kLocalPreference{0, 4294967295u, false,
                                        "local_preference is 0-4294967295"};
inline constexpr Range kAsPathPrepend{0, 10, false, "num_as_path_prepend is 0-10"};
inline constexpr size_t kMaxCommunities = 32;  // bgp_profile community entries
inline constexpr Range kBfdInterval{50, 60000, false, "BFD mintx and minrx are 50-60000 ms"};
inline constexpr Range kBfdMulti{1, 255, false, "BFD multi (detection multiplier) is 1-255"};
inline constexpr size_t kMaxMd5SecretLength = 80;  // TCP_MD5SIG_MAXKEYLEN (RFC 2385)
inline constexpr size_t kMaxIfNameLength = 15;     // IFNAMSIZ - 1
inline constexpr size_t kMaxNameLength = 256;      // object names, also inside refs
inline constexpr size_t kMaxDecodeErrors = 1000;   // listed; the rest are counted

// Avi's HTTP response code classes for http_monitor.http_response_code.
inline constexpr std::string_view kHttpResponseCodes[] = {"HTTP_ANY", "HTTP_1XX", "HTTP_2XX",
                                                          "HTTP_3XX", "HTTP_4XX", "HTTP_5XX"};

// Each check returns the reason when the value is unacceptable, std::nullopt when it is fine.
std::optional<std::string> checkRange(uint64_t value, const Range& range);
std::string outOfRange(std::string_view shownValue, const Range& range);
// Object names (and the names refs carry): 1-256 bytes of UTF-8 without control characters
// (a newline in a name could forge extra lines in a diagnostic or a log).
std::optional<std::string> checkName(const std::string& name);
// C0 controls, DEL and C1 controls; the reason names the first one and its byte offset.
std::optional<std::string> checkControlCharacters(std::string_view text);
std::optional<std::string> checkIfName(const std::string& ifName);
std::optional<std::string> checkUtf8(std::string_view text);
std::optional<std::string> checkSecret(const std::string& secret, size_t maxLength);
// Unicast: not unspecified, not multicast, not the IPv4 limited broadcast, not an
// IPv4-mapped IPv6 address (::ffff:0:0/96, RFC 4291 §2.5.5.2: floe would treat it as IPv6
// while the kernel sends IPv4).
std::optional<std::string> checkUnicast(const IpAddress& address);
// Not IPv4-mapped; for every address and prefix of a document.
std::optional<std::string> checkNotV4Mapped(const IpAddress& address);
// An address floe claims on an interface (VIP, SNAT IP, floating IP): unicast and not a
// loopback address (127.0.0.0/8, ::1), which the kernel never routes off the host.
std::optional<std::string> checkClaimable(const IpAddress& address);
// A route or subnet prefix: no host bits ("did you mean 10.0.0.0/8?").
std::optional<std::string> checkNetworkPrefix(const Prefix& prefix);
// An interface address with its prefix length: not the network/broadcast address of an IPv4
// subnet shorter than /31.
std::optional<std::string> checkInterfaceAddress(const Prefix& prefix);
std::optional<std::string> checkHttpResponseCode(const std::string& code);
// An HTTP field name: a token (RFC 9110 §5.1, §5.6.2), 1-256 bytes of tchar.
std::optional<std::string> checkHttpFieldName(const std::string& name);
// http_profile.xff_alternate_name: a field name (checkHttpFieldName) that is none of those
// that frame, route or are hop-by-hop in HTTP/1.1 (Host, Content-Length, Transfer-Encoding,
// Connection, Keep-Alive, TE, Trailer, Upgrade, Proxy-Connection, Expect) nor one floe writes
// (Via, X-Forwarded-Proto), compared without case. nullopt: accepted; else the reason.
std::optional<std::string> checkXffAlternateName(const std::string& name);
inline constexpr size_t kMaxFieldNameLength = 256;

// Paths: `type[name]` (or `type[index]` when the name is empty), `.field`, `[i]`.
std::string objectPath(std::string_view type, const std::string& name, size_t index);
std::string fieldPath(const std::string& base, std::string_view field);
std::string indexPath(const std::string& base, size_t index);

std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");
// " (did you mean X?)" when one candidate is close to `given`, else "".
std::string didYouMean(std::string_view given, const std::vector<std::string>& candidates);
// The command the next-hop router needs to reach `destination` through `gateway`.
std::string hostRouteCommand(const IpAddress& destination, const IpAddress& gateway);

// The two prefixes share at least one address (one contains the other).
bool overlaps(const Prefix& a, const Prefix& b);

// The DESIGN.md rules 1-8 (rules.cc), run by validate().
void checkDesignRules(const Document& doc, Report& report);

// One bgp_profile community (RFC 1997) as a 32-bit value: "AS:VALUE" with both 0-65535
// (AS in the high 16 bits), a decimal number 0-4294967295, or a well-known name in any case:
// internet (0), no-export (0xFFFFFF01), no-advertise (0xFFFFFF02), local-AS (0xFFFFFF03,
// NO_EXPORT_SUBCONFED). nullopt for anything else.
std::optional<uint32_t> parseBgpCommunity(std::string_view text);

}  // namespace floe::config::detail
