// Parser: RFC 9112 framing, limits, pipelining, and the request-smuggling corpus.
#include "http/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace std::string_literals;

namespace floe::http {
namespace {

// Feeds the whole input; returns the final step and collects body bytes and completions.
struct FeedRun {
  Parser::Step last;
  std::string body;
  int heads = 0;
  int completes = 0;
  std::vector<std::size_t> message_ends;  // stream offsets where messages completed
};

FeedRun feedAll(Parser& p, std::string_view in, std::size_t chunk = 0) {
  FeedRun r;
  std::size_t pos = 0;
  std::uint64_t base = p.offset();
  while (pos < in.size()) {
    std::size_t n = chunk == 0 ? in.size() - pos : std::min(chunk, in.size() - pos);
    std::string_view piece = in.substr(pos, n);
    while (true) {
      Parser::Step s = p.feed(piece);
      r.last = s;
      if (s.event == Parser::Event::kError) return r;
      if (s.event == Parser::Event::kHead) ++r.heads;
      if (s.event == Parser::Event::kBody) r.body.append(s.body);
      if (s.message_complete) {
        ++r.completes;
        r.message_ends.push_back(static_cast<std::size_t>(p.offset() - base));
      }
      piece.remove_prefix(s.consumed);
      if (piece.empty()) break;
    }
    pos += n;
  }
  return r;
}

int rejectStatus(std::string_view in, MessageKind kind = MessageKind::kRequest,
                 Limits limits = {}) {
  Parser p(kind, limits);
  FeedRun r = feedAll(p, in);
  if (r.last.event != Parser::Event::kError) return 0;
  return p.error().status;
}

TEST(ParserTest, ParsesSimpleGet) {
  Parser p(MessageKind::kRequest, {});
  FeedRun r = feedAll(p, "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nUser-Agent:  t  \r\n\r\n");
  EXPECT_EQ(r.heads, 1);
  EXPECT_EQ(r.completes, 1);
  EXPECT_EQ(p.head().method, "GET");
  EXPECT_EQ(p.head().target, "/a?b=1");
  EXPECT_EQ(p.head().framing, Framing::kNone);
  EXPECT_TRUE(p.head().keep_alive);
  ASSERT_NE(p.head().find("user-agent"), nullptr);
  EXPECT_EQ(*p.head().find("user-agent"), "t");
}

TEST(ParserTest, ContentLengthBodyByteByByte) {
  Parser p(MessageKind::kRequest, {});
  FeedRun r = feedAll(p, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 1);
  EXPECT_EQ(r.completes, 1);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(p.head().framing, Framing::kContentLength);
  EXPECT_EQ(p.head().content_length, 5u);
}

TEST(ParserTest, ChunkedBodyIsPassedRawWithTrailers) {
  const std::string body = "5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n";
  Parser p(MessageKind::kRequest, {});
  FeedRun r =
      feedAll(p, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body, 3);
  EXPECT_EQ(r.completes, 1);
  EXPECT_EQ(r.body, body);
  EXPECT_EQ(p.head().framing, Framing::kChunked);
}

TEST(ParserTest, PipelinedRequestsEndAtTheRightOffsets) {
  const std::string a = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string b = "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  const std::string c = "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n";
  Parser p(MessageKind::kRequest, {});
  Parser::Step s = p.feed(a + b + c);
  EXPECT_EQ(s.event, Parser::Event::kHead);
  EXPECT_TRUE(s.message_complete);
  EXPECT_EQ(s.consumed, a.size());
  EXPECT_EQ(p.head().target, "/1");
  FeedRun r = feedAll(p, b + c);
  EXPECT_EQ(r.completes, 2);
  ASSERT_EQ(r.message_ends.size(), 2u);
  EXPECT_EQ(r.message_ends[0], b.size());
  EXPECT_EQ(r.message_ends[1], b.size() + c.size());
  EXPECT_EQ(p.head().target, "/3");
}

TEST(ParserTest, IgnoresEmptyLineBeforeRequestLine) {
  Parser p(MessageKind::kRequest, {});
  FeedRun r = feedAll(p, "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.completes, 1);
  EXPECT_EQ(p.head().method, "GET");
}

TEST(ParserTest, Http10WithoutKeepAliveIsNotKeptAlive) {
  Parser p(MessageKind::kRequest, {});
  FeedRun r = feedAll(p, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.completes, 1);
  EXPECT_FALSE(p.head().keep_alive);
}

TEST(ParserTest, ConnectionCloseIsNotKeptAlive) {
  Parser p(MessageKind::kRequest, {});
  feedAll(p, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_FALSE(p.head().keep_alive);
}

TEST(ParserTest, DetectsWebSocketUpgrade) {
  Parser p(MessageKind::kRequest, {});
  FeedRun r = feedAll(
      p, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
  EXPECT_EQ(r.completes, 1);
  EXPECT_TRUE(p.head().upgrade);
}

TEST(ParserTest, ResponseUntilCloseCompletesOnFinish) {
  Parser p(MessageKind::kResponse, {});
  p.setRequestMethod("GET");
  FeedRun r = feedAll(p, "HTTP/1.1 200 OK\r\n\r\nabc");
  EXPECT_EQ(p.head().framing, Framing::kUntilClose);
  EXPECT_EQ(r.body, "abc");
  EXPECT_EQ(r.completes, 0);
  Parser::Step s = p.finish();
  EXPECT_EQ(s.event, Parser::Event::kBody);
  EXPECT_TRUE(s.message_complete);
}

TEST(ParserTest, ResponseToHeadHasNoBody) {
  Parser p(MessageKind::kResponse, {});
  p.setRequestMethod("HEAD");
  FeedRun r = feedAll(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
  EXPECT_EQ(r.completes, 1);
  EXPECT_EQ(p.head().framing, Framing::kNone);
  EXPECT_EQ(p.head().status, 200);
}

TEST(ParserTest, InterimResponseThenFinal) {
  Parser p(MessageKind::kResponse, {});
  p.setRequestMethod("POST");
  FeedRun r = feedAll(p, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(r.completes, 2);
  EXPECT_EQ(p.head().status, 204);
}

TEST(ParserTest, TruncatedBodyIsAnErrorOnFinish) {
  Parser p(MessageKind::kResponse, {});
  p.setRequestMethod("GET");
  feedAll(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(p.finish().event, Parser::Event::kError);
}

TEST(ParserTest, FinishBetweenMessagesIsClean) {
  Parser p(MessageKind::kRequest, {});
  feedAll(p, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(p.finish().event, Parser::Event::kNeedMore);
}

TEST(ParserTest, ReportsErrorOffset) {
  Parser p(MessageKind::kRequest, {});
  FeedRun r = feedAll(p, "GET / HTTP/1.1\r\nHost: x\r\nA\x01: b\r\n\r\n");
  ASSERT_EQ(r.last.event, Parser::Event::kError);
  EXPECT_EQ(p.error().offset, 26u);
}

// --- limits ---

TEST(ParserLimitsTest, OversizedHeadIs431) {
  Limits l;
  l.max_head_bytes = 100;
  std::string req = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 10; ++i) req += "X-A: 0123456789\r\n";
  EXPECT_EQ(rejectStatus(req + "\r\n", MessageKind::kRequest, l), 431);
}

TEST(ParserLimitsTest, OversizedFieldLineIs431EvenBeforeItEnds) {
  Limits l;
  l.max_field_line_bytes = 50;
  EXPECT_EQ(rejectStatus("GET / HTTP/1.1\r\nX: " + std::string(60, 'a'), MessageKind::kRequest, l),
            431);
}

TEST(ParserLimitsTest, TooManyFieldsIs431) {
  Limits l;
  l.max_fields = 3;
  EXPECT_EQ(rejectStatus("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                         MessageKind::kRequest, l),
            431);
}

TEST(ParserLimitsTest, LongRequestLineIs414) {
  Limits l;
  l.max_start_line_bytes = 40;
  EXPECT_EQ(rejectStatus("GET /" + std::string(60, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
                         MessageKind::kRequest, l),
            414);
}

TEST(ParserLimitsTest, LargeContentLengthIs413) {
  Limits l;
  l.max_body_bytes = 10;
  EXPECT_EQ(rejectStatus("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n",
                         MessageKind::kRequest, l),
            413);
}

TEST(ParserLimitsTest, LargeChunkedBodyIs413) {
  Limits l;
  l.max_body_bytes = 10;
  EXPECT_EQ(rejectStatus("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n",
                         MessageKind::kRequest, l),
            413);
}

TEST(ParserLimitsTest, BodyAtTheLimitPasses) {
  Limits l;
  l.max_body_bytes = 5;
  EXPECT_EQ(rejectStatus("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
                         MessageKind::kRequest, l),
            0);
}

// --- the request-smuggling corpus: each case and the status it must get ---

struct SmugglingCase {
  const char* name;
  std::string request;
  int status;
};

class SmugglingTest : public ::testing::TestWithParam<SmugglingCase> {};

TEST_P(SmugglingTest, IsRejectedWithTheRightStatus) {
  EXPECT_EQ(rejectStatus(GetParam().request), GetParam().status) << GetParam().name;
  // Also when it arrives a byte at a time.
  Parser p(MessageKind::kRequest, {});
  FeedRun r = feedAll(p, GetParam().request, 1);
  ASSERT_EQ(r.last.event, Parser::Event::kError) << GetParam().name;
  EXPECT_EQ(p.error().status, GetParam().status) << GetParam().name;
}

const std::string kPost = "POST / HTTP/1.1\r\nHost: x\r\n";

INSTANTIATE_TEST_SUITE_P(
    Corpus, SmugglingTest,
    ::testing::Values(
        SmugglingCase{"CL_TE",
                      kPost + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
                      400},
        SmugglingCase{
            "TE_CL",
            kPost +
                "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
            400},
        SmugglingCase{"TE_TE_unknown_second",
                      kPost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n",
                      501},
        SmugglingCase{"TE_xchunked", kPost + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 501},
        SmugglingCase{"TE_space_inside", kPost + "Transfer-Encoding: chun ked\r\n\r\n0\r\n\r\n",
                      501},
        SmugglingCase{"TE_chunked_then_identity",
                      kPost + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 501},
        SmugglingCase{"TE_gzip_last", kPost + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
                      400},
        SmugglingCase{
            "TE_chunked_twice",
            kPost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400},
        SmugglingCase{"TE_with_parameter",
                      kPost + "Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", 400},
        SmugglingCase{"TE_empty", kPost + "Transfer-Encoding: \r\n\r\n", 400},
        SmugglingCase{"TE_vertical_tab", kPost + "Transfer-Encoding: chunked\x0b\r\n\r\n0\r\n\r\n",
                      400},
        SmugglingCase{"TE_obs_fold", kPost + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
                      400},
        SmugglingCase{"TE_space_before_colon",
                      kPost + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400},
        SmugglingCase{"TE_tab_before_colon",
                      kPost + "Transfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n", 400},
        SmugglingCase{"TE_in_http10",
                      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        SmugglingCase{"CL_duplicate_same",
                      kPost + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400},
        SmugglingCase{"CL_duplicate_different",
                      kPost + "Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", 400},
        SmugglingCase{"CL_list", kPost + "Content-Length: 3, 3\r\n\r\nabc", 400},
        SmugglingCase{"CL_plus_sign", kPost + "Content-Length: +3\r\n\r\nabc", 400},
        SmugglingCase{"CL_negative", kPost + "Content-Length: -1\r\n\r\n", 400},
        SmugglingCase{"CL_hex", kPost + "Content-Length: 0x3\r\n\r\nabc", 400},
        SmugglingCase{"CL_overflow", kPost + "Content-Length: 99999999999999999999999\r\n\r\n",
                      400},
        SmugglingCase{"CL_empty", kPost + "Content-Length: \r\n\r\n", 400},
        SmugglingCase{
            "chunk_size_overflow",
            kPost + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF1\r\nx\r\n0\r\n\r\n", 400},
        SmugglingCase{"chunk_size_not_hex",
                      kPost + "Transfer-Encoding: chunked\r\n\r\nzz\r\nx\r\n0\r\n\r\n", 400},
        SmugglingCase{"chunk_size_negative",
                      kPost + "Transfer-Encoding: chunked\r\n\r\n-1\r\nx\r\n0\r\n\r\n", 400},
        SmugglingCase{"chunk_size_bare_lf",
                      kPost + "Transfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n", 400},
        SmugglingCase{"chunk_data_no_crlf",
                      kPost + "Transfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n", 400},
        SmugglingCase{"chunk_ext_bare_lf",
                      kPost + "Transfer-Encoding: chunked\r\n\r\n1;a\nx\r\n0\r\n\r\n", 400},
        SmugglingCase{"chunk_ext_bare_cr",
                      kPost + "Transfer-Encoding: chunked\r\n\r\n1;a\rb\r\nx\r\n0\r\n\r\n", 400},
        SmugglingCase{"chunk_ext_nul",
                      kPost + "Transfer-Encoding: chunked\r\n\r\n1;a\0b\r\nx\r\n0\r\n\r\n"s, 400},
        SmugglingCase{"chunk_ext_space_before_semicolon_lf",
                      kPost + "Transfer-Encoding: chunked\r\n\r\n1 ;\nx\r\n0\r\n\r\n", 400},
        SmugglingCase{"trailer_obs_fold",
                      kPost + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX: a\r\n b\r\n\r\n",
                      400},
        SmugglingCase{"trailer_space_before_colon",
                      kPost + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX : a\r\n\r\n",
                      400},
        SmugglingCase{"trailer_bare_lf",
                      kPost + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX: a\nY: b\r\n\r\n",
                      400},
        SmugglingCase{"nul_in_value", kPost + "X: a\0b\r\n\r\n"s, 400},
        SmugglingCase{"nul_in_name", kPost + "X\0Y: a\r\n\r\n"s, 400},
        SmugglingCase{"nul_in_target", "GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n"s, 400},
        SmugglingCase{"bare_cr_in_value", kPost + "X: a\rContent-Length: 5\r\n\r\n", 400},
        SmugglingCase{"bare_cr_line_end", kPost + "X: a\r\rContent-Length: 5\r\n\r\n", 400},
        SmugglingCase{"bare_lf_line_end", kPost + "X: a\nContent-Length: 5\r\n\r\n", 400},
        SmugglingCase{"bare_lf_head_end", kPost + "X: a\r\n\n", 400},
        SmugglingCase{"bare_lf_request_line", "GET / HTTP/1.1\nHost: x\r\n\r\n", 400},
        SmugglingCase{"obs_fold", kPost + "X: a\r\n\tb\r\n\r\n", 400},
        SmugglingCase{"whitespace_first_field", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400},
        SmugglingCase{"invalid_name_byte", kPost + "X@Y: a\r\n\r\n", 400},
        SmugglingCase{"del_in_value", kPost + "X: a\x7f\r\n\r\n", 400},
        SmugglingCase{"no_colon", kPost + "Content-Length 5\r\n\r\n", 400},
        SmugglingCase{"host_missing", "GET / HTTP/1.1\r\n\r\n", 400},
        SmugglingCase{"host_twice", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        SmugglingCase{"bad_version", "GET / HTTP/1.x\r\nHost: x\r\n\r\n", 400},
        SmugglingCase{"bad_method", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400}),
    [](const ::testing::TestParamInfo<SmugglingCase>& i) { return std::string(i.param.name); });

TEST(ParserTest, WellFormedChunkExtensionIsAccepted) {
  Parser p(MessageKind::kRequest, {});
  FeedRun r =
      feedAll(p, kPost + "Transfer-Encoding: chunked\r\n\r\n1;name=value\r\nx\r\n0\r\n\r\n");
  EXPECT_EQ(r.last.event, Parser::Event::kBody);
  EXPECT_EQ(r.completes, 1);
}

TEST(ParserTest, PipelinedRequestAfterTrailersIsParsed) {
  Parser p(MessageKind::kRequest, {});
  FeedRun r = feedAll(p,
                      kPost + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nT: 1\r\n\r\n" +
                          "GET /next HTTP/1.1\r\nHost: x\r\n\r\n",
                      2);
  EXPECT_EQ(r.completes, 2);
  EXPECT_EQ(p.head().target, "/next");
}

TEST(ParserTest, GzipThenChunkedIsAccepted) {
  Parser p(MessageKind::kRequest, {});
  FeedRun r = feedAll(p, kPost + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(r.completes, 1);
  EXPECT_EQ(p.head().framing, Framing::kChunked);
}

TEST(ParserTest, ResponseWithBothFramingsIsRejected) {
  EXPECT_EQ(
      rejectStatus("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
                   MessageKind::kResponse),
      400);
}

TEST(ParserTest, OtherMajorVersionsAre505NotParsedAsHttp11) {
  // RFC 9112 §2.3: HTTP/2 in clear (its preface, or a 2.0 request line) and "HTTP/0.9" are not
  // HTTP/1.x messages; they are refused before the Host rule is applied.
  for (std::string_view in : {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", "GET /nohost HTTP/2.0\r\n\r\n",
                              "GET / HTTP/0.9\r\nHost: a\r\n\r\n",
                              "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"}) {
    Parser p(MessageKind::kRequest, {});
    FeedRun r = feedAll(p, in);
    ASSERT_EQ(r.last.event, Parser::Event::kError) << in;
    EXPECT_EQ(p.error().status, 505) << in;
    EXPECT_NE(p.error().reason.find("is not supported; floe speaks HTTP/1.0 and HTTP/1.1"),
              std::string::npos)
        << p.error().reason;
  }
  EXPECT_EQ(rejectStatus("HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", MessageKind::kResponse),
            502);
  EXPECT_EQ(rejectStatus("GET / HTTP/1.0\r\n\r\n"), 0);
}

TEST(ParserTest, LlhttpErrorsReadAsSentencesWithoutInternalCodes) {
  Parser p(MessageKind::kRequest, {});
  FeedRun r = feedAll(p, "get / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(r.last.event, Parser::Event::kError);
  EXPECT_EQ(p.error().status, 400);
  EXPECT_EQ(p.error().reason.find("HPE_"), std::string::npos) << p.error().reason;
  EXPECT_FALSE(p.error().reason.empty());
  EXPECT_TRUE(p.error().reason[0] >= 'a' && p.error().reason[0] <= 'z') << p.error().reason;
}

}  // namespace
}  // namespace floe::http
