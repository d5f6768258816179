#include "se/kernel_prober.h"

#include <memory>

#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "common/log.h"
#include "net/probe.h"

namespace floe::se {

namespace {

// One probe under way: owns its socket, its timer and its wait on the socket; ends once.
class Probe : public std::enable_shared_from_this<Probe> {
 public:
  Probe(asio::io_context& io, std::unique_ptr<net::ProbeSocket> socket, std::string what,
        AddressProber::Done done)
      : socket_(std::move(socket)),
        fd_(io, ::dup(socket_->fd())),
        timer_(io),
        what_(std::move(what)),
        done_(std::move(done)) {}

  void start() {
    watch();
    sendNext();
  }

 private:
  void watch() {
    fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                   [self = shared_from_this()](std::error_code ec) {
                     if (ec || self->finished_) return;
                     if (auto mac = self->socket_->readClaim()) {
                       self->finish("answered by " + net::toString(*mac));
                       return;
                     }
                     self->watch();
                   });
  }

  void sendNext() {
    if (sent_ < KernelProber::kProbes) {
      if (auto st = socket_->send(); !st) spdlog::warn("{}: {}", what_, st.error().message);
      ++sent_;
    }
    const auto wait = sent_ < KernelProber::kProbes ? KernelProber::kInterval
                                                     : KernelProber::kFinalWait;
    timer_.expires_after(wait);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (ec || self->finished_) return;
      if (self->sent_ < KernelProber::kProbes) {
        self->sendNext();
      } else {
        self->finish(std::nullopt);
      }
    });
  }

  void finish(std::optional<std::string> holder) {
    finished_ = true;
    timer_.cancel();
    std::error_code ignored;
    fd_.cancel(ignored);
    if (holder) spdlog::warn("{}: {}", what_, *holder);
    auto done = std::move(done_);
    done(std::move(holder));
  }

  std::unique_ptr<net::ProbeSocket> socket_;
  asio::posix::stream_descriptor fd_;
  asio::steady_timer timer_;
  std::string what_;
  AddressProber::Done done_;
  int sent_ = 0;
  bool finished_ = false;
};

}  // namespace

void KernelProber::probe(const std::string& device, const IpAddress& ip, Done done) {
  const std::string what = "probe for " + ip.toString() + " on " + device;
  auto socket = net::ProbeSocket::open(device, ip);
  if (!socket) {
    spdlog::warn("{}: cannot ask the link ({}); claiming it without asking", what,
                 socket.error().message);
    asio::post(io_, [done = std::move(done)] { done(std::nullopt); });
    return;
  }
  std::make_shared<Probe>(io_, std::move(*socket), what, std::move(done))->start();
}

}  // namespace floe::se
