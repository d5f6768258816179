#include "se/proxy_status.h"

namespace floe::se {

nlohmann::json dataPlaneStatus(const proxy::EngineStatus& e) {
  nlohmann::json local = nlohmann::json::object();
  for (const auto& [cause, n] : e.local_errors) local[cause] = n;
  return {{"fd_limit", e.fd_limit},
          {"fd_limit_hard", e.fd_limit_hard},
          {"max_connections", e.max_connections},
          {"max_connections_per_virtual_service", e.max_connections_per_virtual_service},
          {"active_connections", e.active_connections},
          {"over_capacity", e.over_capacity},
          {"listening_sockets", e.listening_sockets},
          {"listening_socket_budget", e.listening_socket_budget},
          {"local_errors", local}};
}

nlohmann::json returnPathsStatus(const std::vector<proxy::ReturnPathStatus>& paths) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : paths) {
    nlohmann::json j = {
        {"snat_ip", p.snat_ip.toString()}, {"state", p.state}, {"detail", p.detail}};
    if (!p.router_command.empty()) j["router_command"] = p.router_command;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace floe::se
