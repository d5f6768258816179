// The REST API of floe-controller as a pure request → response function (no sockets), so that
// unit tests and the fuzz target drive it directly; server.h puts it behind cpp-httplib.
//
//   POST   /login                        {"username","password"} → {"token"} + cookie sessionid
//   POST   /logout
//   GET    /api/TYPE[?name=N&fields=a,b&page=P&page_size=S]   {"count","results"[,"next"]}
//   POST   /api/TYPE                     create (201)
//   GET    /api/TYPE/UUID                one object
//   PUT    /api/TYPE/UUID                replace
//   PATCH  /api/TYPE/UUID                {"add"|"replace"|"delete": {fields}}
//   DELETE /api/TYPE/UUID                (204)
//   GET    /api/configuration/export     the whole config document
//   POST   /api/configuration/import     replace the whole configuration by a document
//   GET    /api/configuration/watch?since=VERSION&timeout=S[&serviceengine=UUID]
//                                         long poll: {"version", "document"} as soon as the
//                                         configuration's version differs from VERSION (at
//                                         once when it does), else after S seconds (1-60);
//                                         with serviceengine, also as soon as a command for
//                                         that SE waits ({"commands": [{"id", "command"}]})
//   POST   /api/serviceengine/UUID/commands/ID  the SE's reply to command ID
//   PUT    /api/serviceengine/UUID/runtime   a managed SE reports its status (floe-se status)
//   GET    /api/serviceengine/UUID/runtime   the last report, its age and whether it is fresh
//   GET    /api/virtualservice/UUID/runtime  the virtual service's state on each SE reporting it
//   POST   /api/serviceengine/UUID/switchover  relayed to the SE through its watch; answers
//                                         with the SE's reply (200), or 409 when the SE is
//                                         not connected, refuses, or does not answer in time
//
// Everything but /login needs authentication (401 otherwise). Errors are
// {"error": "first problem", "errors": ["path: reason", ...]} with status 400, 401, 404, 405,
// 409 or 500. See docs/rest-api.md.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "controller/auth.h"
#include "controller/object_service.h"

namespace floe::controller {

struct HttpRequest {
  std::string method;  // "GET", "POST", …
  std::string path;    // without the query string, e.g. "/api/pool"
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::string body;
  std::string authorization;  // the Authorization header, "" when absent
  std::string cookie;         // the Cookie header, "" when absent
};

struct HttpResponse {
  int status = 200;
  std::string body;  // JSON text ("" for 204)
  std::vector<std::pair<std::string, std::string>> headers;
};

class Api {
 public:
  Api(ObjectService& objects, Auth& auth);
  // Thread-safe: object requests are serialised (one write at a time, reads see whole writes).
  HttpResponse handle(const HttpRequest& request);
  // The same without authentication: the caller has authenticated the request.
  HttpResponse handleAuthenticated(const HttpRequest& request);

  // Ends every pending watch at once (before the server stops).
  void shutdown();

  static constexpr size_t kDefaultPageSize = 25;  // Avi's default
  static constexpr size_t kMaxPageSize = 1000;
  // A runtime report older than this means the SE is no longer connected.
  static constexpr std::chrono::seconds kRuntimeFresh{5};
  // How long a command waits for the SE's reply.
  static constexpr std::chrono::seconds kCommandTimeout{10};

 private:
  HttpResponse listObjects(const std::string& type, const HttpRequest& request);
  HttpResponse watch(const HttpRequest& request, std::unique_lock<std::mutex>& lock);
  HttpResponse runtime(const std::string& type, const std::string& uuid, const HttpRequest& request);
  HttpResponse relay(const std::string& uuid, const std::string& command,
                     std::unique_lock<std::mutex>& lock);
  bool connected(const std::string& uuid) const;
  // "EPOCH-GENERATION": differs after every change and after every controller restart.
  std::string version() const;

  ObjectService& objects_;
  Auth& auth_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::string epoch_;  // random, per process
  struct Report {
    nlohmann::json status;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Report> runtime_;  // serviceengine uuid → last report
  struct Command {
    std::string id;
    std::string command;
  };
  std::map<std::string, std::vector<Command>> pending_;  // serviceengine uuid → not yet fetched
  std::map<std::string, nlohmann::json> replies_;         // command id → the SE's reply
  uint64_t nextCommand_ = 1;
};

}  // namespace floe::controller
