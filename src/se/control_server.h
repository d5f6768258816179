// The SE's local control socket: a Unix stream socket at RUN_DIR/NAME.sock. A client writes
// one command line ("status", "switchover") and reads one JSON document back.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <nlohmann/json.hpp>

#include "common/result.h"

namespace floe::se {

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const std::string& command)>;

  ControlServer(asio::io_context& io, std::filesystem::path socketPath, Handler handler);
  ~ControlServer();

  Status start();
  void stop();

 private:
  void acceptNext();

  asio::io_context& io_;
  std::filesystem::path path_;
  Handler handler_;
  asio::local::stream_protocol::acceptor acceptor_;
};

// Client side, used by `floe-se status`: sends `command`, returns the reply text.
Result<std::string> controlRequest(const std::filesystem::path& socketPath,
                                   const std::string& command);

}  // namespace floe::se
