#include "metrics/se_metrics.h"

#include <algorithm>
#include <string>

namespace floe::metrics {

namespace {

using nlohmann::json;

double d(uint64_t v) { return static_cast<double>(v); }

std::string text(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// One 0/1 sample per state in `known` (plus `current` when it is not among them).
void addStates(MetricFamily& f, const std::vector<Label>& labels, std::vector<std::string> known,
               const std::string& current) {
  if (!current.empty() && std::find(known.begin(), known.end(), current) == known.end()) {
    known.push_back(current);
  }
  for (const auto& s : known) {
    auto l = labels;
    l.push_back({"state", s});
    f.add(std::move(l), s == current ? 1 : 0);
  }
}

MetricFamily counter(const char* name, const char* help) {
  return {name, help, MetricType::kCounter, {}};
}
MetricFamily gauge(const char* name, const char* help) {
  return {name, help, MetricType::kGauge, {}};
}

// The legacy HA pair's heartbeats (floe-se status "ha"), when the SE has a peer.
void addHeartbeats(std::vector<MetricFamily>& out, const json& status) {
  const auto ha = status.find("ha");
  if (ha == status.end() || !ha->is_object()) return;
  const auto peer = ha->find("peer");
  if (peer != ha->end() && peer->is_object()) {
    if (const auto alive = peer->find("alive"); alive != peer->end() && alive->is_boolean()) {
      auto g = gauge("floe_se_ha_peer_alive",
                     "1 while heartbeats from the HA peer arrive on some path, 0 when every path "
                     "is silent.");
      g.add({{"peer", text(*peer, "name")}}, alive->get<bool>() ? 1 : 0);
      out.push_back(std::move(g));
    }
  }
  const auto c = ha->find("counters");
  if (c == ha->end() || !c->is_object()) return;
  auto number = [&](const char* key) {
    const auto it = c->find(key);
    return it != c->end() && it->is_number() ? it->get<double>() : 0.0;
  };
  auto sent = counter("floe_se_ha_heartbeats_sent_total", "HA heartbeats sent, all paths.");
  sent.add({}, number("sent"));
  out.push_back(std::move(sent));
  auto received = counter("floe_se_ha_heartbeats_received_total",
                          "HA heartbeats received and accepted, all paths.");
  received.add({}, number("received"));
  out.push_back(std::move(received));
  auto rejected = counter("floe_se_ha_heartbeats_rejected_total",
                          "HA heartbeats dropped, by reason: bad_hmac (wrong or missing key), "
                          "replayed, wrong_group, malformed.");
  for (const char* reason : {"bad_hmac", "replayed", "wrong_group", "malformed"}) {
    rejected.add({{"reason", reason}}, number(reason));
  }
  out.push_back(std::move(rejected));
}

void addEngine(std::vector<MetricFamily>& out, const json& status) {
  const std::string name = text(status, "name");
  auto info = gauge("floe_se_info", "Always 1; labels name the serviceengine and its group.");
  info.add({{"serviceengine", name}, {"se_group", text(status, "se_group")}}, 1);
  out.push_back(std::move(info));

  auto ha =
      gauge("floe_se_ha_state", "1 for the serviceengine's current HA state, 0 for the others.");
  addStates(ha, {}, {"INIT", "ACTIVE", "STANDBY", "HANDING_OVER", "LEAVING"},
            text(status, "ha_state"));
  out.push_back(std::move(ha));
  if (const auto it = status.find("ha_transitions"); it != status.end() && it->is_number()) {
    auto t = counter("floe_se_ha_transitions_total", "HA state changes since start.");
    t.add({}, it->get<double>());
    out.push_back(std::move(t));
  }
  addHeartbeats(out, status);

  if (const auto cfg = status.find("config"); cfg != status.end() && cfg->is_object()) {
    if (const auto g = cfg->find("generation"); g != cfg->end() && g->is_number()) {
      auto gen = gauge("floe_config_generation",
                       "Generation of the applied config document (1 at start, +1 per reload "
                       "applied).");
      gen.add({}, g->get<double>());
      out.push_back(std::move(gen));
    }
    if (const auto r = cfg->find("last_reload"); r != cfg->end() && r->is_object()) {
      auto ok = gauge("floe_config_last_reload_success",
                      "1 if the last load or SIGHUP reload of the config document was applied, "
                      "0 if it was refused.");
      ok.add({}, r->value("ok", false) ? 1 : 0);
      out.push_back(std::move(ok));
    }
  }
}

void addProxy(std::vector<MetricFamily>& out, const proxy::ProxyStatus& proxy) {
  auto state = gauge("floe_virtualservice_state",
                     "1 for the virtual service's current state (UP: listening with a server "
                     "up), 0 for the other.");
  auto active = gauge("floe_virtualservice_active_connections", "Open client connections.");
  auto total = counter("floe_virtualservice_connections_total",
                       "Accepted client connections, refused ones included.");
  auto refused = counter("floe_virtualservice_refused_connections_total",
                         "Client connections reset because no server was up or reachable.");
  auto errors = counter("floe_virtualservice_connection_errors_total",
                        "Connections ended by a socket error or a reset from either side.");
  auto idle = counter("floe_virtualservice_idle_timeouts_total",
                      "Connections closed after the idle timeout without a byte either way.");
  for (const auto& vs : proxy.virtual_services) {
    const std::vector<Label> l = {{"virtualservice", vs.name}};
    addStates(state, l, {"UP", "DOWN"}, vs.up ? "UP" : "DOWN");
    active.add(l, d(vs.active_connections));
    total.add(l, d(vs.total_connections));
    refused.add(l, d(vs.refused_connections));
    errors.add(l, d(vs.connection_errors));
    idle.add(l, d(vs.idle_timeouts));
  }
  for (auto* f : {&state, &active, &total, &refused, &errors, &idle}) out.push_back(std::move(*f));

  auto sstate =
      gauge("floe_server_state", "1 for the pool member's current health state, 0 for the others.");
  auto sactive = gauge("floe_server_active_connections",
                       "Open connections to the server, connects in progress included.");
  auto stotal = counter("floe_server_connections_total", "Established connections to the server.");
  auto sfail =
      counter("floe_server_connect_failures_total", "Connect attempts to the server that failed.");
  auto sin = counter("floe_server_received_bytes_total", "Bytes received from the server.");
  auto sout = counter("floe_server_sent_bytes_total", "Bytes sent to the server.");
  auto pup = gauge("floe_pool_servers_up", "Servers of the pool whose state is UP.");
  auto pall = gauge("floe_pool_servers", "Servers of the pool.");
  for (const auto& p : proxy.pools) {
    uint64_t up = 0;
    for (const auto& s : p.servers) {
      const std::vector<Label> l = {{"pool", p.name}, {"server", formatEndpoint(s.ip, s.port)}};
      addStates(sstate, l, {"UP", "DOWN", "DISABLED", "UNKNOWN"}, proxy::toString(s.state));
      sactive.add(l, d(s.active_connections));
      stotal.add(l, d(s.total_connections));
      sfail.add(l, d(s.connect_failures));
      sin.add(l, d(s.bytes_in));
      sout.add(l, d(s.bytes_out));
      if (s.state == proxy::ServerState::kUp) ++up;
    }
    pup.add({{"pool", p.name}}, d(up));
    pall.add({{"pool", p.name}}, d(p.servers.size()));
  }
  for (auto* f : {&pall, &pup, &sstate, &sactive, &stotal, &sfail, &sin, &sout}) {
    out.push_back(std::move(*f));
  }
}

void addNetwork(std::vector<MetricFamily>& out, const json& status) {
  auto addr = gauge("floe_se_address_installed",
                    "1 if the address floe holds is on the interface, 0 if adding it failed.");
  if (const auto a = status.find("addresses"); a != status.end() && a->is_array()) {
    for (const auto& x : *a) {
      addr.add({{"address", text(x, "address")},
                {"device", text(x, "device")},
                {"role", text(x, "role")}},
               text(x, "state") == "INSTALLED" ? 1 : 0);
    }
  }
  out.push_back(std::move(addr));
  auto route =
      gauge("floe_se_route_installed", "1 if the static route is in the kernel's table, 0 if not.");
  if (const auto r = status.find("routes"); r != status.end() && r->is_array()) {
    for (const auto& x : *r) {
      route.add({{"prefix", text(x, "prefix")}, {"next_hop", text(x, "next_hop")}},
                text(x, "state") == "INSTALLED" ? 1 : 0);
    }
  }
  out.push_back(std::move(route));
  auto bgp = gauge("floe_bgp_peer_state",
                   "1 for the BGP session's current state (RFC 4271 §8.2.2), 0 for the others.");
  if (const auto b = status.find("bgp_peers"); b != status.end() && b->is_array()) {
    for (const auto& x : *b) {
      addStates(bgp, {{"peer_ip", text(x, "peer_ip")}},
                {"Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established"},
                text(x, "state"));
    }
  }
  out.push_back(std::move(bgp));
  auto advertised = gauge("floe_bgp_routes_advertised",
                          "Prefixes this SE advertises to the BGP peer (its Adj-RIB-Out).");
  auto received = gauge("floe_bgp_routes_received",
                        "Prefixes the BGP peer advertises to this SE (floe installs none).");
  auto bfd = gauge("floe_bfd_session_state",
                   "1 for the BFD session's current state (RFC 5880 §4.1), 0 for the others.");
  if (const auto b = status.find("bgp_peers"); b != status.end() && b->is_array()) {
    for (const auto& x : *b) {
      const std::vector<Label> peer{{"peer_ip", text(x, "peer_ip")}};
      if (const auto n = x.find("routes_advertised"); n != x.end() && n->is_number()) {
        advertised.add(peer, n->get<double>());
      }
      if (const auto n = x.find("routes_received"); n != x.end() && n->is_number()) {
        received.add(peer, n->get<double>());
      }
      if (const auto s = x.find("bfd"); s != x.end() && s->is_object()) {
        addStates(bfd, peer, {"AdminDown", "Down", "Init", "Up"}, text(*s, "state"));
      }
    }
  }
  out.push_back(std::move(advertised));
  out.push_back(std::move(received));
  out.push_back(std::move(bfd));
}

}  // namespace

std::vector<MetricFamily> seFamilies(const nlohmann::json& status,
                                     const proxy::ProxyStatus& proxy) {
  std::vector<MetricFamily> out;
  if (status.is_object()) addEngine(out, status);
  addProxy(out, proxy);
  if (status.is_object()) addNetwork(out, status);
  return out;
}

}  // namespace floe::metrics
