#include "http/session.h"

#include <algorithm>
#include <utility>

namespace floe::http {

namespace {

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 417:
      return "Expectation Failed";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

// RFC 9110 §9.2.2; only bodyless requests are resent, so the whole request is at hand.
bool isIdempotent(std::string_view method) {
  for (std::string_view m : {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
    if (method == m) return true;
  }
  return false;
}

}  // namespace

std::string errorResponse(int status, std::string_view detail) {
  std::string body = std::to_string(status) + " " + std::string(reasonPhrase(status)) + ": " +
                     std::string(detail) + "\n";
  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(reasonPhrase(status)) +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n";
  return out + body;
}

Session::Session(SessionConfig config, ClientInfo client)
    : config_(std::move(config)),
      client_(std::move(client)),
      request_parser_(MessageKind::kRequest, config_.request_limits),
      response_parser_(MessageKind::kResponse, config_.response_limits) {}

Session::Effects Session::take() {
  Effects e;
  e.swap(out_);
  out_.reserve(8);
  return e;
}

void Session::emit(Effect::Kind kind) { out_.push_back(Effect{kind, {}, Timer::kClientHeader, 0}); }

void Session::arm(Timer timer, std::uint32_t ms) {
  armed_ |= 1u << static_cast<unsigned>(timer);
  out_.push_back(Effect{Effect::Kind::kArmTimer, {}, timer, ms});
}

void Session::cancel(Timer timer) {
  if (!armed(timer)) return;
  armed_ &= ~(1u << static_cast<unsigned>(timer));
  out_.push_back(Effect{Effect::Kind::kCancelTimer, {}, timer, 0});
}

bool Session::awaitingNextRequest() const {
  return client_state_ == ClientState::kHead && server_state_ == ServerState::kNone &&
         !request_in_flight_ && client_pending_.empty() && request_parser_.idle() &&
         to_client_outstanding_ == 0 && armed_ == (1u << static_cast<unsigned>(Timer::kKeepalive));
}

bool Session::armed(Timer timer) const { return (armed_ >> static_cast<unsigned>(timer)) & 1u; }

Session::Effects Session::start() {
  arm(Timer::kClientHeader, config_.client_header_timeout);
  return take();
}

void Session::sendToClient(std::string bytes) {
  if (bytes.empty()) return;
  counters_.bytes_to_client += bytes.size();
  to_client_outstanding_ += bytes.size();
  out_.push_back(Effect{Effect::Kind::kSendToClient, std::move(bytes), Timer::kClientHeader, 0});
}

void Session::sendToServer(std::string_view bytes) {
  if (bytes.empty()) return;
  counters_.bytes_to_server += bytes.size();
  to_server_outstanding_ += bytes.size();
  if (server_state_ == ServerState::kConnected) {
    out_.push_back(
        Effect{Effect::Kind::kSendToServer, std::string(bytes), Timer::kClientHeader, 0});
    return;
  }
  server_queue_.append(bytes);
  if (server_state_ == ServerState::kNone) {
    server_state_ = ServerState::kConnecting;
    server_reused_ = false;
    ++counters_.server_connections_requested;
    emit(Effect::Kind::kOpenServer);
    arm(Timer::kServerConnect, config_.server_connect_timeout);
  }
}

void Session::updateReads() {
  if (client_state_ == ClientState::kClosed) return;
  const bool client_full = to_server_outstanding_ > config_.buffer_bytes ||
                           client_pending_.size() > config_.buffer_bytes;
  if (client_full != client_reads_paused_) {
    client_reads_paused_ = client_full;
    emit(client_full ? Effect::Kind::kPauseClientReads : Effect::Kind::kResumeClientReads);
  }
  const bool server_full = to_client_outstanding_ > config_.buffer_bytes;
  if (server_full != server_reads_paused_) {
    server_reads_paused_ = server_full;
    emit(server_full ? Effect::Kind::kPauseServerReads : Effect::Kind::kResumeServerReads);
  }
}

Session::Effects Session::onClientData(std::string_view bytes) {
  if (client_state_ == ClientState::kClosed) return take();
  counters_.bytes_from_client += bytes.size();
  if (client_state_ == ClientState::kTunnel) {
    sendToServer(bytes);
  } else {
    client_pending_.append(bytes);
    processClient();
  }
  updateReads();
  return take();
}

void Session::processClient() {
  while (!client_pending_.empty()) {
    if (client_state_ == ClientState::kAwaitResponse || client_state_ == ClientState::kClosed) {
      return;  // pipelined: held until the response before it is complete
    }
    if (client_state_ == ClientState::kTunnel) {
      sendToServer(client_pending_);
      client_pending_.clear();
      return;
    }
    if (client_state_ == ClientState::kHead && request_parser_.idle() && armed(Timer::kKeepalive)) {
      cancel(Timer::kKeepalive);  // the next request started
      arm(Timer::kClientHeader, config_.client_header_timeout);
    }
    const Parser::Step step = request_parser_.feed(client_pending_);
    if (step.event == Parser::Event::kError) {
      ++counters_.parse_errors;
      const ParseError& e = request_parser_.error();
      if (response_started_) {
        closeAll(true);
      } else {
        sendError(e.status, e.reason);
      }
      return;
    }
    std::string_view body = step.body;
    if (step.event == Parser::Event::kHead) {
      onRequestHead(step);
      if (client_state_ == ClientState::kClosed) return;
    } else if (step.event == Parser::Event::kBody) {
      sendToServer(body);
      arm(Timer::kClientBody, config_.client_body_timeout);
    }
    client_pending_.erase(0, step.consumed);
    if (step.message_complete) onRequestComplete();
    if (step.consumed == 0 && !step.message_complete) return;
  }
}

void Session::onRequestHead(const Parser::Step& step) {
  const MessageHead& head = request_parser_.head();
  ++counters_.requests;
  cancel(Timer::kClientHeader);
  const ExpectAction expect = decideExpect(head);
  if (expect == ExpectAction::kReject) {
    sendError(417, "only Expect: 100-continue is supported");
    return;
  }
  tunnel_requested_ = shouldTunnel(head, config_.rewrite);
  request_in_flight_ = true;
  request_keep_alive_ = head.keep_alive;
  request_minor_ = head.version_minor;
  response_started_ = false;
  retried_ = false;
  request_method_ = head.method;
  response_parser_.setRequestMethod(head.method);
  std::string out = rewriteRequestHead(head, client_, config_.rewrite, tunnel_requested_, expect);
  retry_head_.clear();
  if (head.framing == Framing::kNone && isIdempotent(head.method) && !tunnel_requested_) {
    retry_head_ = out;
  }
  sendToServer(out);
  if (!step.message_complete) {
    client_state_ = ClientState::kBody;
    arm(Timer::kClientBody, config_.client_body_timeout);
  }
}

void Session::onRequestComplete() {
  cancel(Timer::kClientBody);
  if (client_state_ == ClientState::kClosed) return;
  client_state_ = ClientState::kAwaitResponse;
  if (!response_started_) arm(Timer::kServerResponse, config_.server_response_timeout);
}

Session::Effects Session::onServerConnected(bool reused) {
  if (server_state_ != ServerState::kConnecting) return take();
  cancel(Timer::kServerConnect);
  server_state_ = ServerState::kConnected;
  server_reused_ = reused;
  if (reused) ++counters_.server_connections_reused;
  if (!server_queue_.empty()) {
    out_.push_back(
        Effect{Effect::Kind::kSendToServer, std::move(server_queue_), Timer::kClientHeader, 0});
    server_queue_.clear();
  }
  updateReads();
  return take();
}

Session::Effects Session::onServerConnectFailed(std::string_view reason) {
  if (server_state_ != ServerState::kConnecting) return take();
  cancel(Timer::kServerConnect);
  server_state_ = ServerState::kNone;
  sendError(502, reason);
  return take();
}

Session::Effects Session::onNoServer() {
  if (server_state_ != ServerState::kConnecting) return take();
  cancel(Timer::kServerConnect);
  server_state_ = ServerState::kNone;
  sendError(503, "no server is available");
  return take();
}

Session::Effects Session::onServerData(std::string_view bytes) {
  if (client_state_ == ClientState::kClosed || server_state_ != ServerState::kConnected) {
    return take();
  }
  counters_.bytes_from_server += bytes.size();
  if (client_state_ == ClientState::kTunnel) {
    sendToClient(std::string(bytes));
  } else if (!request_in_flight_) {
    closeServer();  // an idle server must not speak; never reuse it
  } else {
    processServer(bytes);
  }
  updateReads();
  return take();
}

void Session::processServer(std::string_view bytes) {
  while (!bytes.empty() && request_in_flight_ && client_state_ != ClientState::kClosed) {
    if (client_state_ == ClientState::kTunnel) {
      sendToClient(std::string(bytes));
      return;
    }
    const Parser::Step step = response_parser_.feed(bytes);
    if (step.event == Parser::Event::kError) {
      serverFailed("the server sent an invalid response");
      return;
    }
    if (armed(Timer::kServerResponse)) {
      arm(Timer::kServerResponse, config_.server_response_timeout);
    }
    if (step.event == Parser::Event::kHead) {
      onResponseHead();
    } else if (step.event == Parser::Event::kBody) {
      sendToClient(std::string(step.body));
    }
    bytes.remove_prefix(step.consumed);
    if (step.message_complete && client_state_ != ClientState::kTunnel &&
        response_parser_.head().status >= 200) {
      // Bytes after a complete response mean the server is out of step: never reuse it.
      finishResponse(bytes.empty());
      return;
    }
    if (step.consumed == 0 && !step.message_complete) return;
  }
}

void Session::onResponseHead() {
  const MessageHead& head = response_parser_.head();
  if (head.status == 101) {
    if (!tunnel_requested_) {
      serverFailed("the server switched protocols without being asked");
      return;
    }
    cancel(Timer::kServerResponse);
    cancel(Timer::kClientBody);
    ++counters_.responses[1];
    response_started_ = true;
    sendToClient(rewriteResponseHead(head, config_.rewrite, true, request_minor_, true));
    client_state_ = ClientState::kTunnel;
    if (!client_pending_.empty()) {
      sendToServer(client_pending_);
      client_pending_.clear();
    }
    return;
  }
  if (head.status < 200) {
    // RFC 9110 §15.2: interim responses are not forwarded to an HTTP/1.0 client.
    if (request_minor_ >= 1) {
      sendToClient(rewriteResponseHead(head, config_.rewrite, true, request_minor_, false));
    }
    return;
  }
  ++counters_.responses[static_cast<std::size_t>(head.status / 100 < 6 ? head.status / 100 : 5)];
  response_started_ = true;
  // The client connection stays open only if the request was read in full and both the
  // request and the response's framing allow it.
  const bool keep = request_keep_alive_ && client_state_ == ClientState::kAwaitResponse &&
                    head.framing != Framing::kUntilClose &&
                    !(client_eof_ && client_pending_.empty());
  request_keep_alive_ = keep;
  sendToClient(rewriteResponseHead(head, config_.rewrite, keep, request_minor_, false));
}

void Session::finishResponse(bool server_in_step) {
  const bool server_reusable = server_in_step && response_parser_.head().keep_alive &&
                               client_state_ == ClientState::kAwaitResponse &&
                               server_queue_.empty();
  request_in_flight_ = false;
  cancel(Timer::kServerResponse);
  if (server_reusable) {
    emit(Effect::Kind::kReleaseServer);
    server_state_ = ServerState::kNone;
    to_server_outstanding_ = 0;
  } else {
    closeServer();
  }
  if (!request_keep_alive_ || client_state_ != ClientState::kAwaitResponse ||
      (client_eof_ && client_pending_.empty())) {
    closeAll(false);
    return;
  }
  client_state_ = ClientState::kHead;
  response_started_ = false;
  if (client_pending_.empty()) {
    arm(Timer::kKeepalive, config_.keepalive_timeout);
  } else {
    arm(Timer::kClientHeader, config_.client_header_timeout);
    processClient();
    // The client closed after pipelining: what is left is an incomplete request.
    if (client_eof_ && client_state_ == ClientState::kHead) closeAll(false);
  }
}

void Session::serverFailed(const char* what) {
  if (!response_started_ && !retried_ && server_reused_ && !retry_head_.empty() &&
      client_state_ == ClientState::kAwaitResponse) {
    // RFC 9112 §9.3.1: a pooled connection the server closed; resend once on a new one.
    retried_ = true;
    ++counters_.retries;
    closeServer();
    response_parser_.reset();
    response_parser_.setRequestMethod(request_method_);
    sendToServer(retry_head_);
    return;
  }
  if (response_started_) {
    closeAll(true);
  } else {
    sendError(502, what);
  }
}

Session::Effects Session::onServerEof() {
  if (server_state_ != ServerState::kConnected || client_state_ == ClientState::kClosed) {
    return take();
  }
  if (client_state_ == ClientState::kTunnel) {
    closeAll(false);
    return take();
  }
  if (!request_in_flight_) {
    closeServer();
    return take();
  }
  const Parser::Step step = response_parser_.finish();
  if (step.event == Parser::Event::kBody && step.message_complete) {
    server_state_ = ServerState::kNone;
    emit(Effect::Kind::kCloseServer);
    request_keep_alive_ = false;
    request_in_flight_ = false;
    cancel(Timer::kServerResponse);
    closeAll(false);
  } else {
    serverFailed("the server closed the connection without a complete response");
  }
  updateReads();
  return take();
}

Session::Effects Session::onServerReset() {
  if (server_state_ != ServerState::kConnected || client_state_ == ClientState::kClosed) {
    return take();
  }
  if (client_state_ == ClientState::kTunnel) {
    closeAll(true);
  } else if (!request_in_flight_) {
    closeServer();
  } else {
    serverFailed("the server reset the connection");
  }
  updateReads();
  return take();
}

Session::Effects Session::onClientEof() {
  if (client_state_ == ClientState::kClosed) return take();
  client_eof_ = true;
  if (client_state_ == ClientState::kAwaitResponse) {
    return take();  // half-close: answer, then close
  }
  closeAll(false);
  return take();
}

Session::Effects Session::onClientWritten(std::size_t n) {
  to_client_outstanding_ -= std::min(n, to_client_outstanding_);
  updateReads();
  return take();
}

Session::Effects Session::onServerWritten(std::size_t n) {
  to_server_outstanding_ -= std::min(n, to_server_outstanding_);
  updateReads();
  return take();
}

Session::Effects Session::onTimer(Timer timer) {
  if (!armed(timer) || client_state_ == ClientState::kClosed) return take();
  armed_ &= ~(1u << static_cast<unsigned>(timer));
  switch (timer) {
    case Timer::kKeepalive:
      ++counters_.client_timeouts;
      closeAll(false);
      break;
    case Timer::kClientHeader:
      ++counters_.client_timeouts;
      if (request_parser_.idle() && client_pending_.empty()) {
        closeAll(false);  // nothing was asked: just close
      } else {
        sendError(408, "client_header_timeout: the request head did not arrive in time");
      }
      break;
    case Timer::kClientBody:
      ++counters_.client_timeouts;
      if (response_started_) {
        closeAll(true);
      } else {
        sendError(408, "client_body_timeout: the request body stalled");
      }
      break;
    case Timer::kServerConnect:
      ++counters_.server_timeouts;
      server_state_ = ServerState::kNone;
      emit(Effect::Kind::kCloseServer);
      sendError(504, "connecting to the server timed out");
      break;
    case Timer::kServerResponse:
      ++counters_.server_timeouts;
      if (response_started_) {
        closeAll(true);
      } else {
        sendError(504, "the server did not respond in time");
      }
      break;
  }
  return take();
}

void Session::sendError(int status, std::string_view reason) {
  ++counters_.local_responses;
  ++counters_.responses[static_cast<std::size_t>(status / 100)];
  sendToClient(errorResponse(status, reason));
  closeAll(false);
}

void Session::closeServer() {
  if (server_state_ != ServerState::kNone) emit(Effect::Kind::kCloseServer);
  server_state_ = ServerState::kNone;
  server_queue_.clear();
  to_server_outstanding_ = 0;
  cancel(Timer::kServerConnect);
}

void Session::closeAll(bool reset_client) {
  closeServer();
  for (Timer t :
       {Timer::kClientHeader, Timer::kClientBody, Timer::kKeepalive, Timer::kServerResponse}) {
    cancel(t);
  }
  emit(reset_client ? Effect::Kind::kResetClient : Effect::Kind::kCloseClient);
  // Mid-request (head or body unfinished), with a further request's bytes read, or in a
  // tunnel, the client may still be sending; between requests it is not expected to.
  const bool mid_request = client_state_ == ClientState::kBody ||
                           client_state_ == ClientState::kTunnel || !client_pending_.empty() ||
                           (client_state_ == ClientState::kHead && !request_parser_.idle());
  if (client_state_ != ClientState::kClosed) {
    client_may_send_ = !reset_client && !client_eof_ && mid_request;
  }
  client_state_ = ClientState::kClosed;
  client_pending_.clear();
  request_in_flight_ = false;
}

}  // namespace floe::http
