// HTTP/1.1 message parser: a strict RFC 9112 front over llhttp (strict mode), for one
// direction of one connection (client → floe requests, or server → floe responses).
//
// Sans-IO and message by message: feed() takes the bytes that arrived and returns one Step
// (the head is complete, some body bytes, the message is complete, or an error) with the
// number of input bytes it used, so pipelined messages are parsed one after the other and the
// caller always knows the offset where the next message starts.
//
// What is refused, and with which status (RFC 9112 section in brackets):
//   400  bare CR or bare LF where CRLF is required (§2.2), NUL or other control bytes in the
//        head (§5), obs-fold (§5.2), whitespace between field name and colon (§5.1), an invalid
//        field name (§5.1), both Content-Length and Transfer-Encoding (§6.1), a repeated or
//        non-numeric Content-Length (§6.3), chunked not last or repeated in a request's
//        Transfer-Encoding (§6.1), Transfer-Encoding in an HTTP/1.0 request (§6.1), a missing
//        or repeated Host in an HTTP/1.1 request (§3.2), a malformed or overflowing chunk size
//        or a malformed chunk extension or trailer (§7.1), anything else llhttp rejects.
//   413  a body larger than Limits::max_body_bytes.
//   414  a request line longer than Limits::max_start_line_bytes.
//   431  a field line longer than Limits::max_field_line_bytes, a head larger than
//        Limits::max_head_bytes, or more than Limits::max_fields fields.
//   501  a transfer coding floe does not know (§6.1; known: chunked, gzip, x-gzip, deflate,
//        compress, x-compress).
// For a response parser the same checks apply; the session turns any of them into 502.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace floe::http {

enum class MessageKind { kRequest, kResponse };

// Size limits. Defaults are documented in docs/http.md; all in bytes.
struct Limits {
  std::size_t max_start_line_bytes = 8192;  // request or status line, CRLF excluded
  std::size_t max_field_line_bytes = 8192;  // one field line, CRLF excluded
  std::size_t max_head_bytes = 32768;       // start line + fields + final CRLF
  std::size_t max_fields = 100;             // field lines in one head
  std::uint64_t max_body_bytes = 0;         // decoded body (chunk framing excluded); 0: none
};

// How the body of a message is delimited (RFC 9112 §6.3).
enum class Framing { kNone, kContentLength, kChunked, kUntilClose };

struct HeaderField {
  std::string name;   // as received (case kept)
  std::string value;  // leading and trailing whitespace removed (RFC 9112 §5.1)
};

struct MessageHead {
  MessageKind kind = MessageKind::kRequest;
  std::string method;  // requests: "GET", "POST", ...
  std::string target;  // requests: the request-target as received
  int status = 0;      // responses: 100..999
  std::string reason;  // responses: the reason phrase
  int version_major = 1;
  int version_minor = 1;
  std::vector<HeaderField> fields;
  Framing framing = Framing::kNone;
  std::uint64_t content_length = 0;  // valid when framing == kContentLength
  bool keep_alive = true;            // RFC 9112 §9.3: the connection may carry another message
  bool upgrade = false;  // requests: Upgrade named in Connection, or CONNECT; responses: 101
                         // or a 2xx answer to CONNECT (the connection becomes a tunnel)

  // The value of the first field named `name` (case-insensitive), or nullptr.
  const std::string* find(std::string_view name) const;
  // How many fields are named `name` (case-insensitive).
  std::size_t count(std::string_view name) const;
};

struct ParseError {
  int status = 400;          // the HTTP status to answer with (400, 413, 414, 431, 501)
  std::string reason;        // short, for logs and the error body, e.g. "bare LF in head"
  std::uint64_t offset = 0;  // byte offset in this direction's stream where it was detected
};

class Parser {
 public:
  enum class Event {
    kNeedMore,  // all input used, nothing to report yet
    kHead,      // head() is ready; if message_complete too, there is no body
    kBody,      // `body` holds raw body bytes (chunk framing included, as received)
    kError,     // error() says what; the parser stays in error, the caller closes
  };
  struct Step {
    Event event = Event::kNeedMore;
    std::size_t consumed = 0;       // input bytes used; the rest belongs to what follows
    std::string_view body;          // kBody: a view into the input given to feed()
    bool message_complete = false;  // the message ended at input offset `consumed`
  };

  Parser(MessageKind kind, Limits limits);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Response parsers: the method of the request this response answers (HEAD and CONNECT
  // change the framing, RFC 9112 §6.3). Call before the response's bytes are fed.
  void setRequestMethod(std::string_view method);

  // Forgets any message in progress and any error: the state of a new connection.
  void reset();

  // Parses from `input`. Never consumes past the end of the current message: call again
  // with input.substr(step.consumed) for what follows (pipelined messages).
  Step feed(std::string_view input);

  // The peer closed its side. Completes a kUntilClose body (returns kBody with
  // message_complete and no bytes), is kNeedMore between messages, else kError
  // ("connection closed inside a message").
  Step finish();

  const MessageHead& head() const { return head_; }
  const ParseError& error() const { return error_; }
  bool inHead() const { return phase_ == Phase::kHead; }
  bool idle() const { return phase_ == Phase::kHead && head_buf_.empty(); }
  std::uint64_t offset() const { return offset_; }  // bytes consumed so far on this stream

  struct Llhttp;  // llhttp state, kept out of this header

 private:
  friend struct ParserBridge;
  enum class Phase { kHead, kBody, kError };

  Step fail(int status, std::string reason, std::uint64_t offset);
  Step feedHead(std::string_view input);
  Step feedBody(std::string_view input);
  bool scanLines();         // validates complete lines in head_buf_; false on error
  bool checkSemantics();    // CL/TE rules; false on error
  bool checkAfterLlhttp();  // Host and version rules; false on error
  bool runLlhttpOnHead();   // false on error
  void resetForNextMessage();
  std::size_t scanTrailer(std::string_view bytes);  // offset of an obs-fold, or npos

  MessageKind kind_;
  Limits limits_;
  std::string request_method_;
  Phase phase_ = Phase::kHead;
  std::string head_buf_;
  std::size_t line_start_ = 0;  // start of the first unvalidated line in head_buf_
  bool have_start_line_ = false;
  std::size_t start_line_begin_ = 0;  // after empty lines preceding a request line
  std::size_t head_end_ = 0;          // bytes of head_buf_ that form the head (0: not yet)
  bool fresh_ = true;                 // head_ still holds the previous message's head
  std::uint64_t msg_start_ = 0;       // stream offset of head_buf_[0]
  MessageHead head_;
  ParseError error_;
  std::uint64_t offset_ = 0;
  std::uint64_t body_bytes_ = 0;
  bool body_too_large_ = false;
  std::unique_ptr<Llhttp> ll_;
};

// RFC 9110 §5.6.2 token character.
bool isTokenChar(unsigned char c);
// ASCII case-insensitive equality.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace floe::http
