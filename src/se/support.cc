#include "se/support.h"

#include <algorithm>

namespace floe::se {

namespace {

constexpr const char* kLater = "is not implemented by this floe-se version yet";

int enginesIn(const config::Document& doc, const std::string& group) {
  return static_cast<int>(std::count_if(doc.serviceengine.begin(), doc.serviceengine.end(),
                                        [&](const auto& e) { return e.se_group_ref == group; }));
}

}  // namespace

std::vector<config::Diagnostic> unsupportedFeatures(const config::Document& doc,
                                                    const config::ServiceEngine& se) {
  std::vector<config::Diagnostic> out;
  const auto* group = config::findGroup(doc, se.se_group_ref);
  if (group == nullptr) return out;
  const std::string g = "serviceenginegroup[" + group->name + "]";

  if (enginesIn(doc, group->name) > 1 && group->ha_mode != config::HaMode::kLegacyActiveStandby) {
    out.push_back({g + ".ha_mode", std::string(config::toString(group->ha_mode)) +
                                       " (cluster HA with several active SEs) " + kLater +
                                       "; use HA_MODE_LEGACY_ACTIVE_STANDBY"});
  }

  for (const auto& vs : doc.virtualservice) {
    if (vs.se_group_ref != group->name || !vs.enabled) continue;
    const std::string v = "virtualservice[" + vs.name + "]";
    if (vs.vrf_context_ref != "global") {
      out.push_back({v + ".vrf_context_ref", "only vrfcontext global is carried by this floe-se"});
    }
    const auto* pool = config::findPool(doc, vs.pool_ref);
    if (pool == nullptr) continue;
    const std::string p = "pool[" + pool->name + "]";
    if (pool->lb_algorithm != config::LbAlgorithm::kRoundRobin &&
        pool->lb_algorithm != config::LbAlgorithm::kLeastConnections) {
      out.push_back({p + ".lb_algorithm", std::string(config::toString(pool->lb_algorithm)) + " " +
                                              kLater +
                                              "; use LB_ALGORITHM_ROUND_ROBIN or "
                                              "LB_ALGORITHM_LEAST_CONNECTIONS"});
    }
    for (const auto& ref : pool->health_monitor_refs) {
      const auto* m = config::findMonitor(doc, ref);
      if (m == nullptr) continue;
      if (m->type != config::HealthMonitorType::kTcp && m->type != config::HealthMonitorType::kPing) {
        out.push_back({"healthmonitor[" + m->name + "].type",
                       std::string(config::toString(m->type)) + " " + kLater +
                           "; use HEALTH_MONITOR_TCP or HEALTH_MONITOR_PING"});
      }
    }
  }
  // One message per object even when several virtual services share it.
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.toString() < b.toString(); });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const auto& a, const auto& b) { return a.toString() == b.toString(); }),
            out.end());
  return out;
}

}  // namespace floe::se
