// floe-se: the service engine. Composition root: parses the command line, builds the kernel
// seam, the runtime (agent, data plane, control socket) and runs the control event loop.
//
//   floe-se --name SE --config FILE [--workers N] [--run-dir DIR] [--metrics ADDR:PORT]
//           [--log-format text|logfmt|json] [--verbose]
//   floe-se status --name SE [--run-dir DIR]
//   floe-se switchover --name SE [--run-dir DIR]
//   floe-se check --config FILE [--name SE]

#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>
#include <cstdio>
#include <iostream>
#include <optional>

#include "common/log.h"
#include "daemon/notify.h"
#include "metrics/http_server.h"
#include "metrics/process.h"
#include "metrics/se_metrics.h"
#include "net/netlink.h"
#include "se/runtime.h"

namespace {

int runCommand(const std::string& runDir, const std::string& name, const std::string& command) {
  const auto path = floe::se::socketPath(runDir, name);
  auto reply = floe::se::controlRequest(path, command);
  if (!reply) {
    std::fprintf(stderr, "floe-se %s: serviceengine %s is not running here (%s)\n",
                 command.c_str(), name.c_str(), reply.error().message.c_str());
    return floe::se::kExitFailure;
  }
  std::fputs(reply->c_str(), stdout);
  // A reply carrying "error" is a refused command.
  return reply->find("\"error\"") == std::string::npos ? 0 : floe::se::kExitFailure;
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
  bool verbose = false;

  app.add_option("--name", name, "serviceengine name in the config document");
  app.add_option("--config", configPath, "config document (JSON); SIGHUP re-reads it")
      ->check(CLI::ExistingFile);
  app.add_option("--run-dir", runDir, "directory of the control socket and lock")
      ->envname("FLOE_RUN_DIR");
  app.add_option("--workers", workers, "data-plane worker threads (0: one per core)")
      ->check(CLI::Range(0, 256));
  app.add_option("--metrics", metricsAt,
                 "serve Prometheus metrics on http://ADDR:PORT/metrics ([ADDR]:PORT for IPv6)");
  app.add_option("--log-format", logFormat, "log lines as text (default), logfmt or json")
      ->check(CLI::IsMember({"text", "logfmt", "json"}));
  app.add_flag("-v,--verbose", verbose, "debug logging");

  auto* status = app.add_subcommand("status", "print the running SE's status as JSON");
  status->add_option("--name", name)->required();
  status->add_option("--run-dir", runDir)->envname("FLOE_RUN_DIR");
  auto* switchover = app.add_subcommand("switchover", "hand the active role to the peer SE");
  switchover->add_option("--name", name)->required();
  switchover->add_option("--run-dir", runDir)->envname("FLOE_RUN_DIR");
  auto* checkCmd = app.add_subcommand("check", "validate a config document and exit");
  checkCmd->add_option("--config", configPath)->required()->check(CLI::ExistingFile);
  checkCmd->add_option("--name", name, "also check what this SE would run");

  CLI11_PARSE(app, argc, argv);

  if (*status) return runCommand(runDir, name, "status");
  if (*switchover) return runCommand(runDir, name, "switchover");
  if (*checkCmd) return check(configPath, name);

  if (name.empty() || configPath.empty()) {
    std::fprintf(stderr, "floe-se: --name and --config are required to run (see --help)\n");
    return floe::se::kExitFailure;
  }

  floe::initLogging("floe-se", name, verbose,
                    floe::parseLogFormat(logFormat).value_or(floe::LogFormat::kText));
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
  floe::se::Runtime runtime(io, options, *netlink);
  if (const int rc = runtime.start(); rc != floe::se::kExitOk) return rc;
  running = &runtime;
  floe::daemon::notifyReady("serviceengine " + name + " applied " + configPath);
  io.run();
  floe::daemon::notifyStopping();
  metrics.stop();
  spdlog::info("stopped");
  return floe::se::kExitOk;
}
