// Change notifications from the kernel's routing subsystem (rtnetlink multicast groups): links,
// IPv4/IPv6 addresses and routes. The agent treats them as hints that its view may be stale and
// reconciles against a fresh dump (level-triggered): a lost or coalesced notification costs at
// most one periodic pass, never correctness.
#pragma once

#include <memory>

#include "common/result.h"

struct nl_sock;

namespace floe::net {

class RtnlEvents {
 public:
  // Opens a non-blocking NETLINK_ROUTE socket in the calling thread's network namespace,
  // subscribed to RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE and
  // RTNLGRP_IPV6_ROUTE, with a 1 MiB receive buffer.
  static Result<std::unique_ptr<RtnlEvents>> open();
  ~RtnlEvents();
  RtnlEvents(const RtnlEvents&) = delete;
  RtnlEvents& operator=(const RtnlEvents&) = delete;

  int fd() const { return fd_; }

  struct Drained {
    int messages = 0;     // notifications read
    bool relevant = false;  // one of them may change what floe holds or needs
    bool overrun = false;   // the kernel dropped notifications (ENOBUFS): do a full pass
  };
  // Reads every pending notification without blocking. Relevant: any link change, any deleted
  // address or route, and any new address or route that is not floe's own (floe's own adds and
  // the every-second lifetime refresh would otherwise wake the agent once a second).
  Drained drain();

 private:
  RtnlEvents(nl_sock* sock, int fd) : sock_(sock), fd_(fd) {}
  nl_sock* sock_;
  int fd_;
};

}  // namespace floe::net
