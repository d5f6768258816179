// What floe does to a message's head on its way through the proxy, as pure functions:
// hop-by-hop fields (RFC 9110 §7.6.1), X-Forwarded-For / X-Forwarded-Proto, Via
// (RFC 9110 §7.6.3), the Expect: 100-continue decision (RFC 9110 §10.1.1) and Upgrade /
// WebSocket detection (RFC 9110 §7.8, RFC 6455 §4.1).
//
// Bodies are forwarded in the framing they arrived in (chunked stays chunked), so
// Content-Length and Transfer-Encoding are kept and are never removed because a Connection
// field names them (that would let a client change the framing the server sees).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/parser.h"

namespace floe::http {

// Options, named after Avi's http_profile fields where Avi has one.
struct RewriteOptions {
  bool xff_enabled = true;                // http_profile.xff_enabled
  std::string xff_alternate_name;         // http_profile.xff_alternate_name; empty:
                                          // "X-Forwarded-For"
  bool x_forwarded_proto_enabled = true;  // http_profile.x_forwarded_proto_enabled
  bool websockets_enabled = true;         // http_profile.websockets_enabled
  bool via_enabled = false;               // floe's own: add "Via: 1.1 <via_pseudonym>"
  std::string via_pseudonym = "floe";     // floe's own
};

// The client side of the connection a request arrived on.
struct ClientInfo {
  std::string ip;    // textual address, IPv6 without brackets, e.g. "192.0.2.7", "2001:db8::7"
  bool tls = false;  // the client connection is TLS (X-Forwarded-Proto: https)
};

// The tokens of all Connection fields, lower-cased (RFC 9110 §7.6.1).
std::vector<std::string> connectionTokens(const MessageHead& head);

// Whether `name` is hop-by-hop for this message: Connection, Keep-Alive, Proxy-Connection,
// TE, Upgrade, or a field named in Connection. Host, Content-Length and Transfer-Encoding are
// never hop-by-hop here, even when Connection names them.
bool isHopByHop(std::string_view name, const std::vector<std::string>& connection_tokens);

// A request that asks to switch to the WebSocket protocol (RFC 6455 §4.1): GET, HTTP/1.1,
// Upgrade contains "websocket", Connection contains "upgrade".
bool isWebSocketUpgrade(const MessageHead& request);

// Whether the proxy should tunnel this request's connection after a 101: an upgrade
// request (parser's head.upgrade, not CONNECT) and, for WebSocket, websockets_enabled.
bool shouldTunnel(const MessageHead& request, const RewriteOptions& options);

// RFC 9110 §10.1.1 for a reverse proxy that relays the server's interim responses.
enum class ExpectAction {
  kNone,     // no Expect field
  kForward,  // 100-continue on HTTP/1.1: forward it, relay the server's 100 Continue
  kStrip,    // 100-continue on HTTP/1.0 (must be ignored) or a request without a body
  kReject,   // any other expectation: answer 417 Expectation Failed
};
ExpectAction decideExpect(const MessageHead& request);

// The request head to send to the server, CRLF-terminated: the request line (the client's
// HTTP version), every end-to-end field in order, then X-Forwarded-For (the existing values
// with the client's address appended, RFC 7239 §7.5 style list), X-Forwarded-Proto (replacing
// any the client sent), Via if enabled, and for a tunnelled upgrade "Connection: Upgrade"
// with the Upgrade field. `expect` is decideExpect's answer (kStrip drops Expect).
std::string rewriteRequestHead(const MessageHead& request, const ClientInfo& client,
                               const RewriteOptions& options, bool tunnel, ExpectAction expect);

// The response head to send to the client: status line as HTTP/1.1, end-to-end fields, Via
// if enabled, and the connection decision: "Connection: close" when the client connection
// ends after this response, "Connection: keep-alive" for a kept HTTP/1.0 client,
// "Connection: Upgrade" + Upgrade for a 101 that starts a tunnel.
std::string rewriteResponseHead(const MessageHead& response, const RewriteOptions& options,
                                bool client_keep_alive, int client_minor_version, bool tunnel);

}  // namespace floe::http
