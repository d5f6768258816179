// The SE's data_vnics describe the host as its owner configured it; floe never assigns
// interface addresses. At start (and on reload) the SE checks the kernel agrees.
#pragma once

#include <string>
#include <vector>

#include "config/model.h"
#include "net/netlink.h"

namespace floe::se {

// One line per mismatch, naming the interface and address, e.g.
// "serviceengine[se1].data_vnics[0]: eth0 has no address 10.10.1.99/24 (it has 10.10.1.11/24)".
std::vector<std::string> checkHost(const config::ServiceEngine& se,
                                   const std::vector<net::Link>& links);

}  // namespace floe::se
