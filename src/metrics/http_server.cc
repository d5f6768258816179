#include "metrics/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <asio/post.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <future>

#include "common/ip.h"
#include "metrics/exposition.h"

namespace floe::metrics {

Result<ListenAddress> parseListenAddress(std::string_view text) {
  const std::string where = "--metrics " + std::string(text) + ": ";
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return makeError(where + "expected ADDR:PORT");
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.starts_with('[') && host.ends_with(']')) {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return makeError(where + "an IPv6 address goes in brackets: [ADDR]:PORT");
  }
  if (!IpAddress::parse(host))
    return makeError(where + "'" + std::string(host) + "' is not an IP address");
  unsigned value = 0;
  const auto r = std::from_chars(port.data(), port.data() + port.size(), value);
  if (r.ec != std::errc() || r.ptr != port.data() + port.size() || value < 1 || value > 65535) {
    return makeError(where + "port '" + std::string(port) + "' is not a number in 1-65535");
  }
  return ListenAddress{std::string(host), static_cast<uint16_t>(value)};
}

MetricsServer::MetricsServer(asio::io_context& control, Collect collect,
                             std::chrono::milliseconds timeout)
    : control_(control), collect_(std::move(collect)), timeout_(timeout) {}

MetricsServer::~MetricsServer() { stop(); }

Status MetricsServer::start(const ListenAddress& at) {
  server_ = std::make_unique<httplib::Server>();
  // One handler thread: scrapes are rare and each one waits for the control loop anyway.
  server_->new_task_queue = [] { return new httplib::ThreadPool(1); };
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which would let a second
  // floe-se share the port and answer half the scrapes.
  server_->set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    auto done = std::make_shared<std::promise<std::string>>();
    auto text = done->get_future();
    asio::post(control_, [done, collect = collect_] {
      try {
        done->set_value(collect());
      } catch (...) {
        done->set_exception(std::current_exception());
      }
    });
    if (text.wait_for(timeout_) != std::future_status::ready) {
      res.status = 503;
      res.set_content(
          "the control loop did not answer within " + std::to_string(timeout_.count()) + " ms\n",
          "text/plain");
      return;
    }
    try {
      res.set_content(text.get(), kContentType);
    } catch (const std::exception& e) {
      res.status = 500;
      res.set_content(std::string("collecting metrics failed: ") + e.what() + "\n", "text/plain");
    }
  });
  server_->Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("floe-se metrics: GET /metrics\n", "text/plain");
  });
  errno = 0;
  if (!server_->bind_to_port(at.host, at.port)) {
    const int err = errno;
    const std::string where = at.host.find(':') == std::string::npos
                                  ? at.host + ":" + std::to_string(at.port)
                                  : "[" + at.host + "]:" + std::to_string(at.port);
    server_.reset();
    return makeError("metrics " + where + ": cannot listen (" +
                         (err != 0 ? std::string(std::strerror(err)) : "bind failed") + ")",
                     err);
  }
  thread_ = std::thread([server = server_.get()] { server->listen_after_bind(); });
  // cpp-httplib's stop() does nothing until the listen loop runs: wait for it, so a stop()
  // right after start() cannot leave the thread listening forever.
  for (int i = 0; i < 2000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return {};
}

void MetricsServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace floe::metrics
