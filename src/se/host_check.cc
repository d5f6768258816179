#include "se/host_check.h"

#include <algorithm>

namespace floe::se {

std::vector<std::string> checkHost(const config::ServiceEngine& se,
                                   const std::vector<net::Link>& links) {
  std::vector<std::string> problems;
  for (size_t i = 0; i < se.data_vnics.size(); ++i) {
    const auto& vnic = se.data_vnics[i];
    const std::string path = "serviceengine[" + se.name + "].data_vnics[" + std::to_string(i) + "]";
    auto link = std::find_if(links.begin(), links.end(),
                             [&](const net::Link& l) { return l.name == vnic.if_name; });
    if (link == links.end()) {
      problems.push_back(path + ": no interface " + vnic.if_name + " on this host");
      continue;
    }
    const bool has = std::find(link->addresses.begin(), link->addresses.end(), vnic.ip) !=
                     link->addresses.end();
    if (!has) {
      std::string present;
      for (const auto& a : link->addresses) {
        if (a.address().family() != vnic.ip.address().family()) continue;
        if (a.isHost()) continue;  // floe's own /32s and other host addresses
        present += (present.empty() ? "" : ", ") + a.toString();
      }
      problems.push_back(path + ": " + vnic.if_name + " has no address " + vnic.ip.toString() +
                         " (it has " + (present.empty() ? std::string("none") : present) +
                         "); floe does not assign interface addresses: fix the host or the "
                         "document");
    }
    if (!link->up) {
      problems.push_back(path + ": " + vnic.if_name + " is down; bring it up first");
    }
  }
  return problems;
}

}  // namespace floe::se
