// The objects that exist without being declared (DESIGN.md, "Configuration contract").
#include "config/document.h"

namespace floe::config {

namespace {

HealthMonitor monitor(std::string name, HealthMonitorType type) {
  HealthMonitor m;  // Avi's system monitors: every 10 s, 4 s timeout, up after 2, down after 2
  m.name = std::move(name);
  m.type = type;
  if (type == HealthMonitorType::kHttp) m.http_monitor = HttpMonitor{};
  return m;
}

ApplicationProfile profile(std::string name, ApplicationProfileType type) {
  ApplicationProfile p;
  p.name = std::move(name);
  p.type = type;
  if (type == ApplicationProfileType::kHttp) p.http_profile = HttpProfile{};  // multiplexing on
  return p;
}

}  // namespace

Document builtinObjects() {
  Document d;
  d.serviceenginegroup.emplace_back().name = "Default-Group";
  d.vrfcontext.emplace_back().name = "global";
  d.applicationprofile.push_back(profile("System-HTTP", ApplicationProfileType::kHttp));
  d.applicationprofile.push_back(profile("System-L4-Application", ApplicationProfileType::kL4));
  // Avi's default network profile of a virtual service: TCP proxy, 600 s idle timeout.
  d.networkprofile.emplace_back().name = "System-TCP-Proxy";
  d.healthmonitor.push_back(monitor("System-TCP", HealthMonitorType::kTcp));
  d.healthmonitor.push_back(monitor("System-HTTP", HealthMonitorType::kHttp));
  d.healthmonitor.push_back(monitor("System-Ping", HealthMonitorType::kPing));
  return d;
}

}  // namespace floe::config
