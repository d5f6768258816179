// TCP health check: success when a connection to ip:port completes within the timeout; the
// connection is then closed without sending anything.
#pragma once

#include <asio/io_context.hpp>
#include <memory>

#include "proxy/probe.h"

namespace floe::proxy {

class TcpProber final : public Prober {
 public:
  explicit TcpProber(asio::io_context& io) : io_(io) {}

  std::shared_ptr<ProbeOp> probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
                                 ProbeCallback done) override;

 private:
  asio::io_context& io_;
};

}  // namespace floe::proxy
