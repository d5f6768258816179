// Prints the /metrics text of a sample SE status (every family with samples, odd label values
// included) and of this process, for `promtool check metrics` in ctest (metrics.promtool).
#include <cstdio>

#include "metrics/process.h"
#include "metrics/se_metrics.h"

int main() {
  using namespace floe;
  auto status = nlohmann::json::parse(R"({
    "name": "se1", "se_group": "Default-Group", "ha_state": "ACTIVE", "ha_transitions": 2,
    "addresses": [{"address": "10.10.2.100/32", "device": "floe0", "role": "vip",
                   "state": "INSTALLED"}],
    "routes": [{"prefix": "0.0.0.0/0", "next_hop": "10.10.1.1", "state": "INSTALLED"}],
    "bgp_peers": [{"peer_ip": "10.10.1.1", "state": "Established"}],
    "ha": {"peer": {"name": "se2", "alive": true},
           "counters": {"sent": 10, "received": 9, "bad_hmac": 1, "replayed": 0,
                        "wrong_group": 0, "malformed": 0}},
    "config": {"generation": 1, "last_reload": {"ok": true}}})");
  proxy::ProxyStatus p;
  proxy::VirtualServiceStatus vs;
  vs.name = "vs \"one\"\\\n";
  vs.up = true;
  vs.total_connections = 12;
  p.virtual_services.push_back(vs);
  proxy::PoolStatus pool;
  pool.name = "web";
  proxy::ServerStatus s;
  s.ip = *IpAddress::parse("fd00::21");
  s.state = proxy::ServerState::kDown;
  pool.servers.push_back(s);
  p.pools.push_back(pool);
  auto families = metrics::seFamilies(status, p);
  auto process = metrics::readProcessStats();
  if (!process) {
    std::fprintf(stderr, "%s\n", process.error().message.c_str());
    return 1;
  }
  for (auto& f : metrics::processFamilies(*process)) families.push_back(std::move(f));
  std::fputs(metrics::render(families).c_str(), stdout);
  return 0;
}
