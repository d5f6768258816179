// The return path of preserve_client_ip (reference default-gateway-ip-routing.md; DESIGN.md
// "nftables (libnftables) for transparent return traffic"). A connection to a server that
// carries the client's address as its source (IP_TRANSPARENT, proxy/socket_util.h) gets its
// replies routed back to this host, the servers' default gateway; addressed to the client, they
// would be forwarded on toward it. floe delivers them to its own socket instead:
//
//   - nftables table `inet floe`, chain `divert` (hook prerouting, priority mangle): a TCP
//     packet that belongs to a transparent socket of this host (`socket transparent 1`) gets
//     the mark bit kTransparentMark;
//   - a policy rule per family (priority kTransparentRulePriority, protocol kRouteProtocol):
//     fwmark kTransparentMark/kTransparentMark lookup table kTransparentTable;
//   - in that table, per family, `local default dev lo` (protocol kRouteProtocol): deliver here.
//
// Every other packet, routed traffic included, is forwarded as before. Everything here carries
// floe's tag (table name `floe`, rule and route protocol 199) and is removed on exit and, after
// a crash, at the next start.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace floe::net {

inline constexpr uint32_t kTransparentMark = 0x10000000;  // one bit of the packet mark
inline constexpr uint32_t kTransparentTable = 199;        // routing table
inline constexpr uint32_t kTransparentRulePriority = 199;
inline constexpr const char* kNftTable = "floe";  // nft table, family inet

class TransparentReturn {
 public:
  virtual ~TransparentReturn() = default;
  // Installs the table, rules and routes above; idempotent (what exists already is kept).
  // Errors name the step: "nft: Error: ...", "add rule fwmark 0x10000000 lookup 199: ...".
  virtual Status install() = 0;
  // Removes everything floe's tag marks of the above: the nft table `inet floe`, every policy
  // rule with protocol 199, every local route with protocol 199 in table 199. Returns one line
  // per object removed (for the log).
  virtual Result<std::vector<std::string>> remove() = 0;
  // What of the above the kernel lacks now ("nft table inet floe", "policy rule (inet)",
  // "local route (inet6) in table 199"); empty: all there.
  virtual Result<std::vector<std::string>> missing() = 0;
};

// libnftables and rtnetlink (libnl-route-3) in the caller's network namespace.
std::unique_ptr<TransparentReturn> makeKernelTransparentReturn();

}  // namespace floe::net
