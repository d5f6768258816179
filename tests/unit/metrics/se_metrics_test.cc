#include "metrics/se_metrics.h"

#include <gtest/gtest.h>

#include <set>

namespace floe::metrics {
namespace {

using nlohmann::json;

proxy::ProxyStatus sampleProxy() {
  proxy::ProxyStatus p;
  proxy::VirtualServiceStatus vs;
  vs.name = "vs1";
  vs.up = true;
  vs.active_connections = 2;
  vs.total_connections = 17;
  vs.refused_connections = 1;
  vs.connection_errors = 3;
  vs.idle_timeouts = 4;
  p.virtual_services.push_back(vs);
  proxy::PoolStatus pool;
  pool.name = "web";
  proxy::ServerStatus up;
  up.ip = *IpAddress::parse("10.10.20.21");
  up.port = 80;
  up.state = proxy::ServerState::kUp;
  up.total_connections = 9;
  up.bytes_in = 1000;
  up.bytes_out = 200;
  proxy::ServerStatus down = up;
  down.ip = *IpAddress::parse("fd00::22");
  down.port = 8080;
  down.state = proxy::ServerState::kDown;
  down.connect_failures = 5;
  pool.servers = {up, down};
  p.pools.push_back(pool);
  return p;
}

json sampleStatus() {
  return json::parse(R"({
    "name": "se1", "se_group": "Default-Group", "ha_state": "ACTIVE",
    "addresses": [{"address": "10.10.2.100/32", "device": "floe0", "role": "vip",
                   "owner": "vs1", "state": "INSTALLED"},
                  {"address": "10.10.3.100/32", "device": "floe0", "role": "snat",
                   "owner": "vs1", "state": "File exists"}],
    "routes": [{"prefix": "0.0.0.0/0", "next_hop": "10.10.1.1", "state": "INSTALLED"}],
    "bgp_peers": [{"peer_ip": "10.10.1.1", "state": "Established", "routes_advertised": 2,
                   "routes_received": 5, "bfd": {"state": "Up"}}],
    "config": {"generation": 3, "last_reload": {"ok": false}}})");
}

std::string text() { return render(seFamilies(sampleStatus(), sampleProxy())); }

void expectLine(const std::string& line) {
  EXPECT_NE(text().find("\n" + line + "\n"), std::string::npos) << "missing line: " << line;
}

TEST(SeMetrics, CountsVirtualServiceConnectionsWithItsName) {
  expectLine("floe_virtualservice_connections_total{virtualservice=\"vs1\"} 17");
  expectLine("floe_virtualservice_active_connections{virtualservice=\"vs1\"} 2");
  expectLine("floe_virtualservice_refused_connections_total{virtualservice=\"vs1\"} 1");
  expectLine("floe_virtualservice_connection_errors_total{virtualservice=\"vs1\"} 3");
  expectLine("floe_virtualservice_idle_timeouts_total{virtualservice=\"vs1\"} 4");
}

TEST(SeMetrics, GivesEveryStateA01Gauge) {
  expectLine("floe_virtualservice_state{virtualservice=\"vs1\",state=\"UP\"} 1");
  expectLine("floe_virtualservice_state{virtualservice=\"vs1\",state=\"DOWN\"} 0");
  expectLine("floe_server_state{pool=\"web\",server=\"10.10.20.21:80\",state=\"UP\"} 1");
  expectLine("floe_server_state{pool=\"web\",server=\"10.10.20.21:80\",state=\"DOWN\"} 0");
  expectLine("floe_server_state{pool=\"web\",server=\"[fd00::22]:8080\",state=\"DOWN\"} 1");
  expectLine("floe_server_state{pool=\"web\",server=\"[fd00::22]:8080\",state=\"UNKNOWN\"} 0");
  expectLine("floe_se_ha_state{state=\"ACTIVE\"} 1");
  expectLine("floe_se_ha_state{state=\"STANDBY\"} 0");
  expectLine("floe_bgp_peer_state{peer_ip=\"10.10.1.1\",state=\"Established\"} 1");
  expectLine("floe_bgp_peer_state{peer_ip=\"10.10.1.1\",state=\"Idle\"} 0");
  expectLine("floe_bfd_session_state{peer_ip=\"10.10.1.1\",state=\"Up\"} 1");
  expectLine("floe_bfd_session_state{peer_ip=\"10.10.1.1\",state=\"Down\"} 0");
}

TEST(SeMetrics, CountsBgpRoutesPerPeer) {
  expectLine("floe_bgp_routes_advertised{peer_ip=\"10.10.1.1\"} 2");
  expectLine("floe_bgp_routes_received{peer_ip=\"10.10.1.1\"} 5");
}

TEST(SeMetrics, ReportsTheHaPairsHeartbeatsAndTransitions) {
  auto s = sampleStatus();
  s["ha_transitions"] = 3;
  s["ha"] = {{"ha_state", "ACTIVE"},
             {"peer", {{"name", "se2"}, {"alive", true}}},
             {"counters",
              {{"sent", 120},
               {"received", 118},
               {"bad_hmac", 2},
               {"replayed", 0},
               {"wrong_group", 1},
               {"malformed", 0}}}};
  const auto t = render(seFamilies(s, {}));
  for (const char* line : {"floe_se_ha_transitions_total 3\n",
                           "floe_se_ha_peer_alive{peer=\"se2\"} 1\n",
                           "floe_se_ha_heartbeats_sent_total 120\n",
                           "floe_se_ha_heartbeats_received_total 118\n",
                           "floe_se_ha_heartbeats_rejected_total{reason=\"bad_hmac\"} 2\n",
                           "floe_se_ha_heartbeats_rejected_total{reason=\"wrong_group\"} 1\n",
                           "floe_se_ha_state{state=\"HANDING_OVER\"} 0\n"}) {
    EXPECT_NE(t.find(line), std::string::npos) << line << t;
  }
}

TEST(SeMetrics, NoHeartbeatMetricsWithoutAPeer) {
  const auto t = render(seFamilies(sampleStatus(), {}));
  EXPECT_EQ(t.find("floe_se_ha_heartbeats"), std::string::npos) << t;
}

TEST(SeMetrics, AddsAStateItDoesNotKnow) {
  auto s = sampleStatus();
  s["ha_state"] = "SOMETHING_NEW";
  const auto t = render(seFamilies(s, {}));
  EXPECT_NE(t.find("floe_se_ha_state{state=\"SOMETHING_NEW\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("floe_se_ha_state{state=\"ACTIVE\"} 0\n"), std::string::npos) << t;
}

TEST(SeMetrics, ReportsServerCountersInBytes) {
  expectLine("floe_server_connections_total{pool=\"web\",server=\"10.10.20.21:80\"} 9");
  expectLine("floe_server_received_bytes_total{pool=\"web\",server=\"10.10.20.21:80\"} 1000");
  expectLine("floe_server_sent_bytes_total{pool=\"web\",server=\"10.10.20.21:80\"} 200");
  expectLine("floe_server_connect_failures_total{pool=\"web\",server=\"[fd00::22]:8080\"} 5");
  expectLine("floe_pool_servers_up{pool=\"web\"} 1");
  expectLine("floe_pool_servers{pool=\"web\"} 2");
}

TEST(SeMetrics, ReportsAddressesRoutesAndConfig) {
  expectLine("floe_se_info{serviceengine=\"se1\",se_group=\"Default-Group\"} 1");
  expectLine(
      "floe_se_address_installed{address=\"10.10.2.100/32\",device=\"floe0\",role=\"vip\"} 1");
  expectLine(
      "floe_se_address_installed{address=\"10.10.3.100/32\",device=\"floe0\",role=\"snat\"} 0");
  expectLine("floe_se_route_installed{prefix=\"0.0.0.0/0\",next_hop=\"10.10.1.1\"} 1");
  expectLine("floe_config_generation 3");
  expectLine("floe_config_last_reload_success 0");
}

TEST(SeMetrics, EscapesObjectNamesInLabels) {
  auto p = sampleProxy();
  p.virtual_services[0].name = "odd\"name\\";
  const auto t = render(seFamilies(json::object(), p));
  EXPECT_NE(t.find("{virtualservice=\"odd\\\"name\\\\\"} 17\n"), std::string::npos) << t;
}

TEST(SeMetrics, ToleratesAnEmptyStatus) {
  const auto f = seFamilies(json(), {});
  EXPECT_FALSE(f.empty());  // the proxy families, without samples
  for (const auto& fam : f) EXPECT_TRUE(fam.samples.empty()) << fam.name;
}

TEST(SeMetrics, FollowsPrometheusNaming) {
  std::set<std::string> names;
  for (const auto& f : seFamilies(sampleStatus(), sampleProxy())) {
    EXPECT_TRUE(isValidMetricName(f.name)) << f.name;
    EXPECT_TRUE(names.insert(f.name).second) << "family twice: " << f.name;
    EXPECT_TRUE(f.name.starts_with("floe_")) << f.name;
    EXPECT_EQ(f.type == MetricType::kCounter, f.name.ends_with("_total")) << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
    for (const auto& s : f.samples) {
      for (const auto& l : s.labels) EXPECT_TRUE(isValidLabelName(l.name)) << f.name;
    }
  }
}

}  // namespace
}  // namespace floe::metrics
