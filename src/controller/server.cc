#include "controller/server.h"

#include <httplib.h>

#include <charconv>

namespace floe::controller {
namespace {
constexpr size_t kServerThreads = 64;
}  // namespace

Result<ListenAddress> parseListen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return makeError("--listen: \"" + text + "\" is not ADDR:PORT (e.g. 127.0.0.1:8443)");
  }
  ListenAddress out;
  out.host = text.substr(0, colon);
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  const std::string port = text.substr(colon + 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (ec != std::errc() || end != port.data() + port.size() || out.port < 0 || out.port > 65535) {
    return makeError("--listen: port \"" + port + "\" is not 0-65535");
  }
  return out;
}

Result<std::unique_ptr<Server>> Server::bind(Api& api, const ListenAddress& at,
                                             const std::string& tlsCert,
                                             const std::string& tlsKey) {
  std::unique_ptr<httplib::Server> http;
  if (!tlsCert.empty() || !tlsKey.empty()) {
    if (tlsCert.empty() || tlsKey.empty()) {
      return makeError("--tls-cert and --tls-key: give both, or neither for plain HTTP");
    }
    auto tls = std::make_unique<httplib::SSLServer>(tlsCert.c_str(), tlsKey.c_str());
    if (!tls->is_valid()) {
      return makeError("--tls-cert/--tls-key: cannot load " + tlsCert + " and " + tlsKey +
                       " (PEM certificate and matching private key expected)");
    }
    http = std::move(tls);
  } else {
    http = std::make_unique<httplib::Server>();
  }
  std::unique_ptr<Server> server(new Server(std::move(http)));
  auto handler = [&api](const httplib::Request& req, httplib::Response& res) {
    HttpRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.query.emplace(k, v);
    r.body = req.body;
    r.authorization = req.get_header_value("Authorization");
    r.cookie = req.get_header_value("Cookie");
    HttpResponse out = api.handle(r);
    res.status = out.status;
    for (const auto& [k, v] : out.headers) res.set_header(k.c_str(), v);
    if (!out.body.empty()) res.set_content(out.body, "application/json");
  };
  const char* kAll = R"(/.*)";
  server->http_->Get(kAll, handler);
  server->http_->Post(kAll, handler);
  server->http_->Put(kAll, handler);
  server->http_->Patch(kAll, handler);
  server->http_->Delete(kAll, handler);
  server->http_->set_payload_max_length(16 * 1024 * 1024);
  // Each managed SE holds one thread in its long poll (watch): room for many beside the API.
  server->http_->new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  if (at.port == 0) {
    server->port_ = server->http_->bind_to_any_port(at.host);
  } else {
    server->port_ = server->http_->bind_to_port(at.host, at.port) ? at.port : -1;
  }
  if (server->port_ < 0) {
    return makeError("--listen: cannot listen on " + at.host + ":" + std::to_string(at.port) +
                     " (address in use, or not an address of this host?)");
  }
  return server;
}

Server::Server(std::unique_ptr<httplib::Server> http) : http_(std::move(http)) {}

Server::~Server() = default;

bool Server::run() { return http_->listen_after_bind(); }

void Server::stop() { http_->stop(); }

}  // namespace floe::controller
