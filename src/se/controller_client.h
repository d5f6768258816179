// Managed mode of floe-se (`--controller URL`): the SE's side of floe-controller.
//
// The client keeps the SE's desired configuration in a file (the controller's whole config
// document, as `GET /api/configuration/export` returns it) and tells the runtime to re-read it
// exactly as SIGHUP does in standalone mode, so managed and standalone SEs apply a document by
// the same path. It
//   - registers: finds its serviceengine object by name (its uuid is where it reports); when
//     the object's data_vnics are empty, fills them with the host's interfaces (hostVnics());
//   - watches: long-polls `GET /api/configuration/watch?since=VERSION` (docs/rest-api.md), so a
//     save reaches the SE as soon as the controller has committed it;
//   - runs the commands the controller relays with the watch (`switchover`) on the control
//     socket, as `floe-se switchover` does, and posts the reply back;
//   - reports runtime: every second the SE's `status` JSON (control socket) is PUT to
//     `/api/serviceengine/UUID/runtime`.
// An SE that loses the controller keeps running its last document (the file stays) and
// catches up when the controller answers again. Requests carry HTTP basic credentials.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace floe::se {

struct ControllerClientOptions {
  std::string url;       // "http://HOST:PORT" or "https://HOST:PORT"
  std::string user;      // FLOE_USER (default admin)
  std::string password;  // FLOE_PASSWORD
  std::string caCert;    // PEM to verify an https controller with ("" = system store)
  std::string name;      // the serviceengine object's name
  std::filesystem::path documentPath;  // where the desired document is kept
  std::filesystem::path controlSocket; // the runtime's control socket (status reports)
};

// The host's data interfaces as data_vnics JSON ([{"if_name", "ip": "a/len"}]): every interface
// that is up, except loopback and floe's own floe0, once, with one address (labelled secondary
// and IPv6 link-local addresses never count): its first IPv4 address, else its first IPv6 one.
nlohmann::json hostVnics();

class ControllerClient {
 public:
  explicit ControllerClient(ControllerClientOptions options);
  ~ControllerClient();
  ControllerClient(const ControllerClient&) = delete;
  ControllerClient& operator=(const ControllerClient&) = delete;

  // Fetches the current document and writes it to documentPath (atomically: a reader never
  // sees half a file). Retries until `timeout`; when the controller cannot be reached but a
  // document from an earlier run exists, returns success and keeps it. Errors: unreachable
  // with no earlier document, 401, or a malformed URL.
  Status fetchFirst(std::chrono::seconds timeout);

  // Starts the watch and report threads; `onChange` runs (on the watch thread) after each new
  // document was written.
  void start(std::function<void()> onChange);
  void stop();

 private:
  struct Http;
  void watchLoop();
  void reportLoop();
  bool writeDocument(const std::string& text);
  // Fills the serviceengine object's empty data_vnics from the host (logged, never fatal).
  void fillVnics(const nlohmann::json& engine);
  // Runs the commands the controller relays (switchover) on the control socket and posts
  // each reply back.
  void runCommands(const nlohmann::json& commands);

  ControllerClientOptions options_;
  std::unique_ptr<Http> http_;
  std::function<void()> onChange_;
  std::string version_;  // of the document last written (watch thread only, after start)
  std::atomic<bool> stopping_{false};
  std::atomic<bool> watchDone_{false};  // the watch thread has left its loop
  std::thread watcher_;
  std::thread reporter_;
};

}  // namespace floe::se
