// One rtnetlink socket (a libnl nl_sock) and the request/answer exchange over it. The bytes come
// from rtnl_codec.h. Not thread-safe: one owner thread (the SE's control loop) uses it.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "common/result.h"
#include "net/rtnl_codec.h"

struct nl_sock;

namespace floe::net {

class RtnlSocket {
 public:
  // Opens a NETLINK_ROUTE socket in the calling thread's network namespace, with extended acks.
  static Result<std::unique_ptr<RtnlSocket>> open(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~RtnlSocket();
  RtnlSocket(const RtnlSocket&) = delete;
  RtnlSocket& operator=(const RtnlSocket&) = delete;

  // Sends a request (encoded with NLM_F_ACK) and waits for its ack. Returns the data messages
  // the kernel sent before the ack (RTM_GETLINK's answer), or the kernel's error: Error::code is
  // the errno, Error::message "<strerror> (<NAME>)[: <extended ack>]".
  Result<std::vector<rtnl::Bytes>> request(rtnl::Bytes message);
  // Sends a dump request and returns every message up to NLMSG_DONE. A dump the kernel marks
  // interrupted (NLM_F_DUMP_INTR: the table changed under it) is retried, up to 3 times.
  Result<std::vector<rtnl::Bytes>> dump(const rtnl::Bytes& message);

 private:
  RtnlSocket(nl_sock* sock, int fd) : sock_(sock), fd_(fd) {}
  Result<std::vector<rtnl::Bytes>> exchange(rtnl::Bytes message, bool isDump, bool& interrupted);
  Result<rtnl::Bytes> receive();

  nl_sock* sock_;
  int fd_;
};

}  // namespace floe::net
