// The HTTP/1.1 reverse proxy on a worker (docs/http.md): one HttpConnection per client
// connection of a virtual service in ServiceMode::kHttp, driven by http::Session (the sans-IO
// protocol logic). This file owns what the session does not: the sockets (non-blocking,
// edge-triggered in the worker's Poller, like the L4 Connection), one Asio timer per client
// connection for the session's timeouts, the choice of server, and the idle server
// connections.
//
// Server connections (ServerLink): with http_profile.connection_multiplexing_enabled, a server
// connection the session releases after a complete response goes to the worker's idle pool for
// that server and serves the next request of any client connection of this worker. An idle
// connection the server closes (or writes to) is closed at once (its epoll edge), and checked
// once more with a non-blocking MSG_PEEK before it is used; idle ones are also closed after
// kIdleServerConnectionTimeout. With multiplexing off, a server connection serves one client
// connection only (kept between its requests, closed with it).
//
// All on the worker thread; counters go to the service's and the server's HttpCounters.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/session.h"
#include "proxy/poller.h"
#include "proxy/socket_util.h"
#include "proxy/worker_service.h"

namespace floe::proxy {

class Worker;
class HttpConnection;
class HttpWorker;

// An idle pooled server connection is closed after this long without use (s). Below the usual
// server keep-alive timeouts (nginx 75 s, Apache 5 s is shorter: then the server's FIN comes
// first and the connection is dropped on its edge).
inline constexpr uint32_t kIdleServerConnectionTimeoutS = 60;

// One TCP connection to a server.
struct ServerLink final : PollTarget {
  HttpWorker* owner = nullptr;
  HttpConnection* conn = nullptr;  // null while idle in the pool
  int fd = -1;
  std::shared_ptr<ServerRuntime> runtime;  // the server; key of the idle pool
  IpAddress ip;
  uint16_t port = 0;
  std::optional<IpAddress> source;  // SNAT IP the connection was opened from
  bool connecting = false;
  bool readable = false;
  bool writable = false;
  uint32_t idle_since = 0;  // worker tick it was pooled
  void onPoll(uint32_t events) override;
};

// Per-worker HTTP state: live client connections, the idle server connections, deferred frees.
class HttpWorker {
 public:
  explicit HttpWorker(Worker& worker) : worker_(worker) {}
  ~HttpWorker();
  HttpWorker(const HttpWorker&) = delete;
  HttpWorker& operator=(const HttpWorker&) = delete;

  // Takes an accepted client of an HTTP virtual service.
  void accept(UniqueFd client, const sockaddr_storage& peer, const Endpoint& vip,
              std::shared_ptr<WorkerService> service);

  // An idle connection to `server` that is still open, or null. One the server closed is
  // closed here: at its epoll edge, else by a non-blocking MSG_PEEK before use. The peek (one
  // system call) is skipped when `retryable` (the request can be resent on a new connection,
  // http::Session::requestRetryable) and the connection was pooled this second: a close
  // racing that window costs one retry, not an error.
  ServerLink* takeIdle(const ServerRuntime* server, bool retryable);
  // Whether `link`, idle since `link->idle_since`, still reads as open (MSG_PEEK, no wait);
  // skipped (true) under the same rule as takeIdle.
  bool stillOpen(const ServerLink& link, bool retryable) const;
  void putIdle(ServerLink* link);
  // Closes the socket (RST when `reset`) and frees the link after the current event batch.
  void closeLink(ServerLink* link, bool reset = false);

  // Writes queued during an event batch (HttpConnection::feed) happen after it, in order:
  // flushDeferred() runs from the poller's afterBatch, before anything is freed.
  void deferFlush(HttpConnection* c);
  void flushDeferred();

  void link(HttpConnection* c);
  void unlink(HttpConnection* c);
  void retire(HttpConnection* c);  // freed after the current event batch
  void freeZombies();

  void sweep(uint32_t tick);  // once a second: closes stale idle server connections
  size_t resetOrphans(const ConfigSnapshot& config);
  void shutdown();  // resets every connection, closes idle ones

  Worker& worker() { return worker_; }
  char* scratch() { return scratch_.data(); }
  static constexpr size_t kScratchBytes = 64 * 1024;

 private:
  void scheduleFree();

  Worker& worker_;
  std::unordered_map<const ServerRuntime*, std::vector<ServerLink*>> idle_;
  std::vector<HttpConnection*> live_;  // unordered; HttpConnection knows its index
  std::vector<HttpConnection*> zombies_;
  std::vector<HttpConnection*> flush_queue_;  // deferFlush()
  std::vector<ServerLink*> dead_links_;
  bool free_posted_ = false;
  std::array<char, kScratchBytes> scratch_{};
};

class HttpConnection final : PollTarget {
 public:
  HttpConnection(HttpWorker& hw, UniqueFd client, const sockaddr_storage& peer, const Endpoint& vip,
                 std::shared_ptr<WorkerService> service);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  void start();
  void onPoll(uint32_t events) override;  // client socket
  void flushQueued();  // HttpWorker::flushDeferred: the writes feed() deferred
  void onServerEvent(ServerLink& link, uint32_t events);
  bool orphanedBy(const ConfigSnapshot& config) const;
  void abort();  // resets the client, closes the server connection
  // Idle sweep (`now`: worker tick, s): a tunnel (after an Upgrade) with no byte either way for
  // the service's idle_timeout_s is reset on both sides; HTTP requests have their own timers.
  void expireIdleTunnel(uint32_t now);
  bool closed() const { return closed_; }

  size_t live_index = 0;  // HttpWorker::live_

 private:
  // Keeps the connection alive while an Asio handler holds it (worker thread only).
  class Ref {
   public:
    explicit Ref(HttpConnection* c) : c_(c) { ++c_->refs_; }
    Ref(const Ref& o) : c_(o.c_) { ++c_->refs_; }
    Ref(Ref&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
    Ref& operator=(const Ref&) = delete;
    Ref& operator=(Ref&&) = delete;
    ~Ref() {
      if (c_ != nullptr && --c_->refs_ == 0) c_->maybeRetire();
    }
    HttpConnection* operator->() const { return c_; }

   private:
    HttpConnection* c_;
  };

  static constexpr size_t kTimers = 5;
  using Clock = std::chrono::steady_clock;

  http::Session& session();  // session_, built (and started) first if null
  void releaseSessionIfIdle();
  void feed(http::Session::Effects effects);
  void execute(http::Effect& effect);
  void drive();
  bool readClient();
  bool discardClient();  // while closing_: reads and drops client bytes; true if any came
  bool readServer();
  void flushClient();
  void flushServer();
  void flushPending();  // writes what execute() queued for either side
  void openServer();
  void connectNext();
  // Opens a non-blocking connection to server `index` of the pool (SNAT IP per the service),
  // registered in the poller; `connected` says whether connect() completed at once.
  Result<ServerLink*> connectServer(uint32_t index, bool& connected);
  void serverConnected(bool reused);
  void serverConnectFailed(int err, const std::string& detail);
  void attach(ServerLink* link);
  void dropServer(bool reset);
  // Ends the client connection: with `reset`, at once with an RST; else with a FIN, then
  // lingering (startLingering) when the client may still be sending, or at once.
  void finishClose(bool reset);
  // Lingering close (docs/http.md), after our FIN (shutdown SHUT_WR): true when the client may
  // still send (the session says its request was unfinished, or bytes are waiting) and has not
  // sent EOF; the connection then drops its session and buffers and stays registered, reading
  // and discarding (lingerRead) until the client's EOF, lingering_timeout without a byte, or
  // lingering_time in all (WorkerLimits), then closes (endLingering). False: close now.
  bool startLingering();
  void lingerRead();
  void endLingering();
  void rescheduleTimer();
  void onTimer(const asio::error_code& ec);
  void syncCounters();
  void maybeRetire();
  bool multiplexing() const { return service_->snapshot().http.connection_multiplexing_enabled; }

  HttpWorker& hw_;
  std::shared_ptr<WorkerService> service_;
  sockaddr_storage peer_;
  IpAddress vip_;
  int client_fd_ = -1;
  bool client_readable_ = true;  // the request may be queued already
  bool client_writable_ = true;
  bool client_paused_ = false;
  bool client_unflushed_ = false;  // out_client_ has bytes execute() queued, not yet sent
  bool server_unflushed_ = false;
  bool flush_queued_ = false;  // in HttpWorker's flush queue
  bool server_paused_ = false;
  bool closing_ = false;  // kCloseClient seen: close once out_client_ is written
  bool closed_ = false;
  bool client_eof_ = false;  // the client's FIN was read
  bool lingering_ = false;   // FIN sent, discarding what the client still sends
  bool linger_posted_ = false;
  bool retired_ = false;
  bool in_feed_ = false;
  bool drive_posted_ = false;
  uint32_t last_active_ = 0;  // worker tick of the last byte read from either side
  uint32_t refs_ = 0;
  // The request's protocol state; null between requests of an idle keep-alive connection
  // (releaseSessionIfIdle), built again by session() when the client sends or closes.
  std::unique_ptr<http::Session> session_;
  http::SessionCounters reported_;  // what syncCounters already added to the runtimes
  http::Session::Effects backlog_;
  std::string out_client_;
  size_t out_client_off_ = 0;
  std::string out_server_;
  size_t out_server_off_ = 0;
  ServerLink* link_ = nullptr;  // the server connection of the request in flight
  ServerLink* kept_ = nullptr;  // multiplexing off: this client's server connection between
                                // requests
  std::shared_ptr<ServerRuntime> server_;  // the server of the current request (counters)
  std::vector<uint32_t> tried_;            // servers tried for the current request
  int last_connect_error_ = ECONNREFUSED;  // errno of the last failed connect()
  uint64_t pick_key_ = 0;                  // consistent-hash key of the current request
  Clock::time_point request_start_{};
  bool awaiting_first_byte_ = false;
  std::array<Clock::time_point, kTimers> deadlines_;
  Clock::time_point linger_deadline_ = Clock::time_point::max();
  Clock::time_point lingering_end_{};   // lingering: the total bound (lingering_time)
  Clock::time_point lingering_idle_{};  // lingering: the bound until the next byte
  Clock::time_point scheduled_ = Clock::time_point::max();
  asio::steady_timer timer_;
};

}  // namespace floe::proxy
