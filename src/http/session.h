// A sans-IO HTTP/1.1 reverse-proxy session: one client connection, and the server
// connection currently serving it. The caller (the engine's worker) owns the sockets, the
// timers and the choice of server; it reports what happened (bytes read, bytes written,
// connect results, EOF, timer expiry) and carries out the effects the session returns, in
// order. No sockets, threads or clocks in here.
//
// Requests are answered in order: a pipelined request is parsed only after the response to
// the one before it is complete. Bodies are streamed in their received framing. Memory is
// bounded: the session holds at most one head (Limits::max_head_bytes) plus
// SessionConfig::buffer_bytes of unparsed client input and of bytes queued while a server
// connection opens; beyond that it asks the caller to stop reading (kPauseClientReads /
// kPauseServerReads) until the peer has taken what was sent (onClientWritten /
// onServerWritten).
//
// Error responses the session generates (each with a one-line text/plain body naming the
// cause, and Connection: close): 400/413/414/431/501 for a request the parser refuses
// (parser.h), 408 when a started request stalls (client_header_timeout,
// client_body_timeout), 417 for an unsupported Expect, 502 when the server refuses, resets,
// closes without answering or sends an invalid response, 503 when no server is up, 504 when
// connecting to the server or its response times out.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/parser.h"
#include "http/rewrite.h"

namespace floe::http {

// Timeouts in milliseconds; Avi's http_profile names where Avi has one. Defaults in
// docs/http.md.
struct SessionConfig {
  Limits request_limits;
  Limits response_limits;
  RewriteOptions rewrite;
  std::uint32_t client_header_timeout = 10000;    // ms; http_profile.client_header_timeout
  std::uint32_t client_body_timeout = 30000;      // ms between body reads;
                                                  // http_profile.client_body_timeout
  std::uint32_t keepalive_timeout = 30000;        // ms idle between requests;
                                                  // http_profile.keepalive_timeout
  std::uint32_t server_connect_timeout = 5000;    // ms; floe's own
  std::uint32_t server_response_timeout = 60000;  // ms for the response to start, and
                                                  // between response reads; floe's own
  std::size_t buffer_bytes = 65536;               // bytes per direction; floe's own
};

enum class Timer { kClientHeader, kClientBody, kKeepalive, kServerConnect, kServerResponse };

struct Effect {
  enum class Kind {
    kSendToClient,      // write `bytes` to the client
    kSendToServer,      // write `bytes` to the server connection
    kOpenServer,        // get a server connection (pooled or new); answer with
                        // onServerConnected / onServerConnectFailed / onNoServer
    kReleaseServer,     // the server connection is idle and reusable: pool it or close it
    kCloseServer,       // close the server connection (not reusable), drop unsent bytes
    kCloseClient,       // close the client connection once the bytes emitted are written
    kResetClient,       // abort the client connection (RST): a response was cut short
    kArmTimer,          // (re)arm `timer` to fire in `ms` milliseconds, then call onTimer
    kCancelTimer,       // cancel `timer`
    kPauseClientReads,  // stop reading from the client until kResumeClientReads
    kResumeClientReads,
    kPauseServerReads,  // stop reading from the server until kResumeServerReads
    kResumeServerReads,
  };
  Kind kind;
  std::string bytes;                   // kSendToClient, kSendToServer
  Timer timer = Timer::kClientHeader;  // kArmTimer, kCancelTimer
  std::uint32_t ms = 0;                // kArmTimer
};

struct SessionCounters {
  std::uint64_t requests = 0;                // request heads accepted
  std::array<std::uint64_t, 6> responses{};  // final responses relayed, by class: [2] = 2xx
  std::uint64_t local_responses = 0;         // error responses floe generated
  std::uint64_t parse_errors = 0;            // requests refused by the parser
  std::uint64_t bytes_from_client = 0;
  std::uint64_t bytes_to_client = 0;
  std::uint64_t bytes_from_server = 0;
  std::uint64_t bytes_to_server = 0;
  std::uint64_t server_connections_requested = 0;  // kOpenServer effects
  std::uint64_t server_connections_reused = 0;     // onServerConnected(reused = true)
  std::uint64_t retries = 0;                       // idempotent requests resent once
  std::uint64_t client_timeouts = 0;               // header, body or keep-alive timer fired
  std::uint64_t server_timeouts = 0;               // connect or response timer fired
};

class Session {
 public:
  using Effects = std::vector<Effect>;

  Session(SessionConfig config, ClientInfo client);

  // The client connection was accepted: arms client_header_timeout.
  Effects start();
  // Bytes read from the client / the server.
  Effects onClientData(std::string_view bytes);
  Effects onServerData(std::string_view bytes);
  // The peer closed its sending side (FIN).
  Effects onClientEof();
  Effects onServerEof();
  // The server connection failed after being established (RST, error): like EOF, but never
  // a valid end of a response.
  Effects onServerReset();
  // `n` bytes of what was emitted were written to the peer (releases buffer space).
  Effects onClientWritten(std::size_t n);
  Effects onServerWritten(std::size_t n);
  // Answers to kOpenServer. `reused`: the connection came from an idle pool.
  Effects onServerConnected(bool reused);
  // Refused, unreachable or reset while connecting: 502 whose body says `reason` (a short
  // clause, e.g. "the server refused the connection").
  Effects onServerConnectFailed(
      std::string_view reason = "the server refused or reset the connection");
  Effects onNoServer();             // no server is up: 503
  // An armed timer fired. A timer that is no longer armed is ignored.
  Effects onTimer(Timer timer);

  const SessionCounters& counters() const { return counters_; }
  // The head of the request in flight, valid from the kOpenServer it causes until the next
  // request's head starts (a pipelined one is parsed only after this response): what a
  // per-request server choice (consistent hash by URI or header) looks at.
  const MessageHead& requestHead() const { return request_parser_.head(); }
  // The request in flight may be sent again on a new server connection if a reused one is
  // found closed before any response byte (a bodyless idempotent request, not yet retried).
  bool requestRetryable() const { return !retry_head_.empty() && !retried_; }
  bool closed() const { return client_state_ == ClientState::kClosed; }
  // Between requests of a keep-alive connection with nothing in flight: no request byte
  // pending, no server connection, every response byte acknowledged (onClientWritten), only
  // the keep-alive timer armed. A new Session would carry on identically, so the caller may
  // free this one and build another when the next request's first byte (or EOF) arrives.
  bool awaitingNextRequest() const;
  bool tunnelling() const { return client_state_ == ClientState::kTunnel; }
  // After kCloseClient: whether the client may still be sending when its connection is closed
  // (its request head or body was unfinished, bytes of a further request had arrived, or the
  // connection was a tunnel), so the caller should read and discard until the client's EOF
  // rather than close at once (a lingering close, docs/http.md). False after the client's EOF,
  // after kResetClient, and before the client connection is closed.
  bool clientMaySend() const { return client_may_send_; }

 private:
  enum class ClientState { kHead, kBody, kAwaitResponse, kTunnel, kClosed };
  enum class ServerState { kNone, kConnecting, kConnected };

  Effects take();
  void emit(Effect::Kind kind);
  void arm(Timer timer, std::uint32_t ms);
  void cancel(Timer timer);
  bool armed(Timer timer) const;
  void sendToClient(std::string bytes);
  void sendToServer(std::string_view bytes);
  void processClient();
  void onRequestHead(const Parser::Step& step);
  void onRequestComplete();
  void processServer(std::string_view bytes);
  void onResponseHead();
  void finishResponse(bool server_in_step);
  void serverFailed(const char* what);
  void sendError(int status, std::string_view reason);
  void closeServer();
  void closeAll(bool reset_client);
  void updateReads();

  SessionConfig config_;
  ClientInfo client_;
  SessionCounters counters_;
  Parser request_parser_;
  Parser response_parser_;
  Effects out_;
  std::uint32_t armed_ = 0;  // bit per Timer

  ClientState client_state_ = ClientState::kHead;
  ServerState server_state_ = ServerState::kNone;
  std::string client_pending_;  // client bytes read but not yet parsed (pipelining)
  std::string server_queue_;    // bytes for the server while it connects
  std::size_t to_server_outstanding_ = 0;
  std::size_t to_client_outstanding_ = 0;
  bool client_reads_paused_ = false;
  bool server_reads_paused_ = false;
  bool client_eof_ = false;
  bool client_may_send_ = false;  // clientMaySend(), set by closeAll()

  // The request in flight.
  bool request_in_flight_ = false;
  std::string request_method_;
  bool request_keep_alive_ = true;
  int request_minor_ = 1;
  bool tunnel_requested_ = false;
  bool response_started_ = false;  // response bytes were sent to the client
  bool server_reused_ = false;
  bool retried_ = false;
  std::string retry_head_;  // the rewritten head of a bodyless idempotent request
};

// A complete error response: status line, text/plain body "<status> <reason>: <detail>\n",
// Content-Length and Connection: close.
std::string errorResponse(int status, std::string_view detail);

}  // namespace floe::http
