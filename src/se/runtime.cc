#include "se/runtime.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "common/log.h"
#include "se/host_check.h"

namespace floe::se {

namespace {

std::string nowUtc() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::filesystem::path socketPath(const std::filesystem::path& runDir, const std::string& name) {
  return runDir / (name + ".sock");
}

Loaded loadDocument(const std::filesystem::path& path, const std::string& engine) {
  Loaded loaded;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    loaded.errors.push_back(path.string() + ": cannot read: " + std::strerror(errno));
    return loaded;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string json = text.str();
  auto decoded = config::decodeDocument(std::string_view(json));
  loaded.report = decoded.report;
  if (!decoded.report.ok()) {
    for (const auto& e : decoded.report.errors) loaded.errors.push_back(e.toString());
    return loaded;
  }
  loaded.document = std::move(decoded.document);
  auto desired = computeDesiredState(loaded.document, engine);
  if (!desired) {
    std::istringstream lines(desired.error().message);
    for (std::string line; std::getline(lines, line);) loaded.errors.push_back(line);
    return loaded;
  }
  loaded.desired = std::move(desired).value();
  return loaded;
}

Status PacedGarpSender::announce(const std::string& device, const IpAddress& ip) {
  auto first = net::sendGratuitousArp(device, ip, 1);
  if (!first) return first;
  for (int i = 1; i <= kRepeats; ++i) {
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100 * i));
    timer->async_wait([timer, device, ip](std::error_code ec) {
      if (ec) return;
      if (auto st = net::sendGratuitousArp(device, ip, 1); !st) {
        spdlog::debug("gratuitous ARP for {} on {}: {}", ip.toString(), device, st.error().message);
      }
    });
  }
  return {};
}

Runtime::Runtime(asio::io_context& io, RuntimeOptions options, net::Netlink& netlink)
    : io_(io),
      options_(std::move(options)),
      netlink_(netlink),
      garp_(io),
      signals_(io, SIGHUP, SIGTERM, SIGINT),
      refreshTimer_(io) {}

Runtime::~Runtime() {
  if (lockFd_ >= 0) close(lockFd_);
}

std::vector<std::string> Runtime::checkHostFor(const Loaded& loaded) {
  auto links = netlink_.links();
  if (!links) return {"read interfaces: " + links.error().message};
  const auto* se = config::findEngine(loaded.document, options_.name);
  return se == nullptr ? std::vector<std::string>{} : checkHost(*se, *links);
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

  // 2. One floe-se per name: a second one would remove the first one's addresses.
  std::error_code ec;
  std::filesystem::create_directories(options_.runDir, ec);
  const auto lockPath = options_.runDir / (options_.name + ".lock");
  lockFd_ = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lockFd_ < 0 || flock(lockFd_, LOCK_EX | LOCK_NB) != 0) {
    spdlog::error("another floe-se --name {} is running (lock {} held); not starting",
                  options_.name, lockPath.string());
    return kExitFailure;
  }

  // 3. The data plane and the agent; then leftovers of an earlier run that did not exit
  //    cleanly (killed, crashed): floe's own tagged addresses and routes, nothing else.
  engine_ = std::make_unique<proxy::ProxyEngine>(io_, options_.tuning);
  dataPlane_ = std::make_unique<ProxyDataPlane>(*engine_);
  agent_ = std::make_unique<Agent>(netlink_, *dataPlane_, garp_);
  auto removed = agent_->removeLeftovers();
  if (!removed) {
    spdlog::error("removing leftovers of an earlier run: {}", removed.error().message);
    return kExitFailure;
  }
  for (const auto& r : *removed) spdlog::info("removed leftover {}", r);

  // 4. Apply.
  notices_.clear();
  for (const auto& n : loaded.report.notices) notices_.push_back(n.toString());
  for (const auto& n : loaded.desired->notices) {
    spdlog::warn("{}", n);
    notices_.push_back(n);
  }
  for (const auto& p : agent_->apply(*loaded.desired)) spdlog::warn("{}", p);
  generation_ = 1;
  loadedAt_ = nowUtc();
  lastReload_ = {{"ok", true}, {"at", loadedAt_}, {"errors", nlohmann::json::array()}};
  spdlog::info("serviceengine {} (group {}) active: {} virtual service(s), {} address(es), {} "
               "route(s)",
               options_.name, loaded.desired->group,
               loaded.desired->proxy.virtual_services.size(), loaded.desired->addresses.size(),
               loaded.desired->routes.size());

  // 5. Serve.
  control_ = std::make_unique<ControlServer>(
      io_, socketPath(options_.runDir, options_.name),
      [this](const std::string& command) { return handleCommand(command); });
  if (auto st = control_->start(); !st) {
    spdlog::error("{}", st.error().message);
    shutdown();
    return kExitFailure;
  }
  waitSignals();
  armRefresh();
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

void Runtime::armRefresh() {
  refreshTimer_.expires_after(std::chrono::seconds(1));
  refreshTimer_.async_wait([this](std::error_code ec) {
    if (ec || stopping_) return;
    agent_->refresh();
    armRefresh();
  });
}

void Runtime::reload() {
  spdlog::info("SIGHUP: re-reading {}", options_.configPath.string());
  auto loaded = loadDocument(options_.configPath, options_.name);
  std::vector<std::string> errors = loaded.errors;
  if (errors.empty()) errors = checkHostFor(loaded);
  if (!errors.empty()) {
    spdlog::error("{}: refused, {} error(s); still running generation {}",
                  options_.configPath.string(), errors.size(), generation_);
    for (const auto& e : errors) spdlog::error("  {}", e);
    lastReload_ = {{"ok", false}, {"at", nowUtc()}, {"errors", errors}};
    return;
  }
  notices_.clear();
  for (const auto& n : loaded.report.notices) {
    spdlog::warn("{}", n.toString());
    notices_.push_back(n.toString());
  }
  for (const auto& n : loaded.desired->notices) notices_.push_back(n);
  for (const auto& p : agent_->apply(*loaded.desired)) spdlog::warn("{}", p);
  ++generation_;
  loadedAt_ = nowUtc();
  lastReload_ = {{"ok", true}, {"at", loadedAt_}, {"errors", nlohmann::json::array()}};
  spdlog::info("applied generation {}", generation_);
}

void Runtime::shutdown() {
  if (stopping_) return;
  stopping_ = true;
  refreshTimer_.cancel();
  signals_.cancel();
  if (control_) control_->stop();
  if (agent_) agent_->withdrawAll();
  engine_.reset();  // closes listeners and connections, joins workers
  io_.stop();
}

nlohmann::json Runtime::handleCommand(const std::string& command) {
  if (command == "status") {
    auto j = agent_->status();
    j["config"] = {{"file", options_.configPath.string()},
                   {"generation", generation_},
                   {"loaded_at", loadedAt_},
                   {"last_reload", lastReload_}};
    j["notices"] = notices_;
    j["pid"] = ::getpid();
    return j;
  }
  if (command == "switchover") {
    return {{"error", "switchover: serviceengine " + options_.name +
                          " is the only SE of its group; there is no peer to hand over to"}};
  }
  return {{"error", "unknown command '" + command + "'; known: status, switchover"}};
}

}  // namespace floe::se
