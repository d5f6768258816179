#include "proxy/tcp_probe.h"

#include <netinet/in.h>

#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "proxy/local_errors.h"

namespace floe::proxy {

namespace {

std::string describeConnectError(const asio::error_code& ec) {
  if (ec == asio::error::connection_refused) return "connect refused";
  if (ec == asio::error::host_unreachable) return "host unreachable";
  if (ec == asio::error::network_unreachable) return "network unreachable";
  if (ec == asio::error::connection_reset) return "connection reset";
  return "connect: " + ec.message();
}

// The errno of `ec` when it is a failure of this host (EMFILE, EADDRNOTAVAIL…), else 0.
int localErrno(const asio::error_code& ec) {
  if (ec.category() != asio::system_category()) return 0;
  return localCause(ec.value()) ? ec.value() : 0;
}

class TcpProbeOp final : public ProbeOp, public std::enable_shared_from_this<TcpProbeOp> {
 public:
  TcpProbeOp(asio::io_context& io, ProbeCallback done)
      : socket_(io), timer_(io), done_(std::move(done)) {}

  void start(const ProbeTarget& target, std::chrono::milliseconds timeout) {
    const asio::ip::tcp::endpoint ep(
        target.ip.isV4() ? asio::ip::address(asio::ip::address_v4(target.ip.v4HostOrder()))
                         : asio::ip::address(asio::ip::address_v6(target.ip.bytes())),
        target.port);
    asio::error_code ec;
    socket_.open(ep.protocol(), ec);
    if (ec) {
      asio::post(socket_.get_executor(), [self = shared_from_this(), ec] {
        self->finish({false, "socket: " + ec.message(), localErrno(ec)});
      });
      return;
    }
    if (target.source) {
      // The port is picked at connect time, as for proxied connections.
      const int one = 1;
      ::setsockopt(socket_.native_handle(), SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      const asio::ip::address src =
          target.source->isV4()
              ? asio::ip::address(asio::ip::address_v4(target.source->v4HostOrder()))
              : asio::ip::address(asio::ip::address_v6(target.source->bytes()));
      socket_.bind(asio::ip::tcp::endpoint(src, 0), ec);
      if (ec) {
        asio::post(socket_.get_executor(), [self = shared_from_this(), ec] {
          self->finish({false, "bind: " + ec.message(), localErrno(ec)});
        });
        return;
      }
    }
    socket_.async_connect(ep, [self = shared_from_this()](const asio::error_code& e) {
      if (e == asio::error::operation_aborted) return;
      ProbeResult r = e ? ProbeResult{false, describeConnectError(e), localErrno(e)}
                        : ProbeResult{true, "connect ok"};
      r.answered = !e || e == asio::error::connection_refused;
      self->finish(std::move(r));
    });
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this(), timeout](const asio::error_code& e) {
      if (!e) self->finish({false, describeTimeout(timeout)});
    });
  }

  void cancel() override {
    done_ = nullptr;
    stop();
  }

 private:
  void finish(ProbeResult result) {
    if (!done_) return;  // already finished or cancelled
    auto done = std::move(done_);
    done_ = nullptr;
    stop();
    done(std::move(result));
  }

  void stop() {
    timer_.cancel();
    asio::error_code ignored;
    socket_.close(ignored);
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  ProbeCallback done_;
};

}  // namespace

std::shared_ptr<ProbeOp> TcpProber::probe(const ProbeTarget& target,
                                          std::chrono::milliseconds timeout, ProbeCallback done) {
  auto op = std::make_shared<TcpProbeOp>(io_, std::move(done));
  op->start(target, timeout);
  return op;
}

}  // namespace floe::proxy
