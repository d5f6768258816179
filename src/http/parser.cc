#include "http/parser.h"

#include <llhttp.h>

#include <algorithm>
#include <array>
#include <utility>

namespace floe::http {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 §5.5: field-vchar / SP / HTAB, obs-text allowed.
constexpr std::array<bool, 256> makeValueTable() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c == '\t' || (c >= 0x20 && c != 0x7f);
  return t;
}
constexpr std::array<bool, 256> kValueTable = makeValueTable();

bool isFieldValueChar(unsigned char c) { return kValueTable[c]; }

// RFC 9110 §5.6.2 tchar.
constexpr std::array<bool, 256> makeTokenTable() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kTokenTable = makeTokenTable();

bool isKnownCoding(std::string_view c) {
  using namespace std::string_view_literals;
  for (std::string_view k :
       {"chunked"sv, "gzip"sv, "x-gzip"sv, "deflate"sv, "compress"sv, "x-compress"sv}) {
    if (equalsIgnoreCase(c, k)) return true;
  }
  return false;
}

Parser::Step stepOf(Parser::Event e, std::size_t consumed = 0) {
  Parser::Step s;
  s.event = e;
  s.consumed = consumed;
  return s;
}

}  // namespace

bool isTokenChar(unsigned char c) { return kTokenTable[c]; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

const std::string* MessageHead::find(std::string_view name) const {
  for (const auto& f : fields) {
    if (equalsIgnoreCase(f.name, name)) return &f.value;
  }
  return nullptr;
}

std::size_t MessageHead::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(fields.begin(), fields.end(),
                    [&](const HeaderField& f) { return equalsIgnoreCase(f.name, name); }));
}

struct Parser::Llhttp {
  llhttp_t p{};
  llhttp_settings_t s{};
  Parser* owner = nullptr;
  bool message_complete = false;
  bool trailers_started = false;  // the last chunk's size line was just parsed
  // The trailer section, scanned for obs-fold, which llhttp accepts there.
  bool in_trailers = false;
  bool trailer_done = false;
  std::size_t trailer_line_len = 0;
};

namespace {

Parser::Llhttp* state(llhttp_t* p) { return static_cast<Parser::Llhttp*>(p->data); }

// llhttp's reason for an error, as a sentence for the error body and the log ("invalid HTTP
// version"), without its internal code name (HPE_...).
std::string llhttpReason(const llhttp_t* p) {
  const char* reason = llhttp_get_error_reason(p);
  std::string out = reason != nullptr && *reason != '\0' ? reason : "malformed message";
  if (out.size() > 1 && out[0] >= 'A' && out[0] <= 'Z' && !(out[1] >= 'A' && out[1] <= 'Z')) {
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  }
  return out;
}

}  // namespace

// The callbacks need private access; they are friends through this small bridge.
struct ParserBridge {
  static int onUrl(llhttp_t* p, const char* at, std::size_t n) {
    state(p)->owner->head_.target.append(at, n);
    return 0;
  }
  static int onStatus(llhttp_t* p, const char* at, std::size_t n) {
    state(p)->owner->head_.reason.append(at, n);
    return 0;
  }
  static int onHeadersComplete(llhttp_t* p) {
    Parser& o = *state(p)->owner;
    MessageHead& h = o.head_;
    h.version_major = p->http_major;
    h.version_minor = p->http_minor;
    if (o.kind_ == MessageKind::kRequest) {
      h.method = llhttp_method_name(static_cast<llhttp_method_t>(p->method));
      h.upgrade = p->upgrade != 0;
    } else {
      h.status = p->status_code;
      h.upgrade = p->status_code == 101;
    }
    int ret = 0;
    if (o.kind_ == MessageKind::kResponse && o.request_method_ == "HEAD") {
      h.framing = Framing::kNone;
      h.keep_alive = (p->flags & F_CONNECTION_CLOSE) == 0 &&
                     (p->http_minor > 0 || (p->flags & F_CONNECTION_KEEP_ALIVE));
      return 1;  // no body, RFC 9112 §6.3 rule 1
    }
    if (o.kind_ == MessageKind::kResponse && o.request_method_ == "CONNECT" &&
        p->status_code / 100 == 2) {
      h.framing = Framing::kNone;
      h.upgrade = true;
      h.keep_alive = false;
      return 2;  // tunnel, RFC 9112 §6.3 rule 2
    }
    if (p->flags & F_CHUNKED) {
      h.framing = Framing::kChunked;
    } else if ((p->flags & F_TRANSFER_ENCODING) == 0 && (p->flags & F_CONTENT_LENGTH) &&
               p->content_length > 0) {
      h.framing = Framing::kContentLength;
      h.content_length = p->content_length;
    } else if (llhttp_message_needs_eof(p)) {
      h.framing = Framing::kUntilClose;
    } else {
      h.framing = Framing::kNone;
    }
    h.keep_alive = llhttp_should_keep_alive(p) != 0;
    return ret;
  }
  static int onBody(llhttp_t* p, const char* at, std::size_t n) {
    Parser& o = *state(p)->owner;
    o.body_bytes_ += n;
    if (o.limits_.max_body_bytes != 0 && o.body_bytes_ > o.limits_.max_body_bytes) {
      o.body_too_large_ = true;
      return -1;
    }
    return 0;
  }
  static int onChunkHeader(llhttp_t* p) {
    if (p->content_length != 0) return 0;
    state(p)->trailers_started = true;
    state(p)->in_trailers = true;
    return HPE_PAUSED;  // so that feedBody learns where the trailer section starts
  }
  static int onMessageComplete(llhttp_t* p) {
    state(p)->message_complete = true;
    return HPE_PAUSED;  // stop here: the next message is the caller's to feed
  }
};

Parser::Parser(MessageKind kind, Limits limits)
    : kind_(kind), limits_(limits), ll_(std::make_unique<Llhttp>()) {
  llhttp_settings_init(&ll_->s);
  ll_->s.on_url = &ParserBridge::onUrl;
  ll_->s.on_status = &ParserBridge::onStatus;
  ll_->s.on_headers_complete = &ParserBridge::onHeadersComplete;
  ll_->s.on_body = &ParserBridge::onBody;
  ll_->s.on_message_complete = &ParserBridge::onMessageComplete;
  ll_->s.on_chunk_header = &ParserBridge::onChunkHeader;
  ll_->owner = this;
  resetForNextMessage();
}

Parser::~Parser() = default;

void Parser::reset() {
  offset_ = 0;
  resetForNextMessage();
}

void Parser::setRequestMethod(std::string_view method) { request_method_ = method; }

void Parser::resetForNextMessage() {
  phase_ = Phase::kHead;
  head_buf_.clear();
  line_start_ = 0;
  start_line_begin_ = 0;
  have_start_line_ = false;
  head_end_ = 0;
  fresh_ = true;
  msg_start_ = offset_;
  body_bytes_ = 0;
  body_too_large_ = false;
  llhttp_init(&ll_->p, kind_ == MessageKind::kRequest ? HTTP_REQUEST : HTTP_RESPONSE, &ll_->s);
  ll_->p.data = ll_.get();
  ll_->message_complete = false;
  ll_->trailers_started = false;
  ll_->in_trailers = false;
  ll_->trailer_done = false;
  ll_->trailer_line_len = 0;
}

Parser::Step Parser::fail(int status, std::string reason, std::uint64_t offset) {
  phase_ = Phase::kError;
  error_ = ParseError{status, std::move(reason), offset};
  Step s;
  s.event = Event::kError;
  return s;
}

Parser::Step Parser::feed(std::string_view input) {
  switch (phase_) {
    case Phase::kHead:
      return feedHead(input);
    case Phase::kBody:
      return feedBody(input);
    case Phase::kError:
      break;
  }
  Step s;
  s.event = Event::kError;
  return s;
}

Parser::Step Parser::finish() {
  Step s;
  if (phase_ == Phase::kError) {
    s.event = Event::kError;
    return s;
  }
  if (phase_ == Phase::kHead) {
    if (head_buf_.empty()) return s;  // closed between messages
    return fail(400, "connection closed inside the head", offset_);
  }
  if (head_.framing == Framing::kUntilClose) {
    s.event = Event::kBody;
    s.message_complete = true;
    resetForNextMessage();
    return s;
  }
  return fail(400, "connection closed inside the body", offset_);
}

Parser::Step Parser::feedHead(std::string_view input) {
  if (fresh_) {
    // Field by field rather than a fresh MessageHead: keeps the fields' capacity.
    head_.fields.clear();
    head_.method.clear();
    head_.target.clear();
    head_.reason.clear();
    head_.status = 0;
    head_.version_major = 1;
    head_.version_minor = 1;
    head_.framing = Framing::kNone;
    head_.content_length = 0;
    head_.keep_alive = true;
    head_.upgrade = false;
    head_.kind = kind_;
    fresh_ = false;
  }
  const std::size_t before = head_buf_.size();
  // Never hold more than the head limit (+1 to tell "exactly at the limit" from "over").
  const std::size_t room =
      limits_.max_head_bytes + 1 - std::min(before, limits_.max_head_bytes + 1);
  head_buf_.append(input.substr(0, std::min(input.size(), room)));
  if (!scanLines()) return stepOf(Event::kError);
  if (head_end_ == 0) {
    if (head_buf_.size() > limits_.max_head_bytes) {
      return fail(431, "head larger than " + std::to_string(limits_.max_head_bytes) + " bytes",
                  msg_start_ + limits_.max_head_bytes);
    }
    offset_ += head_buf_.size() - before;
    return stepOf(Event::kNeedMore, input.size());
  }
  const std::size_t used = head_end_ - before;
  offset_ += used;
  head_buf_.resize(head_end_);
  if (!checkSemantics() || !runLlhttpOnHead() || !checkAfterLlhttp()) return stepOf(Event::kError);
  Step s = stepOf(Event::kHead, used);
  if (ll_->message_complete) {
    s.message_complete = true;
    // Keep head_ readable for the caller until the next feed(); reset the rest.
    resetForNextMessage();  // head_ stays readable until the next head starts
  } else {
    phase_ = Phase::kBody;
  }
  return s;
}

bool Parser::scanLines() {
  while (true) {
    const std::size_t lf = head_buf_.find('\n', line_start_);
    const std::size_t limit =
        have_start_line_ ? limits_.max_field_line_bytes : limits_.max_start_line_bytes;
    if (lf == std::string::npos) {
      if (head_buf_.size() - line_start_ > limit + 1) break;  // +1: a CR may follow
      return true;
    }
    if (lf == line_start_ || head_buf_[lf - 1] != '\r') {
      fail(400, "bare LF where CRLF is required", msg_start_ + lf);
      return false;
    }
    const std::string_view line(head_buf_.data() + line_start_, lf - 1 - line_start_);
    const std::size_t at = line_start_;
    line_start_ = lf + 1;
    if (line.size() > limit) {
      line_start_ = at;
      break;
    }
    if (const std::size_t cr = line.find('\r'); cr != std::string_view::npos) {
      fail(400, "bare CR where CRLF is required", msg_start_ + at + cr);
      return false;
    }
    if (!have_start_line_) {
      if (line.empty() && kind_ == MessageKind::kRequest) {
        start_line_begin_ = line_start_;  // RFC 9112 §2.2: ignore empty lines before it
        continue;
      }
      for (std::size_t i = 0; i < line.size(); ++i) {
        if (!isFieldValueChar(static_cast<unsigned char>(line[i])) || line[i] == '\t') {
          fail(400, "control byte in the start line", msg_start_ + at + i);
          return false;
        }
      }
      have_start_line_ = true;
      continue;
    }
    if (line.empty()) {
      head_end_ = lf + 1;
      return true;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      fail(400, "obs-fold (a field line starting with whitespace)", msg_start_ + at);
      return false;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      fail(400, "field line without a field name and colon", msg_start_ + at);
      return false;
    }
    const std::string_view name = line.substr(0, colon);
    if (name.back() == ' ' || name.back() == '\t') {
      fail(400, "whitespace between field name and colon", msg_start_ + at + colon - 1);
      return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (!isTokenChar(static_cast<unsigned char>(name[i]))) {
        fail(400, "invalid byte in field name", msg_start_ + at + i);
        return false;
      }
    }
    const std::string_view value = line.substr(colon + 1);
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (!isFieldValueChar(static_cast<unsigned char>(value[i]))) {
        fail(400, "invalid byte in field value", msg_start_ + at + colon + 1 + i);
        return false;
      }
    }
    if (head_.fields.size() >= limits_.max_fields) {
      fail(431, "more than " + std::to_string(limits_.max_fields) + " header fields",
           msg_start_ + at);
      return false;
    }
    head_.fields.push_back(HeaderField{std::string(name), std::string(trimOws(value))});
  }
  // A line over its limit.
  if (!have_start_line_) {
    fail(kind_ == MessageKind::kRequest ? 414 : 400,
         "start line longer than " + std::to_string(limits_.max_start_line_bytes) + " bytes",
         msg_start_ + line_start_);
  } else {
    fail(431,
         "header field line longer than " + std::to_string(limits_.max_field_line_bytes) + " bytes",
         msg_start_ + line_start_);
  }
  return false;
}

bool Parser::checkSemantics() {
  // RFC 9112 §6.3: a repeated or malformed Content-Length is unrecoverable.
  const std::size_t cl_count = head_.count("Content-Length");
  if (cl_count > 1) {
    fail(400, "repeated Content-Length", msg_start_);
    return false;
  }
  if (cl_count == 1) {
    const std::string& v = *head_.find("Content-Length");
    if (v.empty() || v.size() > 18 ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      fail(400, "invalid Content-Length", msg_start_);
      return false;
    }
    const std::uint64_t n = std::stoull(v);
    if (limits_.max_body_bytes != 0 && n > limits_.max_body_bytes) {
      fail(413, "body larger than " + std::to_string(limits_.max_body_bytes) + " bytes",
           msg_start_);
      return false;
    }
  }
  if (head_.count("Transfer-Encoding") == 0) return true;
  // RFC 9112 §6.1: both framings at once is a smuggling attempt, not a choice to make.
  if (cl_count != 0) {
    fail(400, "both Content-Length and Transfer-Encoding", msg_start_);
    return false;
  }
  std::size_t chunked = 0;
  std::size_t codings = 0;
  bool chunked_last = false;
  for (const auto& f : head_.fields) {
    if (!equalsIgnoreCase(f.name, "Transfer-Encoding")) continue;
    std::string_view rest = f.value;
    while (true) {
      const std::size_t comma = rest.find(',');
      std::string_view item = trimOws(rest.substr(0, comma));
      if (!item.empty()) {
        if (item.find(';') != std::string_view::npos) {
          fail(400, "parameters on a transfer coding", msg_start_);
          return false;
        }
        if (!isKnownCoding(item)) {
          fail(501, "unknown transfer coding \"" + std::string(item) + "\"", msg_start_);
          return false;
        }
        ++codings;
        chunked_last = equalsIgnoreCase(item, "chunked");
        if (chunked_last) ++chunked;
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (codings == 0) {
    fail(400, "empty Transfer-Encoding", msg_start_);
    return false;
  }
  if (chunked > 1) {
    fail(400, "chunked applied more than once", msg_start_);
    return false;
  }
  if (kind_ == MessageKind::kRequest && !chunked_last) {
    fail(400, "Transfer-Encoding of a request does not end in chunked", msg_start_);
    return false;
  }
  return true;
}

bool Parser::runLlhttpOnHead() {
  const char* begin = head_buf_.data() + start_line_begin_;
  const char* end = head_buf_.data() + head_end_;
  const llhttp_errno_t err = llhttp_execute(&ll_->p, begin, static_cast<std::size_t>(end - begin));
  if (err == HPE_OK && !ll_->message_complete) return true;
  if ((err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) && ll_->message_complete) return true;
  const char* pos = llhttp_get_error_pos(&ll_->p);
  const std::size_t at = pos != nullptr && pos >= begin && pos <= end
                             ? static_cast<std::size_t>(pos - head_buf_.data())
                             : 0;
  fail(400, llhttpReason(&ll_->p),
       msg_start_ + at);
  return false;
}

bool Parser::checkAfterLlhttp() {
  // RFC 9112 §2.3: this is HTTP/1.x framing; another major version (an HTTP/2 preface sent in
  // clear, "HTTP/0.9", "HTTP/2.0") is not parsed as if it were 1.1. 505 (RFC 9110 §15.6.6).
  // llhttp's own fields: an HTTP/2 preface ("PRI * HTTP/2.0") never reaches headers-complete.
  const int major = ll_->p.http_major;
  const int minor = ll_->p.http_minor;
  if (major != 1) {
    fail(kind_ == MessageKind::kRequest ? 505 : 502,
         "HTTP/" + std::to_string(major) + "." + std::to_string(minor) +
             " is not supported; floe speaks HTTP/1.0 and HTTP/1.1",
         msg_start_);
    return false;
  }
  if (kind_ != MessageKind::kRequest) return true;
  const bool http11 = head_.version_major == 1 && head_.version_minor >= 1;
  const std::size_t hosts = head_.count("Host");
  // RFC 9112 §3.2.
  if (hosts > 1 || (http11 && hosts == 0)) {
    fail(400, hosts > 1 ? "repeated Host" : "missing Host", msg_start_);
    return false;
  }
  // RFC 9112 §6.1: HTTP/1.0 has no chunked; treat the framing as faulty.
  if (!http11 && head_.count("Transfer-Encoding") != 0) {
    fail(400, "Transfer-Encoding in an HTTP/1.0 request", msg_start_);
    return false;
  }
  return true;
}

std::size_t Parser::scanTrailer(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size() && !ll_->trailer_done; ++i) {
    const char c = bytes[i];
    if (c == '\n') {
      if (ll_->trailer_line_len <= 1) ll_->trailer_done = true;  // the empty line ends it
      ll_->trailer_line_len = 0;
      continue;
    }
    if (ll_->trailer_line_len == 0 && (c == ' ' || c == '\t')) return i;
    ++ll_->trailer_line_len;
  }
  return std::string_view::npos;
}

Parser::Step Parser::feedBody(std::string_view input) {
  if (input.empty()) return stepOf(Event::kNeedMore, 0);
  std::size_t pos = 0;
  llhttp_errno_t err = HPE_OK;
  while (true) {
    if (ll_->in_trailers) {
      // RFC 9112 §7.1.2: trailer fields are field lines; obs-fold is refused as in the head.
      if (const std::size_t bad = scanTrailer(input.substr(pos)); bad != std::string_view::npos) {
        return fail(400, "obs-fold in the trailer section", offset_ + pos + bad);
      }
    }
    err = llhttp_execute(&ll_->p, input.data() + pos, input.size() - pos);
    if (err != HPE_PAUSED || !ll_->trailers_started || ll_->message_complete) break;
    ll_->trailers_started = false;
    pos = static_cast<std::size_t>(llhttp_get_error_pos(&ll_->p) - input.data());
    llhttp_resume(&ll_->p);
  }
  Step s;
  if (err == HPE_OK) {
    s = Step{Event::kBody, input.size(), input, false};
  } else if ((err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) && ll_->message_complete) {
    const std::size_t used = static_cast<std::size_t>(llhttp_get_error_pos(&ll_->p) - input.data());
    s = Step{Event::kBody, used, input.substr(0, used), true};
  } else {
    const char* pos = llhttp_get_error_pos(&ll_->p);
    const std::uint64_t at =
        offset_ + (pos != nullptr && pos >= input.data() && pos <= input.data() + input.size()
                       ? static_cast<std::uint64_t>(pos - input.data())
                       : 0);
    if (body_too_large_) {
      return fail(413, "body larger than " + std::to_string(limits_.max_body_bytes) + " bytes", at);
    }
    return fail(400, llhttpReason(&ll_->p),
                at);
  }
  offset_ += s.consumed;
  if (s.message_complete) resetForNextMessage();
  return s;
}

}  // namespace floe::http
