#include "proxy/poller.h"

#include <sys/epoll.h>

#include <asio/post.hpp>
#include <cerrno>

#include "common/log.h"
#include "proxy/socket_util.h"

namespace floe::proxy {

namespace {

int createEpoll() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    // Nothing can work without it; fail loudly at startup rather than on the first client.
    spdlog::critical("epoll_create1: {}", errnoText(errno));
    std::abort();
  }
  return fd;
}

}  // namespace

Poller::Poller(asio::io_context& io, std::function<void()> afterBatch)
    : epoll_(io, createEpoll()), after_batch_(std::move(afterBatch)) {}

void Poller::start() { arm(); }

void Poller::stop() {
  stopped_ = true;
  asio::error_code ignored;
  epoll_.close(ignored);
}

Status Poller::add(int fd, PollTarget* target) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = target;
  if (::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    const int err = errno;
    return makeError("epoll_ctl: " + errnoText(err), err);
  }
  return {};
}

void Poller::arm() {
  // The outer loop sees our epoll fd edge-triggered: wait only once the set is drained.
  epoll_.async_wait(asio::posix::descriptor_base::wait_read, [this](const asio::error_code& ec) {
    if (ec || stopped_) return;
    drain();
  });
}

void Poller::drain() {
  epoll_event events[kBatch];
  const int n = ::epoll_wait(epoll_.native_handle(), events, kBatch, 0);
  now_ = std::chrono::steady_clock::now();
  dispatching_ = true;
  for (int i = 0; i < n; ++i) {
    static_cast<PollTarget*>(events[i].data.ptr)->onPoll(events[i].events);
  }
  dispatching_ = false;
  after_batch_();
  if (stopped_) return;
  if (n == kBatch) {
    // Possibly more ready: come back after the other handlers had their turn.
    asio::post(epoll_.get_executor(), [this] {
      if (!stopped_) drain();
    });
  } else {
    arm();
  }
}

}  // namespace floe::proxy
