// A data-plane worker: one thread, one io_context, its own acceptor per listener endpoint
// (SO_REUSEPORT spreads clients across workers) and the connections those accept. Reached from
// the control thread only through update(), which posts to the worker's loop.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "proxy/connection.h"
#include "proxy/local_errors.h"
#include "proxy/poller.h"
#include "proxy/pool.h"
#include "proxy/socket_util.h"

namespace floe::proxy {

class Listener;
class HttpWorker;

struct WorkerLimits {
  std::chrono::milliseconds connect_timeout{3000};
  size_t buffer_bytes = 16 * 1024;
  uint32_t connect_attempts = 3;
  std::chrono::milliseconds lingering_time{30000};    // Tuning::lingering_time_ms
  std::chrono::milliseconds lingering_timeout{5000};  // Tuning::lingering_timeout_ms

  static WorkerLimits from(const Tuning& t);
};

// What one apply() changes on one worker.
struct WorkerUpdate {
  std::vector<std::pair<Endpoint, UniqueFd>> open;  // listening sockets this worker now owns
  std::vector<Endpoint> close;                      // stop accepting; connections finish
  std::shared_ptr<const ConfigSnapshot> config;
  // Set once the worker has applied this update (and reset the connections it orphans).
  std::shared_ptr<std::promise<void>> done;
};

class Worker {
 public:
  // `shared` (caps, counters) must outlive the worker.
  Worker(int index, WorkerLimits limits, EngineShared& shared);
  ~Worker();  // stop()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();  // runs the loop on a new thread
  // Closes listeners, resets connections, joins. Idempotent; call from the owning thread.
  void stop();
  // From any thread: applied on the worker's loop, in call order.
  void update(WorkerUpdate update);

  // Worker thread only.
  asio::io_context& io() { return io_; }
  Poller& poller() { return poller_; }
  const WorkerLimits& limits() const { return limits_; }
  uint32_t tick() const { return tick_; }  // seconds since start, advanced by the idle sweep
  ConnectionList& connections() { return connections_; }
  HttpWorker& http() { return *http_; }  // HTTP virtual services' connections (http_connection.h)
  int index() const { return index_; }
  EngineShared& shared() { return shared_; }

  // Memory for one Connection and its two buffers; recycled, so a busy worker reaches a steady
  // state without malloc/free (and without the heap trimming they cause) per connection.
  void* allocateConnection();
  void releaseConnection(void* block);
  // Frees a closed connection now, or after the current event batch / sweep if one runs.
  void retire(Connection* c);

 private:
  // While alive, retired connections wait in zombies_ instead of being freed.
  class DeferFrees {
   public:
    explicit DeferFrees(Worker& w) : w_(w) { ++w_.defer_depth_; }
    ~DeferFrees();
    DeferFrees(const DeferFrees&) = delete;
    DeferFrees& operator=(const DeferFrees&) = delete;

   private:
    Worker& w_;
  };

  void applyUpdate(WorkerUpdate& update);
  void armSweep();
  void shutdownLoop();
  void freeZombies();

  const int index_;
  const WorkerLimits limits_;
  EngineShared& shared_;
  // One thread per io_context and every socket used from that thread only: no locking in the
  // reactor's I/O path (the scheduler still locks, so posts from the control thread are safe).
  asio::io_context io_{ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer sweep_;
  Poller poller_;
  uint32_t tick_ = 0;
  ConnectionList connections_;
  int defer_depth_ = 0;
  std::vector<Connection*> zombies_;
  std::unique_ptr<HttpWorker> http_;
  std::vector<void*> spare_blocks_;
  std::map<Endpoint, std::shared_ptr<Listener>> listeners_;
  std::map<const PoolSnapshot*, std::shared_ptr<WorkerPool>> pools_;
  std::map<const ServiceSnapshot*, std::shared_ptr<WorkerService>> services_;
  std::thread thread_;
};

}  // namespace floe::proxy
