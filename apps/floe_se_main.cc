// floe-se: the service engine. Composition root: parses the command line, builds the kernel
// seam, the runtime (agent, data plane, control socket) and runs the control event loop.
//
//   floe-se --name SE --config FILE [--workers N] [--run-dir DIR] [--metrics ADDR:PORT]
//           [--log-format text|logfmt|json] [--verbose] [--bgp-standby-advertise]
//   floe-se --name SE --controller URL [--ca-cert PEM] [...]   (managed; FLOE_USER/FLOE_PASSWORD)
//   floe-se status --name SE [--run-dir DIR]
//   floe-se switchover --name SE [--run-dir DIR]
//   floe-se check --config FILE [--name SE]

#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>
#include <cerrno>
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "common/log.h"
#include "daemon/notify.h"
#include "metrics/http_server.h"
#include "metrics/process.h"
#include "metrics/se_metrics.h"
#include "net/netlink.h"
#include "se/kernel_prober.h"
#include "se/controller_client.h"
#include "se/runtime.h"

namespace {

// One control request; the exit code comes from the reply's "ok", never from its text.
int runCommand(const std::string& runDir, const std::string& name, const std::string& command) {
  const auto path = floe::se::socketPath(runDir, name);
  auto reply = floe::se::controlRequest(path, command);
  if (!reply) {
    const bool hung = reply.error().code == ETIMEDOUT;
    std::fprintf(stderr, "floe-se %s: serviceengine %s is %s (%s)\n", command.c_str(), name.c_str(),
                 hung ? "not answering" : "not running here", reply.error().message.c_str());
    return floe::se::kExitFailure;
  }
  const auto ok = floe::se::controlReplyOk(*reply);
  if (!ok) {
    std::fprintf(stderr,
                 "floe-se %s: serviceengine %s closed the connection without a valid reply "
                 "(%zu bytes)\n",
                 command.c_str(), name.c_str(), reply->size());
    return floe::se::kExitFailure;
  }
  std::fputs(reply->c_str(), stdout);
  if (*ok) return floe::se::kExitOk;
  const auto parsed = nlohmann::json::parse(*reply, nullptr, false);
  const auto error = parsed.find("error");
  std::fprintf(stderr, "floe-se %s: %s\n", command.c_str(),
               error != parsed.end() && error->is_string()
                   ? error->get_ref<const std::string&>().c_str()
                   : "refused");
  return floe::se::kExitFailure;
}

int check(const std::string& configPath, const std::string& name) {
  auto loaded = floe::se::loadDocument(configPath, name);
  for (const auto& n : loaded.report.notices) std::printf("notice: %s\n", n.toString().c_str());
  if (loaded.desired) {
    for (const auto& n : loaded.desired->notices) std::printf("notice: %s\n", n.c_str());
  }
  // Without --name only the document itself is checked.
  std::vector<std::string> errors = loaded.errors;
  if (name.empty() && loaded.report.ok()) errors.clear();
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
  if (!errors.empty()) return floe::se::kExitInvalidDocument;
  std::printf("%s: valid\n", configPath.c_str());
  return floe::se::kExitOk;
}

// The /metrics text; runs on the control loop (MetricsServer posts it there).
std::string collectMetrics(floe::se::Runtime& runtime) {
  auto families = floe::metrics::seFamilies(runtime.status(), runtime.proxyStatus());
  if (auto process = floe::metrics::readProcessStats()) {
    for (auto& f : floe::metrics::processFamilies(*process)) families.push_back(std::move(f));
  } else {
    spdlog::debug("metrics: {}", process.error().message);
  }
  return floe::metrics::render(families);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"floe service engine"};
  app.require_subcommand(0, 1);
  std::string name;
  std::string configPath;
  std::string runDir = "/run/floe";
  std::string metricsAt;
  std::string logFormat = "text";
  int workers = 0;
  floe::se::AnnounceOptions announce;
  int announceIntervalMs = static_cast<int>(announce.interval.count());
  int announceRefreshMs = static_cast<int>(announce.refresh.count());
  bool verbose = false;
  bool bgpStandbyAdvertise = false;

  app.add_option("--name", name, "serviceengine name in the config document");
  app.add_option("--config", configPath, "config document (JSON); SIGHUP re-reads it")
      ->check(CLI::ExistingFile);
  std::string controllerUrl;
  std::string caCert;
  app.add_option("--controller", controllerUrl,
                 "run managed by floe-controller at URL (instead of --config)")
      ->excludes("--config");
  app.add_option("--ca-cert", caCert, "PEM CA certificate of an https controller");
  app.add_option("--run-dir", runDir, "directory of the control socket and lock")
      ->envname("FLOE_RUN_DIR");
  app.add_option("--announce-count", announce.count,
                 "gratuitous ARP / unsolicited NA per claimed address, in a burst")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  app.add_option("--announce-interval-ms", announceIntervalMs, "ms between them")
      ->check(CLI::Range(10, 10000))
      ->capture_default_str();
  app.add_option("--announce-refresh-ms", announceRefreshMs,
                 "a second burst this many ms after the first (0: none)")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_option("--workers", workers, "data-plane worker threads (0: one per core)")
      ->check(CLI::Range(0, 256));
  app.add_option("--metrics", metricsAt,
                 "serve Prometheus metrics on http://ADDR:PORT/metrics ([ADDR]:PORT for IPv6)");
  app.add_option("--log-format", logFormat, "log lines as text (default), logfmt or json")
      ->check(CLI::IsMember({"text", "logfmt", "json"}));
  app.add_flag("-v,--verbose", verbose, "debug logging");
  app.add_flag("--bgp-standby-advertise", bgpStandbyAdvertise,
               "a standby SE advertises the active's routes too, with a worse preference "
               "(LOCAL_PREF halved; 3 more AS_PATH prepends to eBGP peers; docs/bgp.md)");

  auto* status = app.add_subcommand("status", "print the running SE's status as JSON");
  status->add_option("--name", name)->required();
  status->add_option("--run-dir", runDir)->envname("FLOE_RUN_DIR");
  auto* switchover = app.add_subcommand("switchover", "hand the active role to the peer SE");
  switchover->add_option("--name", name)->required();
  switchover->add_option("--run-dir", runDir)->envname("FLOE_RUN_DIR");
  auto* checkCmd = app.add_subcommand("check", "validate a config document and exit");
  checkCmd->add_option("--config", configPath)->required()->check(CLI::ExistingFile);
  checkCmd->add_option("--name", name, "also check what this SE would run");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A usage error (unknown option, missing file, bad value): CLI11's message, exit 2 like
    // an invalid document (CLI11's own codes, e.g. 105, mean nothing to a user or a unit).
    app.exit(e);
    return 2;
  }

  if (*status) return runCommand(runDir, name, "status");
  if (*switchover) return runCommand(runDir, name, "switchover");
  if (*checkCmd) return check(configPath, name);

  if (name.empty() || (configPath.empty() && controllerUrl.empty())) {
    std::fprintf(stderr,
                 "floe-se: --name and --config (or --controller) are required to run (see --help)\n");
    return floe::se::kExitFailure;
  }

  floe::initLogging("floe-se", name, verbose,
                    floe::parseLogFormat(logFormat).value_or(floe::LogFormat::kText));
  // Managed mode: the controller client keeps the desired document in a file of the run dir
  // and re-reads it the way SIGHUP does (docs/floe-se.md, "Managed mode").
  std::unique_ptr<floe::se::ControllerClient> controller;
  if (!controllerUrl.empty()) {
    const char* user = std::getenv("FLOE_USER");
    const char* password = std::getenv("FLOE_PASSWORD");
    std::error_code ec;
    std::filesystem::create_directories(runDir, ec);
    configPath = (std::filesystem::path(runDir) / (name + ".controller.json")).string();
    controller = std::make_unique<floe::se::ControllerClient>(floe::se::ControllerClientOptions{
        controllerUrl, user && *user ? user : "admin", password ? password : "", caCert, name,
        configPath, floe::se::socketPath(runDir, name)});
    if (auto s = controller->fetchFirst(std::chrono::seconds(30)); !s) {
      std::fprintf(stderr, "floe-se: %s\n", s.error().message.c_str());
      return floe::se::kExitFailure;
    }
  }
  std::optional<floe::metrics::ListenAddress> metricsAddress;
  if (!metricsAt.empty()) {
    auto parsed = floe::metrics::parseListenAddress(metricsAt);
    if (!parsed) {
      std::fprintf(stderr, "floe-se: %s\n", parsed.error().message.c_str());
      return floe::se::kExitFailure;
    }
    metricsAddress = *parsed;
  }
  asio::io_context io;
  // Bound before anything is applied: a metrics address that cannot be served changes nothing.
  // Scrapes run on the control loop, so only once io.run() runs, after `running` is set.
  floe::se::Runtime* running = nullptr;
  floe::metrics::MetricsServer metrics(
      io, [&running] { return running != nullptr ? collectMetrics(*running) : std::string(); });
  if (metricsAddress) {
    if (auto st = metrics.start(*metricsAddress); !st) {
      spdlog::error("{}", st.error().message);
      return floe::se::kExitFailure;
    }
    floe::logEvent(spdlog::level::info, "metrics_listening", {{"address", metricsAt}},
                   "metrics on http://" + metricsAt + "/metrics");
  }
  auto netlink = floe::net::makeKernelNetlink();
  floe::se::RuntimeOptions options;
  options.name = name;
  options.configPath = configPath;
  options.runDir = runDir;
  options.tuning.workers = workers;
  announce.interval = std::chrono::milliseconds(announceIntervalMs);
  announce.refresh = std::chrono::milliseconds(announceRefreshMs);
  options.announce = announce;
  options.bgpStandbyAdvertise = bgpStandbyAdvertise;
  // The time-critical loop's netlink socket: its requests time out far below the 6 s address
  // lifetime, so one lost answer never costs an address.
  auto criticalNetlink = [] { return floe::net::makeKernelNetlink(std::chrono::milliseconds(500)); };
  floe::se::Runtime runtime(io, options, *netlink, criticalNetlink,
                            std::make_unique<floe::se::KernelProber>(io));
  if (const int rc = runtime.start(); rc != floe::se::kExitOk) return rc;
  running = &runtime;
  if (controller) controller->start([] { ::kill(::getpid(), SIGHUP); });  // as SIGHUP does
  floe::daemon::notifyReady("serviceengine " + name + " applied " + configPath);
  io.run();
  floe::daemon::notifyStopping();
  if (controller) controller->stop();
  metrics.stop();
  spdlog::info("stopped");
  return floe::se::kExitOk;
}
