// The CLI's side of the REST API (docs/rest-api.md): one request, one reply.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/result.h"

namespace floe::cli {

struct Reply {
  int status = 0;        // HTTP status; 0 when the controller could not be reached
  nlohmann::json body;   // parsed JSON (null when empty or not JSON)
  std::string transport; // why there was no reply (status 0)
};

class Client {
 public:
  virtual ~Client() = default;
  // `path` with its query, e.g. "/api/pool?name=web"; `body` is sent as JSON when given.
  virtual Reply request(const std::string& method, const std::string& path,
                        const std::optional<nlohmann::json>& body = std::nullopt) = 0;
};

struct ClientOptions {
  std::string url;  // "http://127.0.0.1:8443" or "https://…"
  std::string user;
  std::string password;
  std::string ca_cert;   // PEM file to verify an https controller with ("" = system store)
  bool insecure = false; // https without certificate verification
};

// cpp-httplib client with HTTP basic authentication. Errors: a malformed URL.
Result<std::unique_ptr<Client>> makeHttpClient(const ClientOptions& options);

// The errors of a refused request, one "path: reason" per line, or the transport problem.
std::string describeFailure(const Reply& reply);

// Percent-encodes a query value (spaces in names: "SE group 1").
std::string urlEncode(const std::string& text);

}  // namespace floe::cli
