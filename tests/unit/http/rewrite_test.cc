// Header rewriting: hop-by-hop removal, X-Forwarded-*, Via, Expect and Upgrade decisions.
#include "http/rewrite.h"

#include <gtest/gtest.h>

#include <string>

namespace floe::http {
namespace {

MessageHead parseRequest(const std::string& text) {
  Parser p(MessageKind::kRequest, {});
  Parser::Step s = p.feed(text);
  EXPECT_EQ(s.event, Parser::Event::kHead)
      << (s.event == Parser::Event::kError ? p.error().reason : "");
  return p.head();
}

MessageHead parseResponse(const std::string& text, std::string_view method = "GET") {
  Parser p(MessageKind::kResponse, {});
  p.setRequestMethod(method);
  Parser::Step s = p.feed(text);
  EXPECT_EQ(s.event, Parser::Event::kHead);
  return p.head();
}

const ClientInfo kClient{"192.0.2.7", false};

TEST(RewriteTest, AddsXffAndProtoAndKeepsHost) {
  const auto h = parseRequest("GET /p HTTP/1.1\r\nHost: www.example\r\nAccept: */*\r\n\r\n");
  EXPECT_EQ(rewriteRequestHead(h, kClient, {}, false, ExpectAction::kNone),
            "GET /p HTTP/1.1\r\nHost: www.example\r\nAccept: */*\r\n"
            "X-Forwarded-For: 192.0.2.7\r\nX-Forwarded-Proto: http\r\n\r\n");
}

TEST(RewriteTest, AppendsToExistingXffAcrossFields) {
  const auto h = parseRequest(
      "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.0.0.1\r\nx-forwarded-for: 10.0.0.2, "
      "10.0.0.3\r\n\r\n");
  const std::string out =
      rewriteRequestHead(h, ClientInfo{"2001:db8::7", true}, {}, false, ExpectAction::kNone);
  EXPECT_NE(out.find("X-Forwarded-For: 10.0.0.1, 10.0.0.2, 10.0.0.3, 2001:db8::7\r\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("x-forwarded-for"), std::string::npos);
  EXPECT_NE(out.find("X-Forwarded-Proto: https\r\n"), std::string::npos);
}

TEST(RewriteTest, ReplacesClientSuppliedForwardedProto) {
  const auto h = parseRequest("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: https\r\n\r\n");
  const std::string out = rewriteRequestHead(h, kClient, {}, false, ExpectAction::kNone);
  EXPECT_EQ(out.find("X-Forwarded-Proto: https"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Forwarded-Proto: http\r\n"), std::string::npos);
}

TEST(RewriteTest, XffAlternateNameAndDisabledOptions) {
  const auto h = parseRequest("GET / HTTP/1.1\r\nHost: a\r\nX-Real-Client: 10.1.1.1\r\n\r\n");
  RewriteOptions o;
  o.xff_alternate_name = "X-Real-Client";
  o.x_forwarded_proto_enabled = false;
  const std::string out = rewriteRequestHead(h, kClient, o, false, ExpectAction::kNone);
  EXPECT_NE(out.find("X-Real-Client: 10.1.1.1, 192.0.2.7\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("X-Forwarded"), std::string::npos);
  o.xff_enabled = false;
  EXPECT_EQ(rewriteRequestHead(h, kClient, o, false, ExpectAction::kNone),
            "GET / HTTP/1.1\r\nHost: a\r\nX-Real-Client: 10.1.1.1\r\n\r\n");
}

TEST(RewriteTest, RemovesHopByHopFieldsAndThoseNamedInConnection) {
  const auto h = parseRequest(
      "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: 5\r\n"
      "Proxy-Connection: keep-alive\r\nTE: trailers\r\nX-Secret: 1\r\nX-Kept: 2\r\n\r\n");
  RewriteOptions o;
  o.xff_enabled = false;
  o.x_forwarded_proto_enabled = false;
  EXPECT_EQ(rewriteRequestHead(h, kClient, o, false, ExpectAction::kNone),
            "GET / HTTP/1.1\r\nHost: a\r\nX-Kept: 2\r\n\r\n");
}

TEST(RewriteTest, ConnectionCannotStripFramingHostOrOurXff) {
  const auto h = parseRequest(
      "POST / HTTP/1.1\r\nHost: a\r\nConnection: Content-Length, Host, X-Forwarded-For\r\n"
      "Content-Length: 3\r\n\r\n");
  const std::string out = rewriteRequestHead(h, kClient, {}, false, ExpectAction::kNone);
  EXPECT_NE(out.find("Content-Length: 3\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Host: a\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Forwarded-For: 192.0.2.7\r\n"), std::string::npos);
}

TEST(RewriteTest, KeepsTransferEncodingForARawForwardedChunkedBody) {
  const auto h = parseRequest(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: "
      "Transfer-Encoding\r\n\r\n");
  EXPECT_NE(rewriteRequestHead(h, kClient, {}, false, ExpectAction::kNone)
                .find("Transfer-Encoding: chunked\r\n"),
            std::string::npos);
}

TEST(RewriteTest, ViaWhenEnabledAppendsToExisting) {
  const auto h = parseRequest("GET / HTTP/1.1\r\nHost: a\r\nVia: 1.0 edge\r\n\r\n");
  RewriteOptions o;
  o.via_enabled = true;
  EXPECT_NE(rewriteRequestHead(h, kClient, o, false, ExpectAction::kNone)
                .find("Via: 1.0 edge, 1.1 floe\r\n"),
            std::string::npos);
  const auto r = parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_NE(rewriteResponseHead(r, o, true, 1, false).find("Via: 1.1 floe\r\n"), std::string::npos);
}

TEST(RewriteTest, UpgradeKeptOnlyWhenTunnelling) {
  const auto h = parseRequest(
      "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Key: k\r\n\r\n");
  EXPECT_TRUE(isWebSocketUpgrade(h));
  EXPECT_TRUE(shouldTunnel(h, {}));
  const std::string tunnel = rewriteRequestHead(h, kClient, {}, true, ExpectAction::kNone);
  EXPECT_NE(tunnel.find("Upgrade: websocket\r\nConnection: Upgrade\r\n"), std::string::npos);
  EXPECT_NE(tunnel.find("Sec-WebSocket-Key: k\r\n"), std::string::npos);
  const std::string plain = rewriteRequestHead(h, kClient, {}, false, ExpectAction::kNone);
  EXPECT_EQ(plain.find("Upgrade"), std::string::npos) << plain;
  RewriteOptions no_ws;
  no_ws.websockets_enabled = false;
  EXPECT_FALSE(shouldTunnel(h, no_ws));
}

TEST(RewriteTest, UpgradeWithoutConnectionTokenIsNotATunnel) {
  const auto h = parseRequest("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n");
  EXPECT_FALSE(isWebSocketUpgrade(h));
  EXPECT_FALSE(shouldTunnel(h, {}));
}

TEST(RewriteTest, ExpectDecisions) {
  EXPECT_EQ(decideExpect(parseRequest("GET / HTTP/1.1\r\nHost: a\r\n\r\n")), ExpectAction::kNone);
  EXPECT_EQ(decideExpect(parseRequest("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n"
                                      "Content-Length: 5\r\n\r\n")),
            ExpectAction::kForward);
  EXPECT_EQ(decideExpect(parseRequest("PUT / HTTP/1.0\r\nExpect: 100-continue\r\n"
                                      "Content-Length: 5\r\n\r\n")),
            ExpectAction::kStrip);
  EXPECT_EQ(decideExpect(parseRequest("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n")),
            ExpectAction::kStrip);
  EXPECT_EQ(decideExpect(parseRequest("PUT / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n"
                                      "Content-Length: 5\r\n\r\n")),
            ExpectAction::kReject);
  const auto h = parseRequest("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(rewriteRequestHead(h, kClient, {}, false, ExpectAction::kStrip).find("Expect"),
            std::string::npos);
}

TEST(RewriteTest, ResponseConnectionDecision) {
  const auto r = parseResponse(
      "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
      "Content-Length: 2\r\n\r\n");
  EXPECT_EQ(rewriteResponseHead(r, {}, true, 1, false),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(rewriteResponseHead(r, {}, false, 1, false),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(rewriteResponseHead(r, {}, true, 0, false),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n");
}

TEST(RewriteTest, SwitchingProtocolsResponseKeepsUpgradeWhenTunnelling) {
  const auto r = parseResponse(
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Accept: x\r\n\r\n");
  EXPECT_EQ(rewriteResponseHead(r, {}, true, 1, true),
            "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: x\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
}

}  // namespace
}  // namespace floe::http
