#include "se/critical_loop.h"

#include <pthread.h>
#include <sched.h>

#include <cstring>

#include "common/log.h"

namespace floe::se {

CriticalLoop::CriticalLoop() : work_(asio::make_work_guard(io_)) {}

CriticalLoop::~CriticalLoop() { stop(); }

void CriticalLoop::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "floe-critical");
    sched_param param{};
    param.sched_priority = 10;
    if (int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param); rc != 0) {
      spdlog::info("time-critical loop runs at normal priority (SCHED_FIFO refused: {})",
                   std::strerror(rc));
    }
    io_.run();
  });
}

void CriticalLoop::stop() {
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace floe::se
