#include "net/rtnl_socket.h"

#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "net/sys_error.h"

namespace floe::net {

Result<std::unique_ptr<RtnlSocket>> RtnlSocket::open(std::chrono::milliseconds timeout) {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) return makeError("netlink socket: out of memory", ENOMEM);
  if (int rc = nl_connect(sock, NETLINK_ROUTE); rc < 0) {
    nl_socket_free(sock);
    return makeError(std::string("netlink socket: ") + nl_geterror(rc), EIO);
  }
  const int fd = nl_socket_get_fd(sock);
  // Extended acks carry the kernel's reason ("Unknown device type"); CAP_ACK keeps error
  // messages from echoing the whole request. Both are optional: older kernels refuse quietly.
  const int on = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return std::unique_ptr<RtnlSocket>(new RtnlSocket(sock, fd));
}

RtnlSocket::~RtnlSocket() { nl_socket_free(sock_); }

Result<std::vector<rtnl::Bytes>> RtnlSocket::request(rtnl::Bytes message) {
  bool interrupted = false;
  return exchange(std::move(message), false, interrupted);
}

Result<std::vector<rtnl::Bytes>> RtnlSocket::dump(const rtnl::Bytes& message) {
  for (int attempt = 0;; ++attempt) {
    bool interrupted = false;
    auto r = exchange(message, true, interrupted);
    if (!r || !interrupted || attempt == 2) return r;
  }
}

Result<rtnl::Bytes> RtnlSocket::receive() {
  for (;;) {
    // Peek for the datagram's size first: a dump part can be larger than a page.
    ssize_t n = recv(fd_, nullptr, 0, MSG_PEEK | MSG_TRUNC);
    if (n >= 0) {
      rtnl::Bytes buf(static_cast<size_t>(n));
      n = recv(fd_, buf.data(), buf.size(), 0);
      if (n >= 0) {
        buf.resize(static_cast<size_t>(n));
        return buf;
      }
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return sysError("netlink", ETIMEDOUT, "no answer from the kernel");
    }
    return sysError("netlink receive", errno);
  }
}

Result<std::vector<rtnl::Bytes>> RtnlSocket::exchange(rtnl::Bytes message, bool isDump,
                                                      bool& interrupted) {
  const uint32_t seq = nl_socket_use_seq(sock_);
  std::memcpy(message.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent;
  do {
    sent = sendto(fd_, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                  sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return sysError("netlink send", errno);

  std::vector<rtnl::Bytes> data;
  for (;;) {
    auto datagram = receive();
    if (!datagram) return datagram.error();
    auto messages = rtnl::splitMessages(*datagram);
    if (!messages) return messages.error();
    for (auto m : *messages) {
      const rtnl::Header h = rtnl::decodeHeader(m);
      // Answers to an earlier request that timed out carry an older sequence number.
      if (h.seq != seq) continue;
      if (h.flags & NLM_F_DUMP_INTR) interrupted = true;
      if (h.type == NLMSG_NOOP || h.type == NLMSG_OVERRUN) continue;
      if (h.type == NLMSG_ERROR || h.type == NLMSG_DONE) {
        auto ack = rtnl::decodeAck(m);
        if (!ack) return ack.error();
        if (ack->error != 0) {
          std::string text = errnoText(ack->error);
          if (!ack->message.empty()) text += ": " + ack->message;
          return Error{std::move(text), ack->error};
        }
        if (h.type == NLMSG_DONE || !isDump) return data;
        continue;
      }
      data.emplace_back(m.begin(), m.end());
    }
  }
}

}  // namespace floe::net
