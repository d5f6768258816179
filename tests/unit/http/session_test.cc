// The sans-IO proxy session, driven with no sockets: effects in, effects out.
#include "http/session.h"

#include <gtest/gtest.h>

#include <string>

namespace floe::http {
namespace {

using Kind = Effect::Kind;

// Everything a sequence of calls produced, concatenated per kind.
struct Seen {
  std::string to_client;
  std::string to_server;
  std::vector<Effect> all;
  bool has(Kind k) const {
    for (const auto& e : all) {
      if (e.kind == k) return true;
    }
    return false;
  }
  int count(Kind k) const {
    int n = 0;
    for (const auto& e : all) n += e.kind == k;
    return n;
  }
  bool armed(Timer t) const {
    for (const auto& e : all) {
      if (e.kind == Kind::kArmTimer && e.timer == t) return true;
    }
    return false;
  }
};

Seen see(const Session::Effects& effects) {
  Seen s;
  s.all = effects;
  for (const auto& e : effects) {
    if (e.kind == Kind::kSendToClient) s.to_client += e.bytes;
    if (e.kind == Kind::kSendToServer) s.to_server += e.bytes;
  }
  return s;
}

SessionConfig smallConfig() {
  SessionConfig c;
  c.buffer_bytes = 1024;
  return c;
}

const ClientInfo kClient{"198.51.100.9", false};
const std::string kGet = "GET /x HTTP/1.1\r\nHost: www\r\n\r\n";
const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";

// A session that has answered one GET and kept both sides alive.
class SessionTest : public ::testing::Test {
 protected:
  Session s_{smallConfig(), kClient};
};

TEST_F(SessionTest, ForwardsARequestAndRelaysTheResponse) {
  Seen st = see(s_.start());
  EXPECT_TRUE(st.armed(Timer::kClientHeader));
  Seen a = see(s_.onClientData(kGet));
  EXPECT_TRUE(a.has(Kind::kOpenServer));
  EXPECT_TRUE(a.armed(Timer::kServerConnect));
  EXPECT_TRUE(a.to_server.empty());  // queued until connected
  Seen b = see(s_.onServerConnected(false));
  EXPECT_EQ(b.to_server,
            "GET /x HTTP/1.1\r\nHost: www\r\nX-Forwarded-For: 198.51.100.9\r\n"
            "X-Forwarded-Proto: http\r\n\r\n");
  Seen c = see(s_.onServerData(kOk));
  EXPECT_EQ(c.to_client, kOk);
  EXPECT_TRUE(c.has(Kind::kReleaseServer));
  EXPECT_FALSE(c.has(Kind::kCloseClient));
  EXPECT_TRUE(c.armed(Timer::kKeepalive));
  EXPECT_EQ(s_.counters().requests, 1u);
  EXPECT_EQ(s_.counters().responses[2], 1u);
}

TEST_F(SessionTest, KeepAliveReusesAPooledServerConnection) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(false);
  (void)s_.onServerData(kOk);
  Seen a = see(s_.onClientData(kGet));
  EXPECT_TRUE(a.has(Kind::kOpenServer));
  EXPECT_TRUE(a.armed(Timer::kClientHeader));  // keep-alive timer swapped for header timer
  Seen b = see(s_.onServerConnected(true));
  EXPECT_NE(b.to_server.find("GET /x"), std::string::npos);
  Seen c = see(s_.onServerData(kOk));
  EXPECT_EQ(c.to_client, kOk);
  EXPECT_EQ(s_.counters().server_connections_requested, 2u);
  EXPECT_EQ(s_.counters().server_connections_reused, 1u);
}

TEST_F(SessionTest, PipelinedRequestsAreAnsweredInOrder) {
  (void)s_.start();
  const std::string r2 = "GET /second HTTP/1.1\r\nHost: www\r\n\r\n";
  (void)s_.onClientData(kGet + r2);
  Seen a = see(s_.onServerConnected(false));
  EXPECT_NE(a.to_server.find("GET /x"), std::string::npos);
  EXPECT_EQ(a.to_server.find("/second"), std::string::npos);  // held back
  Seen b = see(s_.onServerData(kOk));
  EXPECT_EQ(b.to_client, kOk);
  EXPECT_TRUE(b.has(Kind::kReleaseServer));
  EXPECT_TRUE(b.has(Kind::kOpenServer));  // the second request goes out now
  Seen c = see(s_.onServerConnected(true));
  EXPECT_NE(c.to_server.find("GET /second"), std::string::npos);
  Seen d = see(s_.onServerData("HTTP/1.1 204 No Content\r\n\r\n"));
  EXPECT_EQ(d.to_client, "HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(s_.counters().requests, 2u);
}

TEST_F(SessionTest, SmugglingAttemptGets400AndNoServerConnection) {
  (void)s_.start();
  Seen a = see(s_.onClientData(
      "POST / HTTP/1.1\r\nHost: www\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\nG"));
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << a.to_client;
  EXPECT_NE(a.to_client.find("both Content-Length and Transfer-Encoding"), std::string::npos);
  EXPECT_TRUE(a.has(Kind::kCloseClient));
  EXPECT_FALSE(a.has(Kind::kOpenServer));
  EXPECT_TRUE(s_.closed());
  EXPECT_EQ(s_.counters().parse_errors, 1u);
}

TEST_F(SessionTest, UnknownTransferCodingGets501) {
  (void)s_.start();
  Seen a = see(
      s_.onClientData("POST / HTTP/1.1\r\nHost: www\r\nTransfer-Encoding: foo, chunked\r\n\r\n"));
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 501 Not Implemented\r\n", 0), 0u);
}

TEST_F(SessionTest, ErrorResponseIsWellFormed) {
  const std::string r = errorResponse(503, "no server is available");
  Parser p(MessageKind::kResponse, {});
  p.setRequestMethod("GET");
  Parser::Step s = p.feed(r);
  ASSERT_EQ(s.event, Parser::Event::kHead);
  EXPECT_EQ(p.head().status, 503);
  EXPECT_FALSE(p.head().keep_alive);
  Parser::Step b = p.feed(std::string_view(r).substr(s.consumed));
  EXPECT_TRUE(b.message_complete);
  EXPECT_EQ(b.body, "503 Service Unavailable: no server is available\n");
}

TEST_F(SessionTest, RefusedServerGives502) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  Seen a = see(s_.onServerConnectFailed());
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 502 Bad Gateway\r\n", 0), 0u);
  EXPECT_NE(a.to_client.find("refused"), std::string::npos);
  EXPECT_TRUE(a.has(Kind::kCloseClient));
}

TEST_F(SessionTest, NoServerUpGives503) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  Seen a = see(s_.onNoServer());
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u);
}

TEST_F(SessionTest, ConnectTimeoutGives504) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  Seen a = see(s_.onTimer(Timer::kServerConnect));
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 504 Gateway Timeout\r\n", 0), 0u);
  EXPECT_TRUE(a.has(Kind::kCloseServer));
  EXPECT_EQ(s_.counters().server_timeouts, 1u);
}

TEST_F(SessionTest, ResponseTimeoutGives504) {
  (void)s_.start();
  Seen a = see(s_.onClientData(kGet));
  (void)s_.onServerConnected(false);
  EXPECT_TRUE(a.armed(Timer::kServerResponse));
  Seen b = see(s_.onTimer(Timer::kServerResponse));
  EXPECT_EQ(b.to_client.rfind("HTTP/1.1 504 Gateway Timeout\r\n", 0), 0u);
  EXPECT_NE(b.to_client.find("did not respond"), std::string::npos);
}

TEST_F(SessionTest, ServerResetBeforeAnsweringGives502) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(false);
  Seen a = see(s_.onServerReset());
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 502 Bad Gateway\r\n", 0), 0u);
  EXPECT_NE(a.to_client.find("reset"), std::string::npos);
}

TEST_F(SessionTest, InvalidResponseGives502) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(false);
  Seen a =
      see(s_.onServerData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"));
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 502 Bad Gateway\r\n", 0), 0u);
}

TEST_F(SessionTest, PooledConnectionClosedByServerIsRetriedOnceForIdempotentRequest) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(true);  // from the pool
  Seen a = see(s_.onServerEof());
  EXPECT_TRUE(a.to_client.empty());
  EXPECT_TRUE(a.has(Kind::kCloseServer));
  EXPECT_TRUE(a.has(Kind::kOpenServer));
  Seen b = see(s_.onServerConnected(false));
  EXPECT_NE(b.to_server.find("GET /x HTTP/1.1"), std::string::npos);
  Seen c = see(s_.onServerData(kOk));
  EXPECT_EQ(c.to_client, kOk);
  EXPECT_EQ(s_.counters().retries, 1u);
}

TEST_F(SessionTest, FreshConnectionClosedWithoutAnswerIsNotRetried) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(false);
  Seen a = see(s_.onServerEof());
  EXPECT_FALSE(a.has(Kind::kOpenServer));
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 502 Bad Gateway\r\n", 0), 0u);
}

TEST_F(SessionTest, PostOnPooledConnectionIsNotRetried) {
  (void)s_.start();
  (void)s_.onClientData("POST / HTTP/1.1\r\nHost: www\r\nContent-Length: 1\r\n\r\nx");
  (void)s_.onServerConnected(true);
  Seen a = see(s_.onServerEof());
  EXPECT_FALSE(a.has(Kind::kOpenServer));
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 502", 0), 0u);
}

TEST_F(SessionTest, ResetAfterResponseStartedResetsClient) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(false);
  (void)s_.onServerData("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
  Seen a = see(s_.onServerReset());
  EXPECT_TRUE(a.has(Kind::kResetClient));
  EXPECT_TRUE(a.to_client.empty());
}

TEST_F(SessionTest, SlowlorisHeadTimesOutWith408) {
  (void)s_.start();
  (void)s_.onClientData("GET / HTTP/1.1\r\nHost: w");
  Seen a = see(s_.onTimer(Timer::kClientHeader));
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u);
  EXPECT_NE(a.to_client.find("client_header_timeout"), std::string::npos);
  EXPECT_TRUE(a.has(Kind::kCloseClient));
  EXPECT_EQ(s_.counters().client_timeouts, 1u);
}

TEST_F(SessionTest, SilentConnectionIsClosedAtHeaderTimeout) {
  (void)s_.start();
  Seen a = see(s_.onTimer(Timer::kClientHeader));
  EXPECT_TRUE(a.to_client.empty());
  EXPECT_TRUE(a.has(Kind::kCloseClient));
}

TEST_F(SessionTest, IdleKeepAliveConnectionIsClosed) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(false);
  (void)s_.onServerData(kOk);
  EXPECT_TRUE(see(s_.onTimer(Timer::kClientHeader)).all.empty());  // stale: ignored
  Seen a = see(s_.onTimer(Timer::kKeepalive));
  EXPECT_TRUE(a.has(Kind::kCloseClient));
  EXPECT_TRUE(a.to_client.empty());
}

TEST_F(SessionTest, StalledBodyTimesOutWith408) {
  (void)s_.start();
  Seen a = see(s_.onClientData("POST / HTTP/1.1\r\nHost: www\r\nContent-Length: 10\r\n\r\nabc"));
  EXPECT_TRUE(a.armed(Timer::kClientBody));
  (void)s_.onServerConnected(false);
  Seen b = see(s_.onTimer(Timer::kClientBody));
  EXPECT_EQ(b.to_client.rfind("HTTP/1.1 408", 0), 0u);
  EXPECT_TRUE(b.has(Kind::kCloseServer));
}

TEST_F(SessionTest, LargeUploadIsStreamedWithBoundedBuffering) {
  (void)s_.start();
  const std::size_t total = 1 << 20;
  (void)s_.onClientData(
      "PUT /big HTTP/1.1\r\nHost: www\r\nContent-Length: " + std::to_string(total) + "\r\n\r\n");
  (void)s_.onServerConnected(false);
  std::size_t written = 0;
  std::size_t sent = 0;
  std::size_t max_outstanding = 0;
  bool paused = false;
  const std::string piece(512, 'a');
  for (std::size_t fed = 0; fed < total; fed += piece.size()) {
    ASSERT_FALSE(paused) << "fed while paused";
    Seen a = see(s_.onClientData(piece));
    sent += a.to_server.size();
    if (a.has(Kind::kPauseClientReads)) paused = true;
    max_outstanding = std::max(max_outstanding, sent - written);
    if (paused) {  // the server takes everything outstanding
      Seen w = see(s_.onServerWritten(sent - written));
      written = sent;
      EXPECT_TRUE(w.has(Kind::kResumeClientReads));
      paused = false;
    }
  }
  EXPECT_GE(sent, total);
  EXPECT_LE(max_outstanding, 1024u + 512u + 200u);  // buffer + one read (+ the head)
  Seen r = see(s_.onServerData("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_EQ(r.to_client.rfind("HTTP/1.1 201", 0), 0u);
}

TEST_F(SessionTest, BytesArrivingWhileConnectingPauseClientReads) {
  (void)s_.start();
  Seen a = see(s_.onClientData("POST / HTTP/1.1\r\nHost: www\r\nContent-Length: 5000\r\n\r\n" +
                               std::string(2000, 'b')));
  EXPECT_TRUE(a.has(Kind::kPauseClientReads));
  EXPECT_TRUE(a.to_server.empty());  // queued while connecting
  Seen b = see(s_.onServerConnected(false));
  EXPECT_NE(b.to_server.find("Content-Length: 5000\r\n"), std::string::npos);
  EXPECT_EQ(b.to_server.substr(b.to_server.size() - 2000), std::string(2000, 'b'));
  Seen c = see(s_.onServerWritten(b.to_server.size()));
  EXPECT_TRUE(c.has(Kind::kResumeClientReads));
}

TEST_F(SessionTest, LargeDownloadPausesServerReads) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(false);
  Seen a = see(s_.onServerData("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" +
                               std::string(2000, 'z')));
  EXPECT_TRUE(a.has(Kind::kPauseServerReads));
  Seen b = see(s_.onClientWritten(a.to_client.size()));
  EXPECT_TRUE(b.has(Kind::kResumeServerReads));
}

TEST_F(SessionTest, HeldPipelinedInputPausesClientReads) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  std::string more;
  while (more.size() <= 1024) more += kGet;
  Seen a = see(s_.onClientData(more));
  EXPECT_TRUE(a.has(Kind::kPauseClientReads));
}

TEST_F(SessionTest, WebSocketIsTunnelledAfter101) {
  (void)s_.start();
  (void)s_.onClientData(
      "GET /ws HTTP/1.1\r\nHost: www\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Key: k\r\nSec-WebSocket-Version: 13\r\n\r\n");
  Seen a = see(s_.onServerConnected(false));
  EXPECT_NE(a.to_server.find("Upgrade: websocket\r\nConnection: Upgrade\r\n"), std::string::npos);
  Seen b = see(s_.onServerData(
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Accept: a\r\n\r\n\x81\x02hi"));
  EXPECT_TRUE(s_.tunnelling());
  EXPECT_NE(b.to_client.find("Connection: Upgrade\r\n\r\n\x81\x02hi"), std::string::npos);
  Seen c = see(s_.onClientData("\x81\x85masked"));
  EXPECT_EQ(c.to_server, "\x81\x85masked");
  Seen d = see(s_.onServerEof());
  EXPECT_TRUE(d.has(Kind::kCloseClient));
}

TEST_F(SessionTest, Unrequested101Gives502) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(false);
  Seen a = see(s_.onServerData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"));
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 502", 0), 0u);
}

TEST_F(SessionTest, ExpectContinueIsRelayed) {
  (void)s_.start();
  (void)s_.onClientData(
      "PUT /u HTTP/1.1\r\nHost: www\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  Seen a = see(s_.onServerConnected(false));
  EXPECT_NE(a.to_server.find("Expect: 100-continue\r\n"), std::string::npos);
  Seen b = see(s_.onServerData("HTTP/1.1 100 Continue\r\n\r\n"));
  EXPECT_EQ(b.to_client, "HTTP/1.1 100 Continue\r\n\r\n");
  Seen c = see(s_.onClientData("abc"));
  EXPECT_EQ(c.to_server, "abc");
  Seen d = see(s_.onServerData(kOk));
  EXPECT_EQ(d.to_client, kOk);
  EXPECT_TRUE(d.has(Kind::kReleaseServer));
}

TEST_F(SessionTest, UnknownExpectationGets417) {
  (void)s_.start();
  Seen a = see(s_.onClientData(
      "PUT /u HTTP/1.1\r\nHost: www\r\nExpect: teapot\r\nContent-Length: 3\r\n\r\n"));
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 417", 0), 0u);
  EXPECT_FALSE(a.has(Kind::kOpenServer));
}

TEST_F(SessionTest, InterimResponseIsNotSentToHttp10Client) {
  (void)s_.start();
  (void)s_.onClientData("PUT /u HTTP/1.0\r\nContent-Length: 1\r\n\r\nx");
  (void)s_.onServerConnected(false);
  Seen a = see(s_.onServerData("HTTP/1.1 100 Continue\r\n\r\n" + kOk));
  EXPECT_EQ(a.to_client.find("100 Continue"), std::string::npos);
  EXPECT_NE(a.to_client.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(a.has(Kind::kCloseClient));  // HTTP/1.0 without keep-alive
}

TEST_F(SessionTest, ResponseUntilCloseEndsTheClientConnection) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(false);
  Seen a = see(s_.onServerData("HTTP/1.1 200 OK\r\n\r\nstream"));
  EXPECT_NE(a.to_client.find("Connection: close\r\n\r\nstream"), std::string::npos);
  Seen b = see(s_.onServerEof());
  EXPECT_TRUE(b.has(Kind::kCloseClient));
  EXPECT_FALSE(b.has(Kind::kResetClient));
}

TEST_F(SessionTest, ClientHalfCloseStillGetsItsResponse) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  Seen a = see(s_.onClientEof());
  EXPECT_FALSE(a.has(Kind::kCloseClient));
  (void)s_.onServerConnected(false);
  Seen b = see(s_.onServerData(kOk));
  EXPECT_NE(b.to_client.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(b.has(Kind::kCloseClient));
}

TEST_F(SessionTest, ServerConnectionClosingIsNotReleased) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(false);
  Seen a =
      see(s_.onServerData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_FALSE(a.has(Kind::kReleaseServer));
  EXPECT_TRUE(a.has(Kind::kCloseServer));
  EXPECT_FALSE(a.has(Kind::kCloseClient));  // the client side stays alive
}

TEST_F(SessionTest, BytesAfterAResponseMakeTheServerUnreusable) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(false);
  Seen a = see(s_.onServerData(kOk + "junk"));
  EXPECT_FALSE(a.has(Kind::kReleaseServer));
  EXPECT_TRUE(a.has(Kind::kCloseServer));
  EXPECT_EQ(a.to_client, kOk);
}

TEST_F(SessionTest, ResponseToHeadEndsAfterItsHead) {
  (void)s_.start();
  (void)s_.onClientData("HEAD /x HTTP/1.1\r\nHost: www\r\n\r\n");
  (void)s_.onServerConnected(false);
  Seen a = see(s_.onServerData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"));
  EXPECT_TRUE(a.has(Kind::kReleaseServer));
  EXPECT_TRUE(a.armed(Timer::kKeepalive));
}

TEST_F(SessionTest, Http10RequestIsForwardedAsHttp10) {
  (void)s_.start();
  (void)s_.onClientData("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  Seen a = see(s_.onServerConnected(false));
  EXPECT_EQ(a.to_server.rfind("GET / HTTP/1.0\r\n", 0), 0u);
  EXPECT_EQ(a.to_server.find("Connection"), std::string::npos);
  Seen b = see(s_.onServerData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_NE(b.to_client.find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_FALSE(b.has(Kind::kCloseClient));
}

TEST_F(SessionTest, CountsBytesBothWays) {
  (void)s_.start();
  (void)s_.onClientData(kGet);
  (void)s_.onServerConnected(false);
  (void)s_.onServerData(kOk);
  EXPECT_EQ(s_.counters().bytes_from_client, kGet.size());
  EXPECT_EQ(s_.counters().bytes_from_server, kOk.size());
  EXPECT_EQ(s_.counters().bytes_to_client, kOk.size());
  EXPECT_GT(s_.counters().bytes_to_server, kGet.size());  // X-Forwarded-* added
}

// Lingering close (docs/http.md): the session says whether the client may still be sending
// when its connection is closed, so that the worker reads the rest away instead of closing.
TEST_F(SessionTest, EarlyAnswerMidBodyLeavesTheClientSending) {
  (void)s_.start();
  (void)s_.onClientData("POST /up HTTP/1.1\r\nHost: www\r\nContent-Length: 1000000\r\n\r\nab");
  (void)s_.onServerConnected(false);
  Seen a = see(s_.onServerData(
      "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 3\r\nConnection: close\r\n\r\nno\n"));
  EXPECT_NE(a.to_client.find("Connection: close"), std::string::npos) << a.to_client;
  EXPECT_TRUE(a.has(Kind::kCloseClient));
  EXPECT_TRUE(s_.clientMaySend());
}

TEST_F(SessionTest, ErrorMidHeadOrWithPipelinedBytesLeavesTheClientSending) {
  (void)s_.start();
  Seen a = see(s_.onClientData("GET / HTTP/1.1\r\nHost: www\r\nBad Name: x\r\n\r\nGET /next"));
  EXPECT_EQ(a.to_client.rfind("HTTP/1.1 400 ", 0), 0u) << a.to_client;
  EXPECT_TRUE(s_.clientMaySend());

  Session b{smallConfig(), kClient};
  (void)b.start();
  (void)b.onClientData("POST /up HTTP/1.1\r\nHost: www\r\nContent-Length: 100\r\n\r\nab");
  Seen t = see(b.onServerConnectFailed());
  EXPECT_EQ(t.to_client.rfind("HTTP/1.1 502 ", 0), 0u) << t.to_client;
  EXPECT_TRUE(b.clientMaySend());
}

TEST_F(SessionTest, CompleteRequestOrEofLeavesNothingToLingerFor) {
  // Connection: close after a complete request: nothing more is expected.
  (void)s_.start();
  EXPECT_FALSE(s_.clientMaySend());
  (void)s_.onClientData("GET / HTTP/1.1\r\nHost: www\r\nConnection: close\r\n\r\n");
  (void)s_.onServerConnected(false);
  Seen a = see(s_.onServerData(kOk));
  EXPECT_TRUE(a.has(Kind::kCloseClient));
  EXPECT_FALSE(s_.clientMaySend());

  // The client's EOF mid-body: it sends nothing more.
  Session b{smallConfig(), kClient};
  (void)b.start();
  (void)b.onClientData("POST /up HTTP/1.1\r\nHost: www\r\nContent-Length: 100\r\n\r\nab");
  (void)b.onServerConnected(false);
  Seen e = see(b.onClientEof());
  EXPECT_TRUE(e.has(Kind::kCloseClient));
  EXPECT_FALSE(b.clientMaySend());

  // A reset stays a reset.
  Session c{smallConfig(), kClient};
  (void)c.start();
  (void)c.onClientData("POST /up HTTP/1.1\r\nHost: www\r\nContent-Length: 100\r\n\r\nab");
  (void)c.onServerConnected(false);
  (void)c.onServerData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  Seen r = see(c.onServerReset());
  EXPECT_TRUE(r.has(Kind::kResetClient));
  EXPECT_FALSE(c.clientMaySend());
}

}  // namespace
}  // namespace floe::http
