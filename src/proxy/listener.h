// A worker's acceptor on one VIP:port. Accepts in batches (up to kAcceptBatch per wakeup),
// picks the first server and hands the client to a Connection, or resets it at once when the
// pool has no server up.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "proxy/socket_util.h"
#include "proxy/worker_service.h"

namespace floe::proxy {

class Worker;

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Takes a bound, listening, non-blocking socket (openListenSocket).
  Listener(Worker& worker, const Endpoint& endpoint, UniqueFd fd);

  void setService(std::shared_ptr<WorkerService> service) { service_ = std::move(service); }
  void start();
  // Stops accepting; connections already accepted carry on.
  void close();

  static constexpr int kAcceptBatch = 64;

 private:
  void acceptSome();
  void onAccepted(UniqueFd fd, const sockaddr_storage& peer);

  Worker& worker_;
  Endpoint endpoint_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer backoff_;  // after EMFILE and friends: retry later instead of spinning
  std::shared_ptr<WorkerService> service_;
  std::chrono::steady_clock::time_point last_warning_{};
  bool closed_ = false;
};

}  // namespace floe::proxy
