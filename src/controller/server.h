// cpp-httplib front of the REST API (api.h): HTTP, or HTTPS when given a certificate and key.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "controller/api.h"

namespace httplib {
class Server;
}

namespace floe::controller {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1", "0.0.0.0"
  int port = 0;
};

// "ADDR:PORT" or "[V6ADDR]:PORT" → address; errors name what is wrong.
Result<ListenAddress> parseListen(const std::string& text);

class Server {
 public:
  // Binds now (so that the caller learns of a busy port at once); TLS when both files are
  // given (PEM certificate chain and private key).
  static Result<std::unique_ptr<Server>> bind(Api& api, const ListenAddress& at,
                                              const std::string& tlsCert,
                                              const std::string& tlsKey);
  ~Server();
  int port() const { return port_; }
  // Serves until stop(); returns false when the listener failed.
  bool run();
  void stop();

 private:
  explicit Server(std::unique_ptr<httplib::Server> http);
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
};

}  // namespace floe::controller
