#include "se/control_server.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "common/log.h"

namespace floe::se {

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

// A client that connects and says nothing is dropped after this long.
constexpr auto kSessionTimeout = std::chrono::seconds(5);
constexpr size_t kMaxCommandBytes = 1024;
// Accept failures are logged at most once per this interval, with the count in between.
constexpr auto kAcceptLogInterval = std::chrono::seconds(10);

std::string errnoText(int e) { return std::strerror(e); }

// Every user string in a reply (a config path, an object name) may be invalid UTF-8: replace
// such bytes with U+FFFD instead of throwing (nlohmann's default). Never throws.
std::string encodeReply(json reply) {
  try {
    if (!reply.is_object()) reply = controlFailure("internal error: the reply is not an object");
    if (!reply.contains("ok")) reply["ok"] = !reply.contains("error");
    return reply.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  } catch (...) {  // bad_alloc: still answer
    return "{\"ok\": false, \"error\": \"internal error: the reply could not be encoded\"}\n";
  }
}

// One connection: check the peer, read a line, answer, close. Bounded in size and time.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::local::stream_protocol::socket socket, const ControlServer::Handler& handler)
      : socket_(std::move(socket)),
        handler_(handler),
        buffer_(kMaxCommandBytes),
        timer_(socket_.get_executor()) {}

  // The command is read and discarded before the refusal, so that closing never finds unread
  // data (which makes the kernel report ECONNRESET to the client instead of the reply).
  void refuse(std::string why) {
    refusal_ = std::move(why);
    run();
  }

  void run() {
    auto self = shared_from_this();
    timer_.expires_after(kSessionTimeout);
    timer_.async_wait([self](std::error_code ec) {
      if (!ec) self->close();
    });
    asio::async_read_until(socket_, buffer_, '\n', [self](std::error_code ec, size_t n) {
      if (ec) {
        self->close();
        return;
      }
      std::string line(asio::buffers_begin(self->buffer_.data()),
                       asio::buffers_begin(self->buffer_.data()) + static_cast<long>(n) - 1);
      json reply;
      try {
        reply = self->refusal_ ? controlFailure(*self->refusal_) : self->handler_(line);
      } catch (const std::exception& e) {
        reply = controlFailure(std::string("internal error: ") + e.what());
      } catch (...) {
        reply = controlFailure("internal error: unknown exception");
      }
      self->reply_ = encodeReply(std::move(reply));
      self->write();
    });
  }

 private:
  void write() {
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(reply_),
                      [self](std::error_code, size_t) { self->close(); });
  }

  void close() {
    std::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
  }

  asio::local::stream_protocol::socket socket_;
  ControlServer::Handler handler_;
  asio::streambuf buffer_;
  asio::steady_timer timer_;
  std::string reply_;
  std::optional<std::string> refusal_;
};

bool userInGroup(uid_t uid, gid_t group) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) return false;
  if (pw.pw_gid == group) return true;
  int count = 64;
  std::vector<gid_t> groups(static_cast<size_t>(count));
  if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<size_t>(count));
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &count) < 0) return false;
  }
  for (int i = 0; i < count; ++i) {
    if (groups[static_cast<size_t>(i)] == group) return true;
  }
  return false;
}

}  // namespace

json controlFailure(std::string message) { return {{"ok", false}, {"error", std::move(message)}}; }

bool ControlAccess::allows(uid_t uid, gid_t gid) const {
  if (uid == 0 || uid == ownUid) return true;
  if (!groupGid) return false;
  return gid == *groupGid || userInGroup(uid, *groupGid);
}

ControlAccess ControlAccess::forThisProcess() {
  ControlAccess a;
  a.ownUid = geteuid();
  std::vector<char> buf(16384);
  group gr{};
  group* found = nullptr;
  if (getgrnam_r("floe", &gr, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    a.groupGid = gr.gr_gid;
  }
  return a;
}

ControlServer::ControlServer(asio::io_context& io, std::filesystem::path socketPath,
                             Handler handler, ControlAccess access)
    : io_(io),
      path_(std::move(socketPath)),
      handler_(std::move(handler)),
      access_(access),
      acceptor_(io),
      backoff_(io) {}

ControlServer::~ControlServer() { stop(); }

Status ControlServer::start() {
  std::error_code ec;
  const auto dir = path_.parent_path();
  std::filesystem::create_directories(dir, ec);
  if (ec) return makeError("run dir " + dir.string() + ": cannot create it: " + ec.message());
  std::filesystem::remove(path_, ec);  // stale: the caller holds the instance lock
  asio::local::stream_protocol::endpoint ep(path_.string());
  acceptor_.open(ep.protocol(), ec);
  if (ec) return makeError("control socket " + path_.string() + ": " + ec.message());
  // The socket file takes its mode from the socket's inode masked by the umask: set it before
  // bind so that the file is never more open than 0600, then make it exactly that.
  if (fchmod(acceptor_.native_handle(), 0600) != 0) {
    return makeError("control socket " + path_.string() + ": fchmod: " + errnoText(errno));
  }
  acceptor_.bind(ep, ec);
  if (ec) {
    acceptor_.close();
    return makeError("control socket " + path_.string() + ": " + ec.message());
  }
  mode_t mode = 0600;
  if (access_.groupGid) {
    if (chown(path_.c_str(), static_cast<uid_t>(-1), *access_.groupGid) == 0) {
      mode = 0660;
    } else {
      spdlog::warn("control socket {}: cannot give it to group floe ({}); mode 0600",
                   path_.string(), errnoText(errno));
    }
  }
  if (chmod(path_.c_str(), mode) != 0) {
    const int e = errno;
    stop();
    return makeError("control socket " + path_.string() + ": chmod: " + errnoText(e));
  }
  acceptor_.listen(16, ec);
  if (ec) {
    stop();
    return makeError("control socket " + path_.string() + ": " + ec.message());
  }
  acceptNext();
  return {};
}

void ControlServer::stop() {
  backoff_.cancel();
  if (!acceptor_.is_open()) return;
  std::error_code ec;
  acceptor_.close(ec);
  std::filesystem::remove(path_, ec);
}

void ControlServer::acceptNext() {
  acceptor_.async_accept([this](std::error_code ec, asio::local::stream_protocol::socket s) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      onAcceptError(ec);
      return;
    }
    ucred cred{};
    socklen_t length = sizeof cred;
    const bool known = getsockopt(s.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &length) == 0;
    auto session = std::make_shared<Session>(std::move(s), handler_);
    if (!known || !access_.allows(cred.uid, cred.gid)) {
      ++refusedPeers_;
      spdlog::warn("control socket {}: refused a client with uid {}", path_.string(),
                   known ? std::to_string(cred.uid) : std::string("unknown"));
      session->refuse("permission denied: uid " +
                      (known ? std::to_string(cred.uid) : std::string("unknown")) +
                      " may not use this control socket; run as root, as the service "
                      "engine's user (uid " +
                      std::to_string(access_.ownUid) + ")" +
                      (access_.groupGid ? " or as a member of group floe" : ""));
    } else {
      session->run();
    }
    acceptNext();
  });
}

// EMFILE and ENFILE leave the connection in the backlog, so accepting again at once fails
// again at once: wait kAcceptBackoff first, and log at most once per kAcceptLogInterval.
void ControlServer::onAcceptError(const std::error_code& ec) {
  ++acceptFailures_;
  ++unloggedAcceptFailures_;
  const auto now = Clock::now();
  if (now - lastAcceptLog_ >= kAcceptLogInterval) {
    spdlog::warn(
        "control socket {}: accept failed: {} ({} time(s) since the last message); "
        "retrying every {} ms",
        path_.string(), ec.message(), unloggedAcceptFailures_, kAcceptBackoff.count());
    lastAcceptLog_ = now;
    unloggedAcceptFailures_ = 0;
  }
  backoff_.expires_after(kAcceptBackoff);
  backoff_.async_wait([this](std::error_code timerEc) {
    if (timerEc || !acceptor_.is_open()) return;
    acceptNext();
  });
}

// ---- client ----------------------------------------------------------------------------------

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits for `events` until the deadline: true when ready, false on timeout (errno set on error).
bool waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

Result<std::string> controlRequest(const std::filesystem::path& socketPath,
                                   const std::string& command, std::chrono::milliseconds timeout) {
  const std::string where = socketPath.string();
  const auto deadline = Clock::now() + timeout;
  const auto noReply = [&] {
    const auto ms = timeout.count();
    const std::string span =
        ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
    return makeError("no reply within " + span + " on " + where, ETIMEDOUT);
  };
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (where.size() >= sizeof addr.sun_path) {
    return makeError(where + ": path too long for a Unix socket", ENAMETOOLONG);
  }
  std::memcpy(addr.sun_path, where.c_str(), where.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return makeError("socket: " + errnoText(errno), errno);

  // A Unix socket whose backlog is full answers a non-blocking connect with EAGAIN: retry
  // until the deadline rather than block.
  for (;;) {
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) break;
    const int e = errno;
    if (e == EINPROGRESS) {
      if (!waitFor(fd.get(), POLLOUT, deadline)) return noReply();
      int soError = 0;
      socklen_t length = sizeof soError;
      getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &soError, &length);
      if (soError != 0) return makeError(where + ": " + errnoText(soError), soError);
      break;
    }
    if (e == EAGAIN || e == EINTR) {
      if (Clock::now() + std::chrono::milliseconds(20) >= deadline) return noReply();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    return makeError(where + ": " + errnoText(e), e);
  }

  const std::string line = command + "\n";
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!waitFor(fd.get(), POLLOUT, deadline)) return noReply();
    } else if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      break;  // the server answered without reading (a refused peer): read that answer
    } else {
      return makeError("send to " + where + ": " + errnoText(errno), errno);
    }
  }

  std::string reply;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n > 0) {
      reply.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || (errno == ECONNRESET && !reply.empty())) {
      return reply;  // a reset after the reply: the server closed before reading everything
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!waitFor(fd.get(), POLLIN, deadline)) return noReply();
    } else {
      return makeError("read from " + where + ": " + errnoText(errno), errno);
    }
  }
}

std::optional<bool> controlReplyOk(const std::string& replyText) {
  const auto parsed = json::parse(replyText, nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  const auto ok = parsed.find("ok");
  if (ok == parsed.end() || !ok->is_boolean()) return std::nullopt;
  return ok->get<bool>();
}

// ---- instance lock ---------------------------------------------------------------------------

Result<int> acquireInstanceLock(const std::filesystem::path& runDir, const std::string& name) {
  std::error_code ec;
  std::filesystem::create_directories(runDir, ec);
  if (ec) {
    return makeError("run dir " + runDir.string() + ": cannot create it: " + ec.message(),
                     ec.value());
  }
  // Root passes permission checks, not a read-only file system: access() says both.
  if (access(runDir.c_str(), W_OK | X_OK) != 0) {
    const int e = errno;
    return makeError("run dir " + runDir.string() + " is not writable: " + errnoText(e) +
                         "; give a writable directory with --run-dir or FLOE_RUN_DIR",
                     e);
  }
  const auto lockPath = runDir / (name + ".lock");
  const int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int e = errno;
    return makeError("run dir " + runDir.string() + " is not usable: cannot open " +
                         lockPath.string() + ": " + errnoText(e) +
                         "; give a writable directory with --run-dir or FLOE_RUN_DIR",
                     e);
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    ::close(fd);
    if (e == EWOULDBLOCK) {
      return makeError("another floe-se --name " + name + " is running (lock " + lockPath.string() +
                           " held); not starting",
                       e);
    }
    return makeError("lock " + lockPath.string() + ": " + errnoText(e), e);
  }
  return fd;
}

}  // namespace floe::se
