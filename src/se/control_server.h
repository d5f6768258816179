// The SE's local control socket: a Unix stream socket at RUN_DIR/NAME.sock. A client writes
// one command line ("status", "switchover") and reads one JSON document back, then the server
// closes the connection (docs/floe-se.md, "The control socket").
//
// Every reply is a JSON object with a top-level "ok": true or false; a failed one also has
// "error" (a sentence). Nothing a handler throws escapes: it becomes {"ok": false, "error":
// "internal error: ..."}. Strings that are not valid UTF-8 (a config path, say) are dumped
// with U+FFFD in place of the bad bytes.
//
// Access: the socket file is mode 0600 whatever the umask (0660 with group `floe` when that
// group exists), and each connection's SO_PEERCRED is checked: uid 0, the SE's own uid, or a
// member of group `floe`; anyone else gets {"ok": false, "error": "permission denied: ..."}.
#pragma once

#include <sys/types.h>

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/result.h"

namespace floe::se {

// A failed command's reply: {"ok": false, "error": message}.
nlohmann::json controlFailure(std::string message);

// Who may use the control socket, as the server judges a peer's SO_PEERCRED.
struct ControlAccess {
  uid_t ownUid = 0;               // the SE's effective uid
  std::optional<gid_t> groupGid;  // group `floe`, when it exists
  // uid 0, ownUid, or a user whose groups (primary or supplementary) include groupGid.
  bool allows(uid_t uid, gid_t gid) const;
  // The defaults of this process: geteuid() and getgrnam("floe").
  static ControlAccess forThisProcess();
};

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const std::string& command)>;

  // A failed accept (EMFILE, ENFILE, ENOBUFS, ...) waits this long before the next one, so
  // that a process out of descriptors does not spin re-accepting the same connection.
  static constexpr std::chrono::milliseconds kAcceptBackoff{100};

  ControlServer(asio::io_context& io, std::filesystem::path socketPath, Handler handler,
                ControlAccess access = ControlAccess::forThisProcess());
  ~ControlServer();

  // Creates the run dir if needed, removes a stale socket file (the caller holds the instance
  // lock), binds with mode 0600 (0660 group floe) and listens. Errors name the path and cause.
  Status start();
  void stop();

  // Accepts that failed (each followed by kAcceptBackoff), and connections refused by the
  // peer check, since start(): for status and tests.
  // Atomic: read from any thread while the io thread counts.
  size_t acceptFailures() const { return acceptFailures_.load(); }
  size_t refusedPeers() const { return refusedPeers_.load(); }

 private:
  void acceptNext();
  void onAcceptError(const std::error_code& ec);

  asio::io_context& io_;
  std::filesystem::path path_;
  Handler handler_;
  ControlAccess access_;
  asio::local::stream_protocol::acceptor acceptor_;
  asio::steady_timer backoff_;
  std::atomic<size_t> acceptFailures_{0};
  std::atomic<size_t> refusedPeers_{0};
  std::chrono::steady_clock::time_point lastAcceptLog_{};
  size_t unloggedAcceptFailures_ = 0;
};

// One request, for `floe-se status`: connects (non-blocking, so that a full backlog cannot
// block it), sends `command`, reads the reply until the server closes. The whole exchange is
// bounded by `timeout`. Errors, with the socket path:
//   "<path>: <strerror>" when nothing listens (ENOENT, ECONNREFUSED): the SE is not running;
//   "no reply within N s" (code ETIMEDOUT) when it accepts nothing or answers nothing.
inline constexpr std::chrono::milliseconds kControlTimeout{5000};
Result<std::string> controlRequest(const std::filesystem::path& socketPath,
                                   const std::string& command,
                                   std::chrono::milliseconds timeout = kControlTimeout);

// A reply's "ok" (true or false); nullopt when the text is not a reply object with a boolean
// "ok" (a crashed or foreign server). The client's exit code comes from this, never from
// searching the text (an object named "error" is just a name).
std::optional<bool> controlReplyOk(const std::string& replyText);

// The instance lock RUN_DIR/NAME.lock (flock, held for the process's life). Returns the lock's
// descriptor. Errors say the real cause: the run dir cannot be created or is not writable
// (with strerror), or, only when flock says EWOULDBLOCK, that another floe-se --name NAME runs.
Result<int> acquireInstanceLock(const std::filesystem::path& runDir, const std::string& name);

}  // namespace floe::se
