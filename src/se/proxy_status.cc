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

nlohmann::json httpStatus(const proxy::HttpStats& s) {
  nlohmann::json responses = nlohmann::json::object();
  for (size_t i = 1; i < s.responses.size(); ++i) {
    responses[std::to_string(i) + "xx"] = s.responses[i];
  }
  nlohmann::json latency = nlohmann::json::object();
  for (const auto& [bound, count] : s.latency_buckets) {
    latency[bound == 0 ? std::string("le_inf") : "le_" + std::to_string(bound / 1000)] = count;
  }
  return {{"requests", s.requests},
          {"responses", responses},
          {"local_responses", s.local_responses},
          {"parse_errors", s.parse_errors},
          {"bytes_from_client", s.bytes_from_client},
          {"bytes_to_client", s.bytes_to_client},
          {"server_connections_opened", s.server_connections_opened},
          {"server_connections_reused", s.server_connections_reused},
          {"open_server_connections", s.open_server_connections},
          {"idle_server_connections", s.idle_server_connections},
          {"retries", s.retries},
          {"client_timeouts", s.client_timeouts},
          {"server_timeouts", s.server_timeouts},
          {"latency_ms", latency},
          {"latency_sum_ms", s.latency_sum_us / 1000.0}};
}

}  // namespace floe::se
