#include "net/netlink.h"

namespace floe::net {

std::string toString(const Address& a) { return a.prefix.toString() + " on " + a.device; }

std::string toString(const Route& r) {
  std::string s = r.destination.toString();
  if (r.gateway) s += " via " + r.gateway->toString();
  if (r.device) s += " dev " + *r.device;
  if (r.table != kMainTable) s += " table " + std::to_string(r.table);
  return s;
}

}  // namespace floe::net
