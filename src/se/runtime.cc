#include "se/runtime.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <set>
#include <thread>

#include "common/log.h"
#include "daemon/notify.h"
#include "se/host_check.h"

namespace floe::se {

namespace {

// The name of the abstract Unix socket one floe-se binds per network namespace. Abstract
// socket names belong to the network namespace, and the kernel unbinds it when the process
// dies: a lock that cannot go stale.
constexpr char kNamespaceLock[] = "floe-se.netns-lock";

// Runs a pass as soon as a probe has its answer (claim the address, or report the conflict).
class PassAfterProbe final : public AddressProber {
 public:
  PassAfterProbe(AddressProber& inner, std::function<void()> pass)
      : inner_(inner), pass_(std::move(pass)) {}
  void probe(const std::string& device, const IpAddress& ip, Done done) override {
    inner_.probe(device, ip, [done = std::move(done), pass = pass_](auto holder) {
      done(std::move(holder));
      pass();
    });
  }

 private:
  AddressProber& inner_;
  std::function<void()> pass_;
};

// What heartbeats carry as config_generation: FNV-1a 64 over the document's canonical
// encoding, so the two SEs of a pair can tell whether they run the same configuration.
uint64_t documentDigest(const config::Document& doc) {
  uint64_t digest = 0xcbf29ce484222325ULL;
  for (const unsigned char c : config::encodeDocument(doc).dump()) {
    digest = (digest ^ c) * 0x100000001b3ULL;
  }
  return digest;
}

}  // namespace

std::filesystem::path socketPath(const std::filesystem::path& runDir, const std::string& name) {
  return runDir / (name + ".sock");
}

Status PacedGarpSender::announce(const std::string& device, const IpAddress& ip) {
  auto first = net::sendGratuitousArp(device, ip, 1);
  if (!first) return first;
  auto later = [this, device, ip](std::chrono::milliseconds at) {
    auto timer = std::make_shared<asio::steady_timer>(io_, at);
    timer->async_wait([this, timer, device, ip](std::error_code ec) {
      if (ec) return;
      if (stillHeld_ && !stillHeld_(device, ip)) return;
      if (auto st = net::sendGratuitousArp(device, ip, 1); !st) {
        spdlog::debug("announce {} on {}: {}", ip.toString(), device, st.error().message);
      }
    });
  };
  for (int i = 1; i < options_.count; ++i) later(options_.interval * i);
  if (options_.refresh.count() > 0) {
    for (int i = 0; i < options_.count; ++i) later(options_.refresh + options_.interval * i);
  }
  return {};
}

Runtime::Runtime(asio::io_context& io, RuntimeOptions options, net::Netlink& netlink,
                 std::function<std::unique_ptr<net::Netlink>()> makeNetlink,
                 std::unique_ptr<AddressProber> prober)
    : io_(io),
      options_(std::move(options)),
      netlink_(netlink),
      makeNetlink_(std::move(makeNetlink)),
      prober_(std::move(prober)),
      garp_(io, options_.announce),
      loader_(io),
      signals_(io, SIGHUP, SIGTERM, SIGINT),
      passTimer_(io),
      fullPassTimer_(io),
      serviceWatchTimer_(io) {}

Runtime::~Runtime() {
  bgpLoop_.stop();
  critical_.stop();
  if (lockFd_ >= 0) ::close(lockFd_);
  if (namespaceLockFd_ >= 0) ::close(namespaceLockFd_);
}

std::vector<std::string> Runtime::checkHostFor(const Loaded& loaded) {
  auto links = netlink_.links();
  if (!links) return {"read interfaces: " + links.error().message};
  const auto* se = config::findEngine(loaded.document, options_.name);
  return se == nullptr ? std::vector<std::string>{} : checkHost(*se, *links);
}

Status Runtime::lockNamespace() {
  // floe tags what it adds per network namespace (address protocol, label, route protocol), so
  // a second floe-se in the same namespace would take the first one's addresses and routes for
  // leftovers of a crash and remove them.
  namespaceLockFd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (namespaceLockFd_ < 0) return makeError(std::string("socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, kNamespaceLock, sizeof kNamespaceLock - 1);
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 +
                                          sizeof kNamespaceLock - 1);
  if (::bind(namespaceLockFd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    const int e = errno;
    if (e == EADDRINUSE) {
      return makeError(
          "another floe-se already runs in this network namespace; floe runs one service "
          "engine per namespace, because it tells its own addresses and routes from the "
          "host's by a tag that is the same for every floe-se: stop the other one, or run "
          "this one in a namespace of its own");
    }
    return makeError(std::string("bind the namespace lock: ") + std::strerror(e));
  }
  return {};
}

int Runtime::start() {
  // 1. Validate before touching anything: an invalid document changes nothing.
  auto loaded = loadDocument(options_.configPath, options_.name);
  for (const auto& n : loaded.report.notices) spdlog::warn("{}", n.toString());
  if (!loaded.errors.empty()) {
    spdlog::error("{}: refused, {} error(s); nothing applied", options_.configPath.string(),
                  loaded.errors.size());
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.c_str());
    return kExitInvalidDocument;
  }
  if (auto problems = checkHostFor(loaded); !problems.empty()) {
    spdlog::error("this host does not match serviceengine[{}]; nothing applied", options_.name);
    for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
    return kExitHostMismatch;
  }

  // 2. One floe-se per name (control socket, lock) and one per network namespace.
  auto lock = acquireInstanceLock(options_.runDir, options_.name);
  if (!lock) {
    spdlog::error("{}", lock.error().message);
    return kExitFailure;
  }
  lockFd_ = *lock;
  if (auto st = lockNamespace(); !st) {
    spdlog::error("{}", st.error().message);
    std::fprintf(stderr, "floe-se: %s\n", st.error().message.c_str());
    return kExitFailure;
  }

  // 3. The time-critical loop with its own netlink socket, the data plane and the agent; then
  //    leftovers of an earlier run that did not exit cleanly (killed, crashed): floe's own
  //    tagged addresses and routes, nothing else.
  refresher_ = std::make_unique<AddressRefresher>(critical_.io(), makeNetlink_());
  critical_.start();
  refresher_->start();
  engine_ = std::make_unique<proxy::ProxyEngine>(io_, options_.tuning);
  dataPlane_ = std::make_unique<ProxyDataPlane>(*engine_);
  if (prober_) {
    prober_ = std::make_unique<PassAfterProbe>(
        *(innerProber_ = std::move(prober_)),
        [this] { schedulePass(std::chrono::milliseconds(0)); });
  }
  agent_ = std::make_unique<Agent>(netlink_, *dataPlane_, garp_, *refresher_, clock_,
                                   prober_.get(), options_.agent);
  garp_.setStillHeld([this](const std::string& device, const IpAddress& ip) {
    return agent_->holds(device, ip);
  });
  auto removed = agent_->removeLeftovers();
  if (!removed) {
    spdlog::error("removing leftovers of an earlier run: {}", removed.error().message);
    return kExitFailure;
  }
  for (const auto& r : *removed) spdlog::info("removed leftover {}", r);
  forwarding_ = std::make_unique<ForwardingOwner>(
      sysctl_, options_.runDir / (options_.name + ".forwarding"));
  auto restored = forwarding_->restoreLeftovers();
  if (!restored) {
    spdlog::error("restoring the forwarding flags of an earlier run: {}",
                  restored.error().message);
    std::fprintf(stderr, "floe-se: %s\n", restored.error().message.c_str());
    return kExitFailure;
  }
  for (const auto& r : *restored) spdlog::info("leftover forwarding flag {}", r);
  transparent_ = net::makeKernelTransparentReturn();
  auto divert = transparent_->remove();
  if (!divert) {
    spdlog::error("removing the preserve_client_ip return path of an earlier run: {}",
                  divert.error().message);
    return kExitFailure;
  }
  for (const auto& r : *divert) spdlog::info("removed leftover {}", r);

  // 4. Notifications before the first pass, so no change between the two is missed.
  auto events = net::RtnlEvents::open();
  if (!events) {
    spdlog::error("{}", events.error().message);
    return kExitFailure;
  }
  events_ = std::move(*events);
  eventsFd_ = std::make_unique<asio::posix::stream_descriptor>(io_, events_->fd());
  watchNetlink();

  // 5. A legacy HA pair starts as standby and listens for its peer before it claims anything.
  if (loaded.desired->ha) {
    haSettings_ = loaded.desired->ha;
    agent_->setRole(Role::kStandby, false);
    ha_ = std::make_unique<HaNode>(
        critical_.io(), io_, *haSettings_, *refresher_, clock_,
        [this](Role role, bool claimAtOnce, const std::string& cause) {
          if (stopping_) return;
          if (role == Role::kActive && agent_->role() == Role::kActive && cause == "re-announce") {
            agent_->announce();
            return;
          }
          spdlog::info("HA: taking the {} role ({})", toString(role), cause);
          agent_->setRole(role, claimAtOnce);
          schedulePass(std::chrono::milliseconds(0));
        });
    ha_->setConfigGeneration(documentDigest(loaded.document));
    if (auto st = ha_->start(); !st) {
      spdlog::error("{}", st.error().message);
      std::fprintf(stderr, "floe-se: %s\n", st.error().message.c_str());
      return kExitFailure;
    }
  }

  // 6. Apply.
  applyLoaded(std::move(loaded));
  if (ha_) {
    spdlog::info("serviceengine {} running; legacy HA with {} decides its role",
                 options_.name, haSettings_->peer);
  } else {
    logEvent(spdlog::level::info, "agent_role", {{"from", ""}, {"to", "ACTIVE"}},
             fmt::format("serviceengine {} active (the only SE of its group)", options_.name));
  }

  // 7. Serve.
  control_ = std::make_unique<ControlServer>(
      io_, socketPath(options_.runDir, options_.name),
      [this](const std::string& command) { return handleCommand(command); });
  if (auto st = control_->start(); !st) {
    spdlog::error("{}", st.error().message);
    shutdown();
    return kExitFailure;
  }
  waitSignals();
  armFullPass();
  armServiceWatch();
  return kExitOk;
}

void Runtime::waitSignals() {
  signals_.async_wait([this](std::error_code ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      reload();
      waitSignals();
      return;
    }
    spdlog::info("signal {}: withdrawing and exiting", signo == SIGTERM ? "TERM" : "INT");
    shutdown();
  });
}

void Runtime::watchNetlink() {
  eventsFd_->async_wait(asio::posix::stream_descriptor::wait_read, [this](std::error_code ec) {
    if (ec || stopping_) return;
    const auto drained = events_->drain();
    if (drained.overrun) spdlog::info("netlink notifications overran; doing a full pass");
    // A short delay gathers a burst (a link going down takes its routes and addresses along).
    if (drained.relevant) schedulePass(std::chrono::milliseconds(20));
    watchNetlink();
  });
}

void Runtime::schedulePass(std::chrono::milliseconds delay) {
  if (stopping_) return;
  const SteadyTime due = clock_.now() + delay;
  if (passDue_ && *passDue_ <= due) return;
  passDue_ = due;
  passTimer_.expires_at(due);
  passTimer_.async_wait([this](std::error_code ec) {
    if (ec || stopping_) return;
    runPass();
  });
}

void Runtime::runPass() {
  passDue_.reset();
  ++passes_;
  auto retryAt = agent_->reconcile();
  convergeForwarding();
  convergeTransparent();
  if (ha_) {
    // An interface that holds active addresses lost carrier: the pair hands over to a peer
    // whose interfaces are all up.
    const auto health = agent_->interfaceHealth();
    if (health != lastHealth_) {
      lastHealth_ = health;
      ha_->setLocalHealth(health.first, health.second);
    }
  }
  agent_->logServiceChanges();
  advertise();
  if (retryAt) {
    const auto now = clock_.now();
    schedulePass(std::chrono::duration_cast<std::chrono::milliseconds>(
        *retryAt > now ? *retryAt - now : SteadyTime::duration::zero()));
  }
}

void Runtime::armServiceWatch() {
  serviceWatchTimer_.expires_after(kServiceWatchInterval);
  serviceWatchTimer_.async_wait([this](std::error_code ec) {
    if (ec || stopping_) return;
    agent_->logServiceChanges();
    advertise();  // a virtual service that lost its last server is withdrawn within 0.5 s
    armServiceWatch();
  });
}

void Runtime::convergeForwarding() {
  // The active role forwards (DESIGN.md "HA, addresses and ARP"); the standby does not.
  const bool active = agent_->role() == Role::kActive;
  for (const auto& e :
       forwarding_->converge(active ? forwardingDevices_ : std::vector<std::string>{})) {
    spdlog::warn("IPv4 forwarding: {}", e.message);
  }
}

void Runtime::convergeTransparent() {
  // Level-triggered, at most once per full-pass interval: what someone removed by hand is put
  // back (nft and rule changes raise no notification floe listens to).
  if (transparentWanted_ && transparentInstalled_ && clock_.now() >= transparentCheckDue_) {
    transparentCheckDue_ = clock_.now() + options_.fullPassInterval;
    auto missing = transparent_->missing();
    if (missing && !missing->empty()) {
      std::string what;
      for (const auto& m : *missing) what += (what.empty() ? "" : ", ") + m;
      spdlog::warn("preserve_client_ip return path: {} vanished; installing it again", what);
      transparentInstalled_ = false;
    }
  }
  if (transparentWanted_ == transparentInstalled_) return;
  if (transparentWanted_) {
    if (auto st = transparent_->install(); !st) {
      spdlog::warn("preserve_client_ip return path: {}; retried on the next pass",
                   st.error().message);
      return;
    }
    spdlog::info("preserve_client_ip: installed nft table inet {}, fwmark rules and table {}",
                 net::kNftTable, net::kTransparentTable);
    transparentInstalled_ = true;
    return;
  }
  if (auto removed = transparent_->remove(); !removed) {
    spdlog::warn("preserve_client_ip return path: {}", removed.error().message);
    return;
  }
  transparentInstalled_ = false;
}

void Runtime::armFullPass() {
  fullPassTimer_.expires_after(options_.fullPassInterval);
  fullPassTimer_.async_wait([this](std::error_code ec) {
    if (ec || stopping_) return;
    runPass();
    armFullPass();
  });
}

void Runtime::reload() {
  spdlog::info("SIGHUP: re-reading {}", options_.configPath.string());
  daemon::notifyReloading();  // systemd: reloading until READY=1 below
  const bool started =
      loader_.load(options_.configPath, options_.name, [this](Loaded loaded) {
        if (stopping_) return;
        struct Ready {  // whatever the outcome, the reload is over
          Runtime* self;
          ~Ready() {
            daemon::notifyReady("serviceengine " + self->options_.name + " running generation " +
                                std::to_string(self->generation_));
          }
        } ready{this};
        std::vector<std::string> errors = loaded.errors;
        if (errors.empty()) errors = checkHostFor(loaded);
        if (!errors.empty()) {
          spdlog::error("{}: refused, {} error(s); still running generation {}",
                        options_.configPath.string(), errors.size(), generation_);
          for (const auto& e : errors) spdlog::error("  {}", e);
          lastReload_ = {{"ok", false}, {"at", formatUtc(clock_.wallNow())}, {"errors", errors}};
        } else if (loaded.desired->ha != haSettings_) {
          const std::string e =
              "the HA pair's settings changed (peer, paths, timers, priority or secret); "
              "restart floe-se to apply them (a reload keeps the running heartbeats)";
          spdlog::error("{}: refused: {}; still running generation {}",
                        options_.configPath.string(), e, generation_);
          lastReload_ = {{"ok", false}, {"at", formatUtc(clock_.wallNow())}, {"errors", {e}}};
        } else {
          applyLoaded(std::move(loaded));
        }
        if (reloadAgain_) {
          reloadAgain_ = false;
          reload();
        }
      });
  if (!started) {
    // The file may have changed again since the load under way began: read it once more.
    spdlog::info("a reload is under way; reading {} again when it completes",
                 options_.configPath.string());
    reloadAgain_ = true;
  }
}

void Runtime::applyLoaded(Loaded loaded) {
  notices_.clear();
  for (const auto& n : loaded.report.notices) {
    if (generation_ > 0) spdlog::warn("{}", n.toString());
    notices_.push_back(n.toString());
  }
  for (const auto& n : loaded.desired->notices) {
    spdlog::warn("{}", n);
    notices_.push_back(n);
  }
  forwardingDevices_ = loaded.desired->forwardingDevices;
  transparentWanted_ = loaded.desired->transparentReturn;
  for (const auto& p : agent_->apply(*loaded.desired)) spdlog::warn("{}", p);
  applyBgp(*loaded.desired);
  ++generation_;
  if (ha_) ha_->setConfigGeneration(documentDigest(loaded.document));
  loadedAt_ = formatUtc(clock_.wallNow());
  lastReload_ = {{"ok", true}, {"at", loadedAt_}, {"errors", nlohmann::json::array()}};
  spdlog::info("applied generation {}: {} virtual service(s), {} address(es), {} route(s)",
               generation_, loaded.desired->proxy.virtual_services.size(),
               loaded.desired->addresses.size(), loaded.desired->routes.size());
  schedulePass(std::chrono::milliseconds(0));
}

void Runtime::shutdown() {
  if (stopping_) return;
  stopping_ = true;
  passTimer_.cancel();
  fullPassTimer_.cancel();
  serviceWatchTimer_.cancel();
  signals_.cancel();
  if (eventsFd_) {
    eventsFd_->release();  // events_ owns the fd
    eventsFd_.reset();
  }
  if (control_) control_->stop();
  // Cease to every BGP peer (RFC 4486 Administrative Shutdown) and AdminDown to every BFD
  // peer first: the routers withdraw this SE's routes before its addresses go.
  if (speaker_) {
    speaker_->shutdown();
    // The router reads the Cease before BFD's AdminDown reaches it through bfdd and zebra, so
    // it logs (and counts) the administrative shutdown, not a path failure.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (bfd_) bfd_->shutdown();
  bgpLoop_.stop();
  if (ha_) ha_->shutdown();  // addresses first, then the goodbye: the peer takes over at once
  if (agent_) agent_->withdrawAll();  // lets the refresher go of each address first
  if (transparent_ && transparentInstalled_) {
    if (auto removed = transparent_->remove(); !removed) {
      spdlog::error("removing the preserve_client_ip return path: {}", removed.error().message);
    }
  }
  if (forwarding_) {
    for (const auto& e : forwarding_->restoreAll()) {
      spdlog::error("restoring IPv4 forwarding: {}", e.message);
    }
  }
  if (refresher_) refresher_->stop();
  critical_.stop();
  engine_.reset();  // closes listeners and connections, joins workers
  io_.stop();
}

void Runtime::applyBgp(const DesiredState& desired) {
  if (!desired.bgp && !speaker_) return;
  if (!speaker_) {
    bgpLoop_.start();
    speaker_ = std::make_unique<bgp::Speaker>(bgpLoop_.io(), clock_);
    // Runs on the time-critical loop: only posts to the BGP loop.
    bfd_ = std::make_unique<bfd::UdpEndpoint>(
        critical_.io(), clock_, [this](const IpAddress& peer, const bfd::StateChange& c) {
          if (c.from == bfd::State::kUp && c.to != bfd::State::kUp) {
            speaker_->bfdDown(peer, std::string(bfd::diagnosticName(c.diag)));
          }
        });
  }
  std::vector<bgp::PeerSettings> sessions;
  std::vector<bfd::PeerSpec> bfdPeers;
  if (desired.bgp) {
    for (const auto& p : desired.bgp->peers) {
      sessions.push_back(p.session);
      if (p.bfd) {
        bfdPeers.push_back({p.session.device, p.session.local, p.session.peer, desired.bgp->bfd});
      }
    }
  }
  for (const auto& e : speaker_->configure(sessions)) {
    spdlog::warn("{}", e);
    notices_.push_back(e);
  }
  for (const auto& e : bfd_->configure(bfdPeers)) {
    spdlog::warn("{}", e);
    notices_.push_back(e);
  }
  bgp_ = desired.bgp;
  advertise();
}

void Runtime::advertise() {
  if (!speaker_ || !bgp_) return;
  // The active SE advertises; a standby advertises nothing (its sessions stay up, so a
  // takeover only sends UPDATEs), or with --bgp-standby-advertise the same with a worse
  // preference.
  const bool active = agent_->role() == Role::kActive;
  const bool standbyAdvertises = !active && options_.bgpStandbyAdvertise;
  std::set<std::string> up;
  if (engine_) {
    for (const auto& vs : engine_->status().virtual_services) {
      if (vs.up) up.insert(vs.name);
    }
  }
  for (const auto& peer : bgp_->peers) {
    std::set<Prefix> routes;
    if (active || standbyAdvertises) {
      if (peer.advertiseVip) {
        // A VIP whose virtual service has no server up is withdrawn.
        for (const auto& [vs, ip] : bgp_->vips) {
          if (up.count(vs) != 0) routes.insert(Prefix::host(ip));
        }
      }
      if (peer.advertiseSnatIp) {
        for (const auto& [vs, ip] : bgp_->snatIps) routes.insert(Prefix::host(ip));
      }
      for (const auto& n : bgp_->backendNetworks) routes.insert(n);
    }
    bgp::AdvertisePolicy policy;
    policy.localAs = peer.session.localAs;
    policy.ibgp = peer.session.localAs == peer.session.remoteAs;
    policy.localPreference = bgp_->localPreference;
    policy.asPathPrepend = bgp_->asPathPrepend;
    policy.communities = bgp_->communities;
    if (standbyAdvertises) {
      // Worse than the active's: half the LOCAL_PREF to internal peers, three more copies of
      // the local AS to external ones. Taking the active role re-advertises with the normal
      // values (a changed policy re-sends every route, RFC 4271 §3.1).
      policy.localPreference = bgp_->localPreference / 2;
      policy.asPathPrepend = static_cast<uint8_t>(bgp_->asPathPrepend + 3);
    }
    // Next hop: the SE's own address on the peer's subnet (and the interface's address of the
    // other family for routes of that family).
    policy.nextHopV4 = peer.nextHopV4;
    policy.nextHopV6 = peer.nextHopV6;
    for (auto it = routes.begin(); it != routes.end();) {
      const bool v4 = it->address().isV4();
      if ((v4 && !policy.nextHopV4) || (!v4 && !policy.nextHopV6)) {
        it = routes.erase(it);  // no next hop of that family toward this peer
      } else {
        ++it;
      }
    }
    speaker_->setRoutes(peer.session.peer, std::move(routes), policy);
  }
}

nlohmann::json Runtime::bgpStatus() {
  nlohmann::json peers = nlohmann::json::array();
  if (!speaker_) return peers;
  peers = speaker_->status();
  const auto sessions = bfd_->status();
  for (auto& p : peers) {
    p["bfd"] = nullptr;
    for (const auto& s : sessions) {
      if (s["peer_ip"] == p["peer_ip"]) p["bfd"] = s;
    }
  }
  return peers;
}

nlohmann::json Runtime::handleCommand(const std::string& command) {
  if (command == "status") {
    // What the kernel holds now, not what the last pass saw.
    runPass();
    auto j = agent_->status();
    j["config"] = {{"file", options_.configPath.string()},
                   {"generation", generation_},
                   {"loaded_at", loadedAt_},
                   {"last_reload", lastReload_},
                   {"reload_in_progress", loader_.busy()}};
    j["notices"] = notices_;
    j["pid"] = ::getpid();
    const auto r = refresher_->stats();
    j["address_refresh"] = {
        {"lifetime_s", options_.agent.addressLifetime.count()},
        {"passes", r.passes},
        {"refreshed", r.refreshed},
        {"not_held", r.notHeld},
        {"errors", r.errors},
        {"last_pass", r.lastPassUnixMs == 0
                          ? std::string()
                          : formatUtc(WallTime(std::chrono::milliseconds(r.lastPassUnixMs)))}};
    j["agent"] = {{"passes", passes_}};
    j["forwarding"] = {{"enable_routing", !forwardingDevices_.empty()},
                       {"enabled_by_floe", forwarding_->owned()}};
    j["preserve_client_ip"] = {{"wanted", transparentWanted_},
                               {"return_path_installed", transparentInstalled_}};
    j["bgp_peers"] = bgpStatus();
    if (ha_) {
      auto ha = ha_->status();
      if (ha.contains("ha_state")) j["ha_state"] = ha["ha_state"];
      if (ha.contains("transitions")) j["ha_transitions"] = ha["transitions"];
      j["ha"] = std::move(ha);
    }
    return j;
  }
  if (command == "switchover") {
    if (!ha_) {
      return controlFailure("switchover: serviceengine " + options_.name +
                            " is the only SE of its group; there is no peer to hand over to");
    }
    if (auto refused = ha_->switchover(); !refused.empty()) {
      return controlFailure("switchover: " + refused);
    }
    return {{"switchover", "started: the peer takes the active role; this SE becomes standby"}};
  }
  return controlFailure("unknown command '" + command + "'; known: status, switchover");
}

}  // namespace floe::se
