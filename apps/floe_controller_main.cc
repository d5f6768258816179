// floe-controller: holds the configuration (SQLite), validates every write against the whole
// configuration and serves the REST API. Composition root: store → accounts → objects → API →
// HTTP(S) server.
//
//   floe-controller --listen ADDR:PORT --db FILE [--tls-cert PEM --tls-key PEM]
//
// At the first start (no account in FILE) the admin password comes from FLOE_ADMIN_PASSWORD,
// or is generated and printed once on stdout.

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <pthread.h>
#include <thread>

#include "controller/api.h"
#include "controller/auth.h"
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "controller/object_service.h"
#include "metrics/exposition.h"
#include "metrics/http_server.h"
#include "metrics/process.h"
#include "controller/server.h"
#include "controller/store.h"

int main(int argc, char** argv) {
  CLI::App app{"floe controller: configuration store and REST API"};
  std::string listen = "127.0.0.1:8443";
  std::string dbPath;
  std::string tlsCert;
  std::string tlsKey;
  std::string metricsAt;
  app.add_option("--listen", listen, "ADDR:PORT to serve the REST API on")->capture_default_str();
  app.add_option("--db", dbPath, "SQLite database file (created at the first start)")->required();
  app.add_option("--tls-cert", tlsCert, "PEM certificate (chain) for HTTPS");
  app.add_option("--tls-key", tlsKey, "PEM private key for HTTPS");
  app.add_option("--metrics", metricsAt, "ADDR:PORT to serve Prometheus /metrics on");
  CLI11_PARSE(app, argc, argv);

  // SIGINT/SIGTERM are taken by a thread of their own (sigwait), which stops the server.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto at = floe::controller::parseListen(listen);
  if (!at) {
    std::fprintf(stderr, "floe-controller: %s\n", at.error().message.c_str());
    return 2;
  }
  // Prometheus metrics of the controller process, collected on a small event loop of their own.
  asio::io_context metricsIo;
  auto metricsWork = asio::make_work_guard(metricsIo);
  std::thread metricsLoop;
  floe::metrics::MetricsServer metrics(metricsIo, [] {
    std::vector<floe::metrics::MetricFamily> families;
    if (auto stats = floe::metrics::readProcessStats()) {
      families = floe::metrics::processFamilies(*stats);
    }
    return floe::metrics::render(families);
  });
  if (!metricsAt.empty()) {
    auto parsed = floe::metrics::parseListenAddress(metricsAt);
    if (!parsed) {
      std::fprintf(stderr, "floe-controller: %s\n", parsed.error().message.c_str());
      return 2;
    }
    metricsLoop = std::thread([&metricsIo] { metricsIo.run(); });
    if (auto st = metrics.start(*parsed); !st) {
      std::fprintf(stderr, "floe-controller: %s\n", st.error().message.c_str());
      metricsWork.reset();
      metricsIo.stop();
      metricsLoop.join();
      return 1;
    }
  }
  struct StopMetrics {  // on every return below: the server, then its loop
    floe::metrics::MetricsServer& server;
    asio::io_context& io;
    std::thread& loop;
    ~StopMetrics() {
      server.stop();
      io.stop();
      if (loop.joinable()) loop.join();
    }
  } stopMetrics{metrics, metricsIo, metricsLoop};

  auto store = floe::controller::Store::open(dbPath);
  if (!store) {
    std::fprintf(stderr, "floe-controller: %s\n", store.error().message.c_str());
    return 1;
  }
  std::optional<std::string> adminPassword;
  if (const char* p = std::getenv("FLOE_ADMIN_PASSWORD")) adminPassword = p;
  auto auth = floe::controller::Auth::open(**store, adminPassword, std::cout);
  if (!auth) {
    std::fprintf(stderr, "floe-controller: %s\n", auth.error().message.c_str());
    return 1;
  }
  auto objects = floe::controller::ObjectService::open(**store);
  if (!objects) {
    std::fprintf(stderr, "floe-controller: %s: %s\n", dbPath.c_str(),
                 objects.error().message.c_str());
    return 1;
  }
  floe::controller::Api api(**objects, **auth);
  auto server = floe::controller::Server::bind(api, *at, tlsCert, tlsKey);
  if (!server) {
    std::fprintf(stderr, "floe-controller: %s\n", server.error().message.c_str());
    return 1;
  }
  std::thread signals([&] {
    int sig = 0;
    sigwait(&stopSignals, &sig);
    api.shutdown();  // end the long polls first
    (*server)->stop();
  });
  signals.detach();
  std::fprintf(stderr, "floe-controller: serving %s://%s:%d/api (database %s)\n",
               tlsCert.empty() ? "http" : "https", at->host.c_str(), (*server)->port(),
               dbPath.c_str());
  return (*server)->run() ? 0 : 1;
}
