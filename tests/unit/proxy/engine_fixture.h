// Shared setup of the real-socket engine tests: per-test loopback addresses, config builders.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "proxy/engine.h"
#include "test_net.h"

namespace floe::proxy::test {

class EngineTest : public ::testing::Test {
 public:
  static PoolSpec pool(std::string name, std::vector<ServerSpec> servers,
                       Algorithm algorithm = Algorithm::kRoundRobin) {
    PoolSpec p;
    p.name = std::move(name);
    p.algorithm = algorithm;
    p.servers = std::move(servers);
    return p;
  }

  static VirtualServiceSpec service(std::string name, std::vector<Endpoint> listeners,
                                    std::string poolName, std::vector<IpAddress> snat = {}) {
    VirtualServiceSpec v;
    v.name = std::move(name);
    v.listeners = std::move(listeners);
    v.pool = std::move(poolName);
    v.snat_ips = std::move(snat);
    return v;
  }

 protected:
  Addresses addr = Addresses::forCurrentTest();
  asio::io_context control;
  std::unique_ptr<ProxyEngine> engine;

  static Tuning tuning(int workers = 2) {
    Tuning t;
    t.workers = workers;
    t.connect_timeout_ms = 1000;
    return t;
  }

  void start(Tuning t = tuning()) { engine = std::make_unique<ProxyEngine>(control, t); }

  Endpoint vip(uint16_t offset = 0) const {
    return {addr.vip, static_cast<uint16_t>(addr.vip_port + offset)};
  }

  // Applies and expects no error.
  void applyOk(const ProxyConfig& c) {
    const auto errors = engine->apply(c);
    for (const auto& e : errors) ADD_FAILURE() << e.message;
  }

  // A connection through the VIP that fully works (one echo round trip), or -1.
  int openEchoing(const Endpoint& ep) {
    const int fd = connectTo(ep);
    if (fd < 0) return -1;
    if (roundTrip(fd, "ping") != "ping") {
      ::close(fd);
      return -1;
    }
    return fd;
  }
};

}  // namespace floe::proxy::test
