#include "se/critical_loop.h"

#include <pthread.h>
#include <sched.h>

#include <cstring>

#include "common/log.h"

namespace floe::se {

CriticalLoop::CriticalLoop(std::string name)
    : work_(asio::make_work_guard(io_)), name_(std::move(name)) {}

CriticalLoop::~CriticalLoop() { stop(); }

void CriticalLoop::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), name_.c_str());
    sched_param param{};
    param.sched_priority = 10;
    if (int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param); rc != 0) {
      spdlog::info("{} loop runs at normal priority (SCHED_FIFO refused: {})", name_,
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
