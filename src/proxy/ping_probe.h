// ICMP echo health check over raw sockets (AF_INET/SOCK_RAW/IPPROTO_ICMP, and ICMPv6 for IPv6
// servers; root or CAP_NET_RAW). One socket per family serves every ping monitor of the engine;
// replies are matched to probes by identifier, sequence number and source address.
#pragma once

#include <asio/io_context.hpp>
#include <memory>

#include "proxy/probe.h"

namespace floe::proxy {

class PingProber final : public Prober {
 public:
  explicit PingProber(asio::io_context& io);
  ~PingProber() override;  // closes the sockets; outstanding probes are dropped silently
  PingProber(const PingProber&) = delete;
  PingProber& operator=(const PingProber&) = delete;

  std::shared_ptr<ProbeOp> probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
                                 ProbeCallback done) override;

 private:
  class Shared;  // state shared with the socket handlers, which may outlive this object
  std::shared_ptr<Shared> shared_;
};

}  // namespace floe::proxy
