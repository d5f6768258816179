// Config documents for the SE tests, built in code (the decoder has its own tests).
#pragma once

#include "config/model.h"

namespace floe::se::testing {

inline IpAddress ip(const char* text) { return *IpAddress::parse(text); }
inline Prefix prefix(const char* text) { return *Prefix::parse(text); }

// The one-armed topology of reference 1: VIP and SNAT outside the SE subnet.
inline config::Document oneArmed() {
  config::Document d;
  config::ServiceEngineGroup g;
  g.name = "Default-Group";
  g.floating_intf_ip = {ip("10.10.1.100")};
  d.serviceenginegroup.push_back(g);
  d.serviceengine.push_back({"se1", "Default-Group", {{"eth0", prefix("10.10.1.11/24")}}});
  config::VrfContext global;
  global.name = "global";
  global.static_routes.push_back({"1", prefix("0.0.0.0/0"), ip("10.10.1.1"), std::nullopt});
  d.vrfcontext.push_back(global);
  config::HealthMonitor tcp;
  tcp.name = "System-TCP";
  d.healthmonitor.push_back(tcp);
  config::Pool web;
  web.name = "web";
  web.lb_algorithm = config::LbAlgorithm::kRoundRobin;
  web.health_monitor_refs = {"System-TCP"};
  web.servers.push_back({ip("10.10.20.21"), std::nullopt, 1, true});
  web.servers.push_back({ip("10.10.20.22"), 8080, 2, true});
  d.pool.push_back(web);
  config::ApplicationProfile l4;
  l4.name = "System-L4-Application";
  l4.type = config::ApplicationProfileType::kL4;
  d.applicationprofile.push_back(l4);
  config::ApplicationProfile http;
  http.name = "System-HTTP";
  http.http_profile = config::HttpProfile{};
  d.applicationprofile.push_back(http);
  config::VirtualService vs;
  vs.name = "vs1";
  vs.vip = {{"1", ip("10.10.2.100")}};
  vs.services = {{80, std::nullopt}};
  vs.snat_ip = {ip("10.10.3.100")};
  vs.pool_ref = "web";
  vs.application_profile_ref = "System-L4-Application";
  d.virtualservice.push_back(vs);
  return d;
}

}  // namespace floe::se::testing
