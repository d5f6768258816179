// A standalone floe-se: loads and validates its config document, refuses to run on an invalid
// one or on a host that does not match its data_vnics, applies it through the agent, reloads
// on SIGHUP, serves the control socket and withdraws everything it holds on SIGTERM/SIGINT.
//
// Threads (DESIGN.md "Threads"):
//  - the control loop (the io_context passed in): agent passes, netlink notifications, health
//    monitors, status, applying a loaded document;
//  - the time-critical loop (CriticalLoop): address-lifetime refresh, HA heartbeats and BFD
//    (RFC 5881 sessions), short bounded work;
//  - the BGP loop (a second CriticalLoop, "floe-bgp"): the BGP speaker's sockets and timers.
//    Not the time-critical loop: encoding the UPDATEs for thousands of VIPs or parsing a
//    router's full table is not short bounded work, and must not delay a BFD packet. Not the
//    control loop: a reload or a long status must not delay a KEEPALIVE past the hold time;
//  - the document loader: reading, parsing and validating a document on SIGHUP;
//  - the data-plane workers (proxy::ProxyEngine).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include "bfd/udp_endpoint.h"
#include "bgp/speaker.h"
#include "common/clock.h"
#include "config/document.h"
#include "net/netlink.h"
#include "net/rtnl_events.h"
#include "net/transparent.h"
#include "proxy/engine.h"
#include "se/address_refresher.h"
#include "se/agent.h"
#include "se/control_server.h"
#include "se/critical_loop.h"
#include "se/document_loader.h"
#include "se/forwarding.h"
#include "se/ha_node.h"

namespace floe::se {

// Exit codes (DESIGN.md "Command-line contract").
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitInvalidDocument = 2;
inline constexpr int kExitHostMismatch = 3;

// How an SE announces an address it has just claimed (gratuitous ARP / unsolicited NA).
struct AnnounceOptions {
  int count = 3;                              // announcements in the burst (RFC 5227 §2.3: 2)
  std::chrono::milliseconds interval{100};    // between them
  // A second burst this long after the first (0: none), for neighbours that missed the first
  // (a switch port that was still converging, a router that dropped it under load).
  std::chrono::milliseconds refresh{2000};
};

struct RuntimeOptions {
  std::string name;
  std::filesystem::path configPath;
  std::filesystem::path runDir = "/run/floe";
  proxy::Tuning tuning;
  AgentOptions agent;
  AnnounceOptions announce;
  // A full agent pass runs at least this often, notifications or not.
  std::chrono::milliseconds fullPassInterval{2000};
  // A standby SE pre-advertises what the active SE advertises, with a worse preference, so a
  // router can switch the moment the active's routes go (docs/bgp.md "Standby
  // pre-advertising"). Off by default.
  bool bgpStandbyAdvertise = false;
};

std::filesystem::path socketPath(const std::filesystem::path& runDir, const std::string& name);

// Sends the first announcement at once and paces the rest on the control loop, so a takeover
// of many on-link addresses never stalls the loop.
class PacedGarpSender final : public GarpSender {
 public:
  PacedGarpSender(asio::io_context& io, AnnounceOptions options) : io_(io), options_(options) {}
  Status announce(const std::string& device, const IpAddress& ip) override;
  // Asked before each later announcement: an SE that has let the address go since (an HA
  // switchover, a reload) must not claim it again over its new holder.
  void setStillHeld(std::function<bool(const std::string&, const IpAddress&)> stillHeld) {
    stillHeld_ = std::move(stillHeld);
  }

 private:
  asio::io_context& io_;
  AnnounceOptions options_;
  std::function<bool(const std::string&, const IpAddress&)> stillHeld_;
};

class Runtime {
 public:
  // `netlink` is the control loop's; `makeNetlink` makes the time-critical loop's own (its
  // requests must time out far below the address lifetime).
  Runtime(asio::io_context& io, RuntimeOptions options, net::Netlink& netlink,
          std::function<std::unique_ptr<net::Netlink>()> makeNetlink,
          std::unique_ptr<AddressProber> prober = nullptr);
  ~Runtime();

  // Everything up to serving. Returns an exit code when it must not run (kExitOk: running).
  int start();

  // For --metrics; call on the control loop. What `floe-se status` prints, and the data
  // plane's counters.
  nlohmann::json status() { return handleCommand("status"); }
  proxy::ProxyStatus proxyStatus() const {
    return engine_ ? engine_->status() : proxy::ProxyStatus{};
  }

 private:
  void reload();
  void applyLoaded(Loaded loaded);
  void shutdown();
  void waitSignals();
  void watchNetlink();
  void schedulePass(std::chrono::milliseconds delay);
  void runPass();
  void armFullPass();
  // Every kServiceWatchInterval: log virtual services whose state changed (Agent).
  void armServiceWatch();
  static constexpr std::chrono::milliseconds kServiceWatchInterval{500};
  void convergeForwarding();
  void convergeTransparent();
  nlohmann::json handleCommand(const std::string& command);
  std::vector<std::string> checkHostFor(const Loaded& loaded);
  Status lockNamespace();
  // BGP and BFD (issue 10): the peers of the desired state; what each peer is told.
  void applyBgp(const DesiredState& desired);
  void advertise();
  nlohmann::json bgpStatus();

  asio::io_context& io_;
  RuntimeOptions options_;
  net::Netlink& netlink_;
  std::function<std::unique_ptr<net::Netlink>()> makeNetlink_;
  std::unique_ptr<AddressProber> innerProber_;
  std::unique_ptr<AddressProber> prober_;  // innerProber_, then a pass
  SystemClock clock_;
  int lockFd_ = -1;
  int namespaceLockFd_ = -1;
  CriticalLoop critical_;
  std::unique_ptr<AddressRefresher> refresher_;
  std::unique_ptr<proxy::ProxyEngine> engine_;
  std::unique_ptr<ProxyDataPlane> dataPlane_;
  PacedGarpSender garp_;
  std::unique_ptr<Agent> agent_;
  KernelSysctl sysctl_;
  std::unique_ptr<ForwardingOwner> forwarding_;  // enable_routing (forwarding.h)
  std::vector<std::string> forwardingDevices_;   // of the applied document
  std::unique_ptr<net::TransparentReturn> transparent_;  // preserve_client_ip return path
  bool transparentWanted_ = false;     // the applied document preserves a client IP
  bool transparentInstalled_ = false;  // installed by this run
  SteadyTime transparentCheckDue_{};   // next look at whether it is all still there
  std::unique_ptr<HaNode> ha_;  // a legacy HA pair; absent for a group of one SE
  std::optional<HaSettings> haSettings_;
  std::pair<uint8_t, uint8_t> lastHealth_{0, 0};
  CriticalLoop bgpLoop_{"floe-bgp"};
  std::unique_ptr<bgp::Speaker> speaker_;
  std::unique_ptr<bfd::UdpEndpoint> bfd_;
  std::optional<BgpSettings> bgp_;
  std::unique_ptr<ControlServer> control_;
  DocumentLoader loader_;
  std::unique_ptr<net::RtnlEvents> events_;
  std::unique_ptr<asio::posix::stream_descriptor> eventsFd_;
  asio::signal_set signals_;
  asio::steady_timer passTimer_;      // the next agent pass (notification or retry)
  asio::steady_timer fullPassTimer_;  // the periodic full pass
  asio::steady_timer serviceWatchTimer_;
  std::optional<SteadyTime> passDue_;
  bool stopping_ = false;
  bool reloadAgain_ = false;  // SIGHUP while a load was under way

  // What is running, for status.
  uint64_t generation_ = 0;
  std::string loadedAt_;
  nlohmann::json lastReload_;
  std::vector<std::string> notices_;
  uint64_t passes_ = 0;
};

}  // namespace floe::se
