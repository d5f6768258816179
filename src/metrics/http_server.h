// `floe-se --metrics ADDR:PORT`: serves GET /metrics (Prometheus text exposition) over HTTP
// with cpp-httplib on a thread of its own. The text is built on the control loop: a scrape
// posts the collect function to the control io_context and waits for it with a timeout, so
// it reads only what the control loop owns and never touches worker state.
#pragma once

#include <asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/result.h"

namespace httplib {
class Server;
}

namespace floe::metrics {

struct ListenAddress {
  std::string host;  // IPv4 or IPv6 literal, without brackets
  uint16_t port = 0;
};

// "10.10.1.11:9100", "[fd00::1]:9100", "0.0.0.0:9100". Port 1-65535. Error:
// "--metrics ADDR:PORT: <what is wrong>".
Result<ListenAddress> parseListenAddress(std::string_view text);

class MetricsServer {
 public:
  using Collect = std::function<std::string()>;  // runs on the control loop

  // `timeout`: how long a scrape waits for the control loop before it answers 503.
  MetricsServer(asio::io_context& control, Collect collect,
                std::chrono::milliseconds timeout = std::chrono::seconds(2));
  ~MetricsServer();  // stop()
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds and starts serving on its own thread. Error: "metrics ADDR:PORT: cannot listen
  // (<reason>)".
  Status start(const ListenAddress& at);
  // Stops serving and joins the thread. Idempotent.
  void stop();

 private:
  asio::io_context& control_;
  Collect collect_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace floe::metrics
