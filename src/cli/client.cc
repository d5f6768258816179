#include "cli/client.h"

#include <httplib.h>

namespace floe::cli {
namespace {

class HttpClient : public Client {
 public:
  HttpClient(std::unique_ptr<httplib::Client> http) : http_(std::move(http)) {}

  Reply request(const std::string& method, const std::string& path,
                const std::optional<nlohmann::json>& body) override {
    httplib::Result result(nullptr, httplib::Error::Unknown);
    const std::string text = body ? body->dump() : std::string();
    const char* type = "application/json";
    if (method == "GET") {
      result = http_->Get(path);
    } else if (method == "POST") {
      result = http_->Post(path, text, type);
    } else if (method == "PUT") {
      result = http_->Put(path, text, type);
    } else if (method == "PATCH") {
      result = http_->Patch(path, text, type);
    } else if (method == "DELETE") {
      result = http_->Delete(path);
    }
    Reply reply;
    if (!result) {
      reply.transport = "cannot reach the controller: " + httplib::to_string(result.error());
      return reply;
    }
    reply.status = result->status;
    reply.body = nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
    if (reply.body.is_discarded()) reply.body = nullptr;
    return reply;
  }

 private:
  std::unique_ptr<httplib::Client> http_;
};

}  // namespace

Result<std::unique_ptr<Client>> makeHttpClient(const ClientOptions& options) {
  const std::string& url = options.url;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return makeError("--controller: \"" + url +
                     "\" is not a URL; give http://HOST:PORT or https://HOST:PORT");
  }
  auto http = std::make_unique<httplib::Client>(url);
  if (!http->is_valid()) return makeError("--controller: \"" + url + "\" is not a valid URL");
  http->set_basic_auth(options.user, options.password);
  http->set_connection_timeout(5);
  http->set_read_timeout(30);
  if (url.rfind("https://", 0) == 0) {
    if (!options.ca_cert.empty()) http->set_ca_cert_path(options.ca_cert);
    http->enable_server_certificate_verification(!options.insecure);
  }
  return std::unique_ptr<Client>(new HttpClient(std::move(http)));
}

std::string describeFailure(const Reply& reply) {
  if (reply.status == 0) return reply.transport;
  std::string out;
  if (reply.body.is_object() && reply.body.contains("errors") && reply.body["errors"].is_array()) {
    for (const auto& e : reply.body["errors"]) {
      if (!out.empty()) out += "\n";
      out += e.is_string() ? e.get<std::string>() : e.dump();
    }
  }
  if (out.empty()) out = "the controller answered " + std::to_string(reply.status);
  if (reply.status == 401) out += " (set FLOE_USER and FLOE_PASSWORD)";
  return out;
}

std::string urlEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace floe::cli
