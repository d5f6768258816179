#include "se/control_server.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <memory>

#include "common/log.h"

namespace floe::se {

namespace {

// One connection: read a line, answer, close. Bounded: a command is at most 1 KiB.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::local::stream_protocol::socket socket, const ControlServer::Handler& handler)
      : socket_(std::move(socket)), handler_(handler), buffer_(1024) {}

  void run() {
    auto self = shared_from_this();
    asio::async_read_until(socket_, buffer_, '\n', [self](std::error_code ec, size_t n) {
      if (ec) return;
      std::string line(asio::buffers_begin(self->buffer_.data()),
                       asio::buffers_begin(self->buffer_.data()) + static_cast<long>(n) - 1);
      nlohmann::json reply;
      try {
        reply = self->handler_(line);
      } catch (const std::exception& e) {
        reply = {{"error", e.what()}};
      }
      self->reply_ = reply.dump(2) + "\n";
      asio::async_write(self->socket_, asio::buffer(self->reply_),
                        [self](std::error_code, size_t) { self->socket_.close(); });
    });
  }

 private:
  asio::local::stream_protocol::socket socket_;
  ControlServer::Handler handler_;
  asio::streambuf buffer_;
  std::string reply_;
};

}  // namespace

ControlServer::ControlServer(asio::io_context& io, std::filesystem::path socketPath,
                             Handler handler)
    : io_(io), path_(std::move(socketPath)), handler_(std::move(handler)), acceptor_(io) {}

ControlServer::~ControlServer() { stop(); }

Status ControlServer::start() {
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) return makeError("create " + path_.parent_path().string() + ": " + ec.message());
  std::filesystem::remove(path_, ec);  // stale: the caller holds the instance lock
  asio::local::stream_protocol::endpoint ep(path_.string());
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(16, ec);
  if (ec) return makeError("control socket " + path_.string() + ": " + ec.message());
  acceptNext();
  return {};
}

void ControlServer::stop() {
  if (!acceptor_.is_open()) return;
  std::error_code ec;
  acceptor_.close(ec);
  std::filesystem::remove(path_, ec);
}

void ControlServer::acceptNext() {
  acceptor_.async_accept([this](std::error_code ec, asio::local::stream_protocol::socket s) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<Session>(std::move(s), handler_)->run();
    acceptNext();
  });
}

Result<std::string> controlRequest(const std::filesystem::path& socketPath,
                                   const std::string& command) {
  asio::io_context io;
  asio::local::stream_protocol::socket socket(io);
  std::error_code ec;
  socket.connect(asio::local::stream_protocol::endpoint(socketPath.string()), ec);
  if (ec) return makeError(socketPath.string() + ": " + ec.message(), ec.value());
  timeval tv{10, 0};  // a hung SE must not hang the caller
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string line = command + "\n";
  asio::write(socket, asio::buffer(line), ec);
  if (ec) return makeError("send to " + socketPath.string() + ": " + ec.message(), ec.value());
  std::string reply;
  char buf[4096];
  for (;;) {
    const size_t n = socket.read_some(asio::buffer(buf), ec);
    reply.append(buf, n);
    if (ec == asio::error::eof) break;
    if (ec) return makeError("read from " + socketPath.string() + ": " + ec.message(), ec.value());
  }
  return reply;
}

}  // namespace floe::se
