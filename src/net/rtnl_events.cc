#include "net/rtnl_events.h"

#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include <cerrno>

#include "net/netlink.h"
#include "net/rtnl_codec.h"

namespace floe::net {

Result<std::unique_ptr<RtnlEvents>> RtnlEvents::open() {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) return makeError("netlink event socket: out of memory", ENOMEM);
  nl_socket_disable_seq_check(sock);
  if (int rc = nl_connect(sock, NETLINK_ROUTE); rc < 0) {
    nl_socket_free(sock);
    return makeError(std::string("netlink event socket: ") + nl_geterror(rc), EIO);
  }
  if (int rc = nl_socket_add_memberships(sock, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
                                         RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
                                         RTNLGRP_IPV6_ROUTE, 0);
      rc < 0) {
    nl_socket_free(sock);
    return makeError(std::string("netlink event socket: subscribe: ") + nl_geterror(rc), EIO);
  }
  nl_socket_set_nonblocking(sock);
  nl_socket_set_buffer_size(sock, 1 << 20, 0);
  return std::unique_ptr<RtnlEvents>(new RtnlEvents(sock, nl_socket_get_fd(sock)));
}

RtnlEvents::~RtnlEvents() { nl_socket_free(sock_); }

RtnlEvents::Drained RtnlEvents::drain() {
  Drained out;
  // Bounded: a storm of notifications is handled over several wake-ups, never in one.
  for (int datagrams = 0; datagrams < 256; ++datagrams) {
    rtnl::Bytes buf(64 * 1024);
    const ssize_t n = recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        out.overrun = out.relevant = true;
        continue;
      }
      break;  // EAGAIN: drained
    }
    buf.resize(static_cast<size_t>(n));
    auto messages = rtnl::splitMessages(buf);
    if (!messages) {
      out.relevant = true;  // cannot tell: look
      continue;
    }
    for (auto m : *messages) {
      ++out.messages;
      const auto h = rtnl::decodeHeader(m);
      switch (h.type) {
        case RTM_NEWADDR: {
          auto a = rtnl::decodeAddress(m);
          if (!a || (a->protocol != kAddressProtocol && !rtnl::hasFloeLabel(a->label))) {
            out.relevant = true;
          }
          break;
        }
        case RTM_NEWROUTE: {
          auto r = rtnl::decodeRoute(m);
          if (!r || r->protocol != kRouteProtocol) out.relevant = true;
          break;
        }
        default:
          out.relevant = true;  // links, deletions
      }
    }
  }
  return out;
}

}  // namespace floe::net
