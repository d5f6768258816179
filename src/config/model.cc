#include "config/model.h"

#include <algorithm>

namespace floe::config {

const char* toString(HaMode m) {
  switch (m) {
    case HaMode::kLegacyActiveStandby: return "HA_MODE_LEGACY_ACTIVE_STANDBY";
    case HaMode::kShared: return "HA_MODE_SHARED";
    case HaMode::kSharedPair: return "HA_MODE_SHARED_PAIR";
  }
  return "?";
}

const char* toString(HealthMonitorType t) {
  switch (t) {
    case HealthMonitorType::kTcp: return "HEALTH_MONITOR_TCP";
    case HealthMonitorType::kPing: return "HEALTH_MONITOR_PING";
    case HealthMonitorType::kHttp: return "HEALTH_MONITOR_HTTP";
    case HealthMonitorType::kUdp: return "HEALTH_MONITOR_UDP";
  }
  return "?";
}

const char* toString(LbAlgorithm a) {
  switch (a) {
    case LbAlgorithm::kLeastConnections: return "LB_ALGORITHM_LEAST_CONNECTIONS";
    case LbAlgorithm::kRoundRobin: return "LB_ALGORITHM_ROUND_ROBIN";
    case LbAlgorithm::kFastestResponse: return "LB_ALGORITHM_FASTEST_RESPONSE";
    case LbAlgorithm::kConsistentHash: return "LB_ALGORITHM_CONSISTENT_HASH";
  }
  return "?";
}

const char* toString(LbAlgorithmHash h) {
  switch (h) {
    case LbAlgorithmHash::kSourceIpAddress:
      return "LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS";
    case LbAlgorithmHash::kSourceIpAddressAndPort:
      return "LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS_AND_PORT";
    case LbAlgorithmHash::kUri:
      return "LB_ALGORITHM_CONSISTENT_HASH_URI";
    case LbAlgorithmHash::kCustomHeader:
      return "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER";
  }
  return "?";
}

const char* toString(ApplicationProfileType t) {
  switch (t) {
    case ApplicationProfileType::kHttp: return "APPLICATION_PROFILE_TYPE_HTTP";
    case ApplicationProfileType::kL4: return "APPLICATION_PROFILE_TYPE_L4";
  }
  return "?";
}

namespace {
template <class T>
const T* findByName(const std::vector<T>& items, const std::string& name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& o) { return o.name == name; });
  return it == items.end() ? nullptr : &*it;
}
}  // namespace

const ServiceEngineGroup* findGroup(const Document& d, const std::string& n) {
  return findByName(d.serviceenginegroup, n);
}
const ServiceEngine* findEngine(const Document& d, const std::string& n) {
  return findByName(d.serviceengine, n);
}
const VrfContext* findVrf(const Document& d, const std::string& n) {
  return findByName(d.vrfcontext, n);
}
const HealthMonitor* findMonitor(const Document& d, const std::string& n) {
  return findByName(d.healthmonitor, n);
}
const Pool* findPool(const Document& d, const std::string& n) { return findByName(d.pool, n); }
const char* toString(NetworkProfileType t) {
  switch (t) {
    case NetworkProfileType::kTcpProxy: return "PROTOCOL_TYPE_TCP_PROXY";
  }
  return "?";
}

const NetworkProfile* findNetworkProfile(const Document& d, const std::string& n) {
  return findByName(d.networkprofile, n);
}

const ApplicationProfile* findProfile(const Document& d, const std::string& n) {
  return findByName(d.applicationprofile, n);
}
const VirtualService* findVirtualService(const Document& d, const std::string& n) {
  return findByName(d.virtualservice, n);
}

}  // namespace floe::config
