// AddressProber on the wire (net/probe.h), paced on the control loop: `kProbes` probes
// `kInterval` apart, then `kFinalWait` for late answers; any claim ends it at once.
//
// Timing: RFC 5227 §2.1.1 waits 1-2 s between probes and 2 s after the last, because it was
// written for self-assigned addresses on slow links. floe's addresses are configured: a holder
// on the same LAN answers within milliseconds, and a standalone SE that waits 5 s per address
// starts late. floe sends 3 probes 200 ms apart and waits 300 ms after the last (700 ms in
// all). RFC 4862's DAD sends one solicitation and waits RetransTimer (1 s); floe sends the same
// 3 as for IPv4.
#pragma once

#include <chrono>

#include <asio/io_context.hpp>

#include "se/agent.h"

namespace floe::se {

class KernelProber final : public AddressProber {
 public:
  static constexpr int kProbes = 3;
  static constexpr std::chrono::milliseconds kInterval{200};
  static constexpr std::chrono::milliseconds kFinalWait{300};

  explicit KernelProber(asio::io_context& io) : io_(io) {}
  // A probe that cannot be sent (no CAP_NET_RAW, not Ethernet) is logged and treated as
  // "nobody answered": floe cannot ask, and refusing every address would be worse.
  void probe(const std::string& device, const IpAddress& ip, Done done) override;

 private:
  asio::io_context& io_;
};

}  // namespace floe::se
