// The metrics of a running floe-se (docs/metrics.md lists each one): a pure function from
// what `floe-se status` reports (the agent's status JSON) and the data plane's counters
// (proxy::ProxyStatus) to Prometheus metric families.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "metrics/exposition.h"
#include "proxy/engine.h"

namespace floe::metrics {

// `status` is se::Agent::status() (plus the runtime's "config" object when present);
// missing fields yield no samples, never an error. `proxy` is ProxyEngine::status().
// States are 0/1 gauges with a `state` label, one sample per known state (RFC 4271 §8.2.2
// names for BGP). Counters come from monotonic totals; bytes in bytes.
std::vector<MetricFamily> seFamilies(const nlohmann::json& status, const proxy::ProxyStatus& proxy);

}  // namespace floe::metrics
