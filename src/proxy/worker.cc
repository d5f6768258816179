#include "proxy/worker.h"

#include <pthread.h>

#include <algorithm>
#include <string>

#include "common/log.h"
#include "proxy/http_connection.h"
#include "proxy/listener.h"

namespace floe::proxy {

namespace {
constexpr auto kSweepPeriod = std::chrono::seconds(1);
constexpr size_t kMinBuffer = 1024;
constexpr size_t kMaxBuffer = 16 * 1024 * 1024;
// Connection blocks kept for reuse (about 8 MiB per worker with the default 16 KiB buffers).
constexpr size_t kSpareBlocks = 256;
}  // namespace

WorkerLimits WorkerLimits::from(const Tuning& t) {
  WorkerLimits l;
  l.connect_timeout = std::chrono::milliseconds(std::max<uint32_t>(1, t.connect_timeout_ms));
  l.buffer_bytes = std::clamp(t.buffer_bytes, kMinBuffer, kMaxBuffer);
  l.connect_attempts =
      static_cast<uint32_t>(std::clamp<int>(t.connect_attempts, 1, kMaxConnectAttempts));
  l.lingering_time = std::chrono::milliseconds(std::max<uint32_t>(1, t.lingering_time_ms));
  l.lingering_timeout = std::chrono::milliseconds(std::max<uint32_t>(1, t.lingering_timeout_ms));
  return l;
}

Worker::Worker(int index, WorkerLimits limits, EngineShared& shared)
    : index_(index),
      limits_(limits),
      shared_(shared),
      work_(asio::make_work_guard(io_)),
      sweep_(io_),
      poller_(io_,
              [this] {
                http_->flushDeferred();
                freeZombies();
              }),
      http_(std::make_unique<HttpWorker>(*this)) {}

Worker::~Worker() {
  stop();
  http_.reset();
  for (void* b : spare_blocks_) ::operator delete(b);
}

void* Worker::allocateConnection() {
  if (!spare_blocks_.empty()) {
    void* b = spare_blocks_.back();
    spare_blocks_.pop_back();
    return b;
  }
  return ::operator new(sizeof(Connection) + 2 * limits_.buffer_bytes);
}

void Worker::releaseConnection(void* block) {
  if (spare_blocks_.size() < kSpareBlocks) {
    spare_blocks_.push_back(block);
  } else {
    ::operator delete(block);
  }
}

void Worker::retire(Connection* c) {
  if (defer_depth_ > 0 || poller_.dispatching()) {
    zombies_.push_back(c);
  } else {
    Connection::free(c);
  }
}

void Worker::freeZombies() {
  // Swap first: freeing releases handlers that may retire more connections.
  while (!zombies_.empty()) {
    std::vector<Connection*> batch;
    batch.swap(zombies_);
    for (Connection* c : batch) Connection::free(c);
  }
  http_->freeZombies();
}

Worker::DeferFrees::~DeferFrees() {
  if (--w_.defer_depth_ == 0) w_.freeZombies();
}

void Worker::start() {
  // Armed before the thread exists; from then on only the worker thread touches the timer.
  sweep_.expires_after(kSweepPeriod);
  armSweep();
  poller_.start();
  thread_ = std::thread([this] {
    const std::string name = "floe-w" + std::to_string(index_);
    pthread_setname_np(pthread_self(), name.c_str());
    ShardedCounter::bindThisThread(static_cast<size_t>(index_));
    io_.run();
  });
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] { shutdownLoop(); });
  work_.reset();  // run() returns once the aborted operations have completed
  thread_.join();
}

void Worker::update(WorkerUpdate update) {
  auto shared = std::make_shared<WorkerUpdate>(std::move(update));
  asio::post(io_, [this, shared] { applyUpdate(*shared); });
}

void Worker::applyUpdate(WorkerUpdate& update) {
  for (const Endpoint& ep : update.close) {
    if (auto it = listeners_.find(ep); it != listeners_.end()) {
      it->second->close();
      listeners_.erase(it);
    }
  }
  std::vector<std::shared_ptr<Listener>> fresh;
  for (auto& [ep, fd] : update.open) {
    if (auto it = listeners_.find(ep); it != listeners_.end()) it->second->close();
    auto listener = std::make_shared<Listener>(*this, ep, std::move(fd));
    listeners_[ep] = listener;
    fresh.push_back(listener);
  }

  // Rebuild the per-worker service/pool state, keeping what belongs to unchanged snapshots
  // (balancer position, SNAT rotation).
  std::map<const PoolSnapshot*, std::shared_ptr<WorkerPool>> pools;
  std::map<const ServiceSnapshot*, std::shared_ptr<WorkerService>> services;
  auto poolFor =
      [&](const std::shared_ptr<const PoolSnapshot>& snap) -> std::shared_ptr<WorkerPool> {
    if (!snap) return nullptr;
    if (auto it = pools.find(snap.get()); it != pools.end()) return it->second;
    auto old = pools_.find(snap.get());
    auto wp = old != pools_.end() ? old->second : std::make_shared<WorkerPool>(snap);
    pools[snap.get()] = wp;
    return wp;
  };
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    auto svc = update.config->services.find(it->first);
    if (svc == update.config->services.end()) {  // the control thread closes these; be safe
      it->second->close();
      it = listeners_.erase(it);
      continue;
    }
    const ServiceSnapshot* key = svc->second.get();
    auto& ws = services[key];
    if (!ws) {
      auto old = services_.find(key);
      ws = old != services_.end()
               ? old->second
               : std::make_shared<WorkerService>(svc->second, poolFor(svc->second->pool));
      if (old != services_.end()) poolFor(svc->second->pool);  // keep its pool alive in pools_
    }
    it->second->setService(ws);
    ++it;
  }
  pools_ = std::move(pools);
  services_ = std::move(services);
  for (auto& l : fresh) l->start();

  // Connections that lost their virtual service, VIP or SNAT IP: reset now, while the host
  // still has the addresses (the agent removes them once apply() returns).
  size_t orphans = 0;
  {
    DeferFrees defer(*this);
    connections_.forEach([&](Connection& c) {
      if (!c.orphanedBy(*update.config)) return;
      c.abort();
      ++orphans;
    });
    orphans += http_->resetOrphans(*update.config);
  }
  if (orphans != 0) {
    spdlog::info(
        "worker {}: reset {} connection(s) whose virtual service, VIP or SNAT IP the "
        "new config removed",
        index_, orphans);
  }
  if (update.done) update.done->set_value();
}

void Worker::armSweep() {
  sweep_.async_wait([this](const asio::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    ++tick_;
    {
      DeferFrees defer(*this);
      connections_.forEach([&](Connection& c) { c.expireIdle(tick_); });
      http_->sweep(tick_);
    }
    sweep_.expires_at(sweep_.expiry() + kSweepPeriod);
    armSweep();
  });
}

void Worker::shutdownLoop() {
  for (auto& [ep, l] : listeners_) l->close();
  listeners_.clear();
  {
    DeferFrees defer(*this);
    connections_.forEach([](Connection& c) { c.abort(); });
    http_->shutdown();
  }
  sweep_.cancel();
  poller_.stop();
  services_.clear();
  pools_.clear();
}

}  // namespace floe::proxy
