// floe-se: the service engine. Composition root: parses the command line, builds the kernel
// seam, the runtime (agent, data plane, control socket) and runs the control event loop.
//
//   floe-se --name SE --config FILE [--workers N] [--run-dir DIR] [--verbose]
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

#include "common/log.h"
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"floe service engine"};
  app.require_subcommand(0, 1);
  std::string name;
  std::string configPath;
  std::string runDir = "/run/floe";
  int workers = 0;
  bool verbose = false;

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
  app.add_option("--workers", workers, "data-plane worker threads (0: one per core)")
      ->check(CLI::Range(0, 256));
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

  if (name.empty() || (configPath.empty() && controllerUrl.empty())) {
    std::fprintf(stderr,
                 "floe-se: --name and --config (or --controller) are required to run (see --help)\n");
    return floe::se::kExitFailure;
  }

  floe::initLogging("floe-se", name, verbose);
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
  asio::io_context io;
  auto netlink = floe::net::makeKernelNetlink();
  floe::se::RuntimeOptions options;
  options.name = name;
  options.configPath = configPath;
  options.runDir = runDir;
  options.tuning.workers = workers;
  // The time-critical loop's netlink socket: its requests time out far below the 6 s address
  // lifetime, so one lost answer never costs an address.
  auto criticalNetlink = [] { return floe::net::makeKernelNetlink(std::chrono::milliseconds(500)); };
  floe::se::Runtime runtime(io, options, *netlink, criticalNetlink,
                            std::make_unique<floe::se::KernelProber>(io));
  if (const int rc = runtime.start(); rc != floe::se::kExitOk) return rc;
  if (controller) controller->start([] { ::kill(::getpid(), SIGHUP); });  // as SIGHUP does
  io.run();
  if (controller) controller->stop();
  spdlog::info("stopped");
  return floe::se::kExitOk;
}
