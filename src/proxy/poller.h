// A worker's edge-triggered epoll set for connection sockets, itself watched by the worker's
// Asio loop as one descriptor. Each socket is added once (EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET)
// and leaves the set by being closed: no per-wait epoll_ctl(MOD), no epoll_ctl(DEL), no FIONBIO
// ioctl, which Asio's socket objects would cost on every connection.
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>

#include "common/result.h"

namespace floe::proxy {

class PollTarget {
 public:
  virtual void onPoll(uint32_t events) = 0;

 protected:
  ~PollTarget() = default;
};

class Poller {
 public:
  // `afterBatch` runs after every batch of events (the worker frees connections closed during
  // the batch there: a later event of the same batch may still point at them).
  Poller(asio::io_context& io, std::function<void()> afterBatch);
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  void start();
  void stop();
  // Registers a non-blocking socket; it stays registered until closed.
  Status add(int fd, PollTarget* target);
  bool dispatching() const { return dispatching_; }
  // The steady clock: during a batch, as read once before its events were dispatched (what
  // the connections use for deadlines and latencies instead of a clock read per use; timers
  // are in ms and a batch takes well under one); outside a batch (accepts, posted work,
  // timers), read now.
  std::chrono::steady_clock::time_point now() const {
    return dispatching_ ? now_ : std::chrono::steady_clock::now();
  }

  static constexpr int kBatch = 256;

 private:
  void arm();
  void drain();

  asio::posix::stream_descriptor epoll_;
  std::function<void()> after_batch_;
  bool dispatching_ = false;
  bool stopped_ = false;
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
};

}  // namespace floe::proxy
