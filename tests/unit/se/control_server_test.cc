// The control socket, server and client, over real Unix sockets in a temporary directory
// (issue 5 §8): replies carry "ok", nothing a handler throws escapes, invalid UTF-8 is
// replaced, the socket is 0600 whatever the umask and checks SO_PEERCRED, a failing accept
// backs off, and the client never hangs.
#include "se/control_server.h"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace floe::se {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

fs::path makeTempDir() {
  std::string templ = (fs::temp_directory_path() / "floe-control-XXXXXX").string();
  const char* dir = mkdtemp(templ.data());
  EXPECT_NE(dir, nullptr);
  return templ;
}

// No group floe: mode 0600 and only uid 0 or this process's uid.
ControlAccess ownerOnly() { return ControlAccess{geteuid(), std::nullopt}; }

// A server on its own io thread in a fresh temp dir.
class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = makeTempDir(); }
  void TearDown() override {
    stopServer();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void startServer(ControlServer::Handler handler, ControlAccess access = ownerOnly()) {
    server_ = std::make_unique<ControlServer>(io_, socket(), std::move(handler), access);
    ASSERT_TRUE(server_->start());
    thread_ = std::thread([this] { io_.run(); });
  }
  void stopServer() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] { server_->stop(); });
    work_.reset();
    io_.stop();
    thread_.join();
  }

  fs::path socket() const { return dir_ / "se1.sock"; }

  json request(const std::string& command) {
    auto reply = controlRequest(socket(), command, 2000ms);
    EXPECT_TRUE(reply) << (reply ? "" : reply.error().message);
    if (!reply) return json();
    return json::parse(*reply);
  }

  fs::path dir_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<ControlServer> server_;
  std::thread thread_;
};

// ---- replies ---------------------------------------------------------------------------------

TEST_F(ControlServerTest, AddsOkTrueToASuccessfulReply) {
  startServer([](const std::string& c) { return json{{"command", c}}; });
  const json reply = request("status");
  EXPECT_EQ(reply["ok"], true);
  EXPECT_EQ(reply["command"], "status");
  EXPECT_FALSE(reply.contains("error"));
}

TEST_F(ControlServerTest, AFailureCarriesOkFalseAndTheError) {
  startServer([](const std::string&) { return controlFailure("no peer to hand over to"); });
  const json reply = request("switchover");
  EXPECT_EQ(reply["ok"], false);
  EXPECT_EQ(reply["error"], "no peer to hand over to");
}

TEST_F(ControlServerTest, AnObjectNamedErrorIsNotAFailure) {
  startServer([](const std::string&) {
    return json{{"virtual_services", {{{"name", "error"}, {"error", "none"}}}}};
  });
  auto text = controlRequest(socket(), "status", 2000ms);
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("\"error\""), std::string::npos);  // the old client's test said "failed"
  EXPECT_EQ(controlReplyOk(*text), true);
}

TEST_F(ControlServerTest, AThrowingHandlerGivesAFailureReplyAndTheServerGoesOn) {
  int calls = 0;
  startServer([&](const std::string&) -> json {
    if (++calls == 1) throw std::runtime_error("boom");
    return json{{"calls", calls}};
  });
  const json first = request("status");
  EXPECT_EQ(first["ok"], false);
  EXPECT_EQ(first["error"], "internal error: boom");
  const json second = request("status");
  EXPECT_EQ(second["ok"], true);
  EXPECT_EQ(second["calls"], 2);
}

TEST_F(ControlServerTest, AHandlerThrowingANonStandardExceptionIsCaughtToo) {
  startServer([](const std::string&) -> json { throw 42; });
  EXPECT_EQ(request("status")["ok"], false);
}

// A config path that is not UTF-8 made nlohmann's dump throw and the SE crash.
TEST_F(ControlServerTest, ReplacesInvalidUtf8InsteadOfThrowing) {
  startServer([](const std::string&) { return json{{"file", "/etc/floe/\xff\xfe.json"}}; });
  const json reply = request("status");
  EXPECT_EQ(reply["ok"], true);
  EXPECT_EQ(reply["file"], "/etc/floe/\xef\xbf\xbd\xef\xbf\xbd.json");  // U+FFFD twice
}

TEST(ControlReplyOk, ReadsOkAndNothingElse) {
  EXPECT_EQ(controlReplyOk(R"({"ok": true, "name": "error"})"), true);
  EXPECT_EQ(controlReplyOk(R"({"ok": false, "error": "x"})"), false);
  EXPECT_EQ(controlReplyOk(R"({"error": "x"})"), std::nullopt);
  EXPECT_EQ(controlReplyOk(R"({"ok": "true"})"), std::nullopt);
  EXPECT_EQ(controlReplyOk(""), std::nullopt);
  EXPECT_EQ(controlReplyOk("[true]"), std::nullopt);
}

// ---- access ----------------------------------------------------------------------------------

TEST_F(ControlServerTest, SocketIsMode0600WhateverTheUmask) {
  const mode_t old = umask(0);
  startServer([](const std::string&) { return json::object(); });
  umask(old);
  struct stat st {};
  ASSERT_EQ(stat(socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(ControlServerTest, SocketIsMode0660ToTheFloeGroupWhenThereIsOne) {
  if (geteuid() != 0) GTEST_SKIP() << "chown to another group needs root";
  const gid_t group = 65534;
  startServer([](const std::string&) { return json::object(); }, ControlAccess{geteuid(), group});
  struct stat st {};
  ASSERT_EQ(stat(socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_EQ(st.st_gid, group);
}

TEST(ControlAccessTest, AllowsRootTheOwnerAndTheGroupOnly) {
  const ControlAccess owner{1000, std::nullopt};
  EXPECT_TRUE(owner.allows(0, 0));
  EXPECT_TRUE(owner.allows(1000, 1000));
  EXPECT_FALSE(owner.allows(1001, 1001));
  const ControlAccess group{1000, gid_t{4242}};
  EXPECT_TRUE(group.allows(1001, 4242));   // primary group floe
  EXPECT_FALSE(group.allows(1001, 1001));  // no such user in this system's group database
}

// Runs `body` in a child process as uid/gid 65534; returns its exit status.
int runAsNobody(const std::function<int()>& body) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0) {
      _exit(90);
    }
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

TEST_F(ControlServerTest, RefusesAPeerOfAnotherUidEvenWhenTheFileModeLetsItIn) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run a client as another uid";
  startServer([](const std::string&) { return json{{"secret", "status"}}; });
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  ASSERT_EQ(chmod(socket().c_str(), 0666), 0);  // as if the mode were wrong
  const int rc = runAsNobody([&] {
    auto reply = controlRequest(socket(), "status", 2000ms);
    if (!reply) return 1;
    const json j = json::parse(*reply, nullptr, false);
    if (j.value("ok", true) != false) return 2;
    if (j.value("error", "").find("permission denied: uid 65534") != 0) return 3;
    return j.contains("secret") ? 4 : 0;
  });
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(server_->refusedPeers(), 1u);
}

// ---- accept errors ---------------------------------------------------------------------------

// Out of descriptors, accept fails at once and the connection stays queued: the old loop
// re-accepted at once (85% CPU). Now each failure waits 100 ms.
TEST_F(ControlServerTest, BacksOffWhenAcceptRunsOutOfDescriptors) {
  startServer([](const std::string&) { return json{{"served", true}}; });
  int client = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(client, 0);
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  // The lowest free descriptor is the next accept's: a limit equal to it leaves none.
  const int probe = dup(0);
  ASSERT_GE(probe, 0);
  ::close(probe);
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(probe);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket().c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::this_thread::sleep_for(550ms);
  const size_t failures = server_->acceptFailures();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);

  EXPECT_GE(failures, 1u);
  EXPECT_LE(failures, 8u);  // about one per 100 ms; a spinning loop makes thousands
  // With descriptors back, the queued client is served.
  ASSERT_EQ(::send(client, "status\n", 7, MSG_NOSIGNAL), 7);
  timeval tv{2, 0};
  setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256] = {};
  EXPECT_GT(::recv(client, buf, sizeof buf - 1, 0), 0);
  EXPECT_NE(std::string(buf).find("\"served\": true"), std::string::npos) << buf;
  ::close(client);
}

// ---- client ----------------------------------------------------------------------------------

// A listener that never accepts: a stopped (SIGSTOP) or wedged SE.
int listenWithoutAccepting(const fs::path& path, int backlog) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(::listen(fd, backlog), 0);
  return fd;
}

TEST(ControlClient, GivesUpOnAServerThatNeverAnswers) {
  const fs::path dir = makeTempDir();
  const int listener = listenWithoutAccepting(dir / "se1.sock", 16);
  const auto start = std::chrono::steady_clock::now();
  auto reply = controlRequest(dir / "se1.sock", "status", 300ms);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ETIMEDOUT);
  EXPECT_NE(reply.error().message.find("no reply within 300 ms"), std::string::npos);
  EXPECT_LT(took, 2s);
  ::close(listener);
  fs::remove_all(dir);
}

TEST(ControlClient, GivesUpWhenTheBacklogIsFullInsteadOfBlockingInConnect) {
  const fs::path dir = makeTempDir();
  const fs::path path = dir / "se1.sock";
  const int listener = listenWithoutAccepting(path, 1);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  std::vector<int> fillers;
  for (int i = 0; i < 64; ++i) {  // fill the backlog until connect would block
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    fillers.push_back(fd);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno == EAGAIN) {
      break;
    }
  }
  ASSERT_LT(fillers.size(), 64u) << "the backlog never filled";
  const auto start = std::chrono::steady_clock::now();
  auto reply = controlRequest(path, "status", 300ms);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ETIMEDOUT);
  EXPECT_LT(took, 2s);
  for (int fd : fillers) ::close(fd);
  ::close(listener);
  fs::remove_all(dir);
}

TEST(ControlClient, SaysNothingListensWhenThereIsNoSocket) {
  const fs::path dir = makeTempDir();
  auto reply = controlRequest(dir / "se1.sock", "status", 300ms);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ENOENT);
  fs::remove_all(dir);
}

TEST(ControlClient, SaysNothingListensOnAStaleSocketFile) {
  const fs::path dir = makeTempDir();
  ::close(listenWithoutAccepting(dir / "se1.sock", 1));  // the file stays, as after kill -9
  auto reply = controlRequest(dir / "se1.sock", "status", 300ms);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ECONNREFUSED);
  fs::remove_all(dir);
}

// ---- instance lock ---------------------------------------------------------------------------

TEST(InstanceLock, ASecondInstanceIsToldAnotherIsRunning) {
  const fs::path dir = makeTempDir();
  auto first = acquireInstanceLock(dir, "se1");
  ASSERT_TRUE(first);
  auto second = acquireInstanceLock(dir, "se1");
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("another floe-se --name se1 is running"),
            std::string::npos);
  ::close(*first);
  fs::remove_all(dir);
}

TEST(InstanceLock, ARunDirThatCannotBeCreatedIsReportedAsSuch) {
  const fs::path dir = makeTempDir();
  const fs::path file = dir / "file";
  ::close(::open(file.c_str(), O_CREAT | O_WRONLY, 0600));
  auto lock = acquireInstanceLock(file / "run", "se1");
  ASSERT_FALSE(lock);
  EXPECT_NE(lock.error().message.find("run dir " + (file / "run").string() + ": cannot create"),
            std::string::npos)
      << lock.error().message;
  EXPECT_EQ(lock.error().message.find("another floe-se"), std::string::npos);
  fs::remove_all(dir);
}

TEST(InstanceLock, ARunDirThatIsNotWritableIsReportedAsSuch) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run as another uid";
  const fs::path dir = makeTempDir();
  ASSERT_EQ(chmod(dir.c_str(), 0755), 0);  // nobody may enter, not write
  const int rc = runAsNobody([&] {
    auto lock = acquireInstanceLock(dir, "se1");
    if (lock) return 1;
    if (lock.error().message.find("is not writable: Permission denied") == std::string::npos)
      return 2;
    return lock.error().message.find("another floe-se") == std::string::npos ? 0 : 3;
  });
  EXPECT_EQ(rc, 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace floe::se
