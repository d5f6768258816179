// The data plane's host-wide figures as `status` shows them (the "data_plane" object): open
// files limit, connection caps, listening sockets, local errors by cause (issue 5 §5).
#pragma once

#include <nlohmann/json.hpp>

#include "proxy/engine.h"

namespace floe::se {

nlohmann::json dataPlaneStatus(const proxy::EngineStatus& e);

// A server's return-path checks (issue 5 §11): [{"snat_ip", "state", "detail",
// "router_command"}], router_command only while failing.
nlohmann::json returnPathsStatus(const std::vector<proxy::ReturnPathStatus>& paths);

// The "http" object of an HTTP virtual service or of a server in `floe-se status`:
// requests, responses by class ("2xx": n), bytes, server connections, latency histogram
// ("latency_ms": {"le_1": n, ..., "le_inf": n}, cumulative).
nlohmann::json httpStatus(const proxy::HttpStats& s);

}  // namespace floe::se
