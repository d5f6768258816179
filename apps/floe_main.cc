// floe: the command-line client of floe-controller.
//
//   floe [--controller URL] shell              interactive shell (script mode without a tty)
//   floe [--controller URL] show TYPE [NAME]   objects as JSON
//   floe [--controller URL] export             the whole configuration document
//   floe [--controller URL] import FILE        replace the configuration by FILE's
//
// Credentials from FLOE_USER (default admin) and FLOE_PASSWORD; the URL from --controller or
// FLOE_CONTROLLER (default http://127.0.0.1:8443).

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/client.h"
#include "cli/repl.h"
#include "cli/shell.h"

namespace {

std::string env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"floe: configure floe through floe-controller"};
  floe::cli::ClientOptions options;
  options.url = env("FLOE_CONTROLLER", "http://127.0.0.1:8443");
  options.user = env("FLOE_USER", "admin");
  options.password = env("FLOE_PASSWORD", "");
  app.add_option("--controller", options.url, "controller URL (env FLOE_CONTROLLER)");
  app.add_option("--ca-cert", options.ca_cert, "PEM CA certificate to verify an https controller");
  app.add_flag("--insecure", options.insecure, "https without certificate verification");
  app.require_subcommand(1);

  auto* shellCmd = app.add_subcommand("shell", "interactive shell; script mode when stdin is not a terminal");
  auto* showCmd = app.add_subcommand("show", "print objects of a type (or one by name) as JSON");
  std::vector<std::string> showArgs;
  showCmd->add_option("type_and_name", showArgs, "TYPE [NAME]")->required()->expected(1, -1);
  auto* exportCmd = app.add_subcommand("export", "print the whole configuration document");
  auto* importCmd = app.add_subcommand("import", "replace the configuration by a document");
  std::string importFile;
  importCmd->add_option("file", importFile, "config document (JSON)")->required();
  CLI11_PARSE(app, argc, argv);

  auto client = floe::cli::makeHttpClient(options);
  if (!client) {
    std::cerr << "floe: " << client.error().message << "\n";
    return 2;
  }
  floe::cli::Shell shell(**client, std::cout);
  if (shellCmd->parsed()) {
    if (isatty(STDIN_FILENO)) return floe::cli::runInteractive(shell);
    return floe::cli::runScript(shell, std::cin, std::cerr);
  }
  if (showCmd->parsed()) {
    std::string line = "show";
    for (const auto& a : showArgs) line += " \"" + a + "\"";
    return shell.execute(line) ? 0 : 1;
  }
  if (exportCmd->parsed()) {
    const auto reply = (*client)->request("GET", "/api/configuration/export");
    if (reply.status != 200) {
      std::cerr << floe::cli::describeFailure(reply) << "\n";
      return 1;
    }
    std::cout << reply.body.dump(2) << "\n";
    return 0;
  }
  if (importCmd->parsed()) {
    std::ifstream in(importFile);
    if (!in) {
      std::cerr << "floe: " << importFile << ": cannot read\n";
      return 1;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      std::cerr << "floe: " << importFile << ": not JSON\n";
      return 1;
    }
    const auto reply = (*client)->request("POST", "/api/configuration/import", doc);
    if (reply.status != 200) {
      std::cerr << floe::cli::describeFailure(reply) << "\n";
      return 1;
    }
    std::cout << "imported " << reply.body.value("count", 0) << " objects from " << importFile
              << "\n";
    return 0;
  }
  return 2;
}
