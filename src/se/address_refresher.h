// Keeps the active role's addresses alive: every `interval` it restarts the valid lifetime of
// each address the agent holds (DESIGN.md: a killed or hung SE stops answering for them within
// the lifetime). Runs on the time-critical loop with a netlink socket of its own whose requests
// time out far below the lifetime. Before every refresh it checks, in one dump, that the
// address is still floe's: one an administrator deleted and added again by hand is never
// adopted; one that vanished is left to the agent on the control loop (which logs it, probes
// and re-adds it, and reports it in status).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "net/netlink.h"
#include "se/agent.h"

namespace floe::se {

class AddressRefresher final : public LifetimeKeeper {
 public:
  // `netlink` is used only from `io`'s thread.
  AddressRefresher(asio::io_context& io, std::unique_ptr<net::Netlink> netlink,
                   std::chrono::milliseconds interval = std::chrono::seconds(1));

  // Thread-safe (control loop). Waits for a pass under way to finish, so once it returns no
  // pass touches an address left out of `addresses`: the agent can then remove it without
  // a refresh bringing it back.
  void keep(std::vector<net::Address> addresses) override;

  // On the loop's thread: stops refreshing and removes, at once, every address it kept that is
  // still floe's (an HA demotion: the addresses go before anything else happens).
  void releaseAll();

  void start();  // first pass at once, then every interval; call from any thread
  void stop();   // from any thread; a pass under way completes

  // One pass, on the calling thread (the loop's; tests call it directly).
  void pass();

  struct Stats {
    uint64_t passes = 0;
    uint64_t refreshed = 0;     // addresses whose lifetime was restarted
    uint64_t notHeld = 0;       // absent or not floe's at the pass: left to the agent
    uint64_t errors = 0;        // netlink errors (dump or replace)
    int64_t lastPassUnixMs = 0;  // wall time of the last pass, 0 before the first
  };
  Stats stats() const;  // thread-safe

 private:
  void arm();

  asio::io_context& io_;
  std::unique_ptr<net::Netlink> netlink_;
  std::chrono::milliseconds interval_;
  asio::steady_timer timer_;

  std::mutex mutex_;  // held for a whole pass and by keep()
  std::vector<net::Address> addresses_;

  std::atomic<uint64_t> passes_{0}, refreshed_{0}, notHeld_{0}, errors_{0};
  std::atomic<int64_t> lastPassUnixMs_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace floe::se
