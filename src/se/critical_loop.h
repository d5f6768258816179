// The time-critical loop (DESIGN.md "Threads"): a thread with an event loop of its own that runs
// only short, bounded work — address-lifetime refresh now, HA heartbeats and BFD later — so no
// parse, dump, reload or status request on the control loop can delay it.
#pragma once

#include <string>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

namespace floe::se {

class CriticalLoop {
 public:
  // `name`: the thread's name (ps, top); floe-se also runs its BGP speaker on a loop of this
  // kind, "floe-bgp", so BGP timers are kept whatever the control loop does.
  explicit CriticalLoop(std::string name = "floe-critical");
  ~CriticalLoop();  // stop() and join
  CriticalLoop(const CriticalLoop&) = delete;
  CriticalLoop& operator=(const CriticalLoop&) = delete;

  // Starts the thread. It asks for SCHED_FIFO priority 10 (as keepalived's vrrp_rt_priority
  // does) so a fully loaded data plane cannot starve it; without CAP_SYS_NICE it runs at normal
  // priority and logs that once.
  void start();
  // Stops the loop (pending handlers are dropped) and joins the thread. Idempotent.
  void stop();

  asio::io_context& io() { return io_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  std::string name_;
};

}  // namespace floe::se
