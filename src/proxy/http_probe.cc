#include "proxy/http_probe.h"

#include <array>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <cctype>

#include "proxy/local_errors.h"

namespace floe::proxy {

namespace {

bool containsIgnoreCase(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && std::tolower(static_cast<unsigned char>(hay[i + k])) ==
                                    std::tolower(static_cast<unsigned char>(needle[k]))) {
      ++k;
    }
    if (k == needle.size()) return true;
  }
  return false;
}

bool codeInClass(int code, std::string_view cls) {
  if (cls == "HTTP_ANY") return true;
  if (cls.size() == 8 && cls.substr(0, 5) == "HTTP_" && cls.substr(6) == "XX" && cls[5] >= '1' &&
      cls[5] <= '5') {
    return code / 100 == cls[5] - '0';
  }
  return false;
}

std::string describeError(const asio::error_code& ec) {
  if (ec == asio::error::connection_refused) return "connect refused";
  if (ec == asio::error::host_unreachable) return "host unreachable";
  if (ec == asio::error::network_unreachable) return "network unreachable";
  if (ec == asio::error::connection_reset) return "connection reset";
  return ec.message();
}

int localErrno(const asio::error_code& ec) {
  if (ec.category() != asio::system_category()) return 0;
  return localCause(ec.value()) ? ec.value() : 0;
}

class HttpProbeOp final : public ProbeOp, public std::enable_shared_from_this<HttpProbeOp> {
 public:
  HttpProbeOp(asio::io_context& io, ProbeCallback done)
      : socket_(io), timer_(io), done_(std::move(done)) {}

  void start(const ProbeTarget& target, std::chrono::milliseconds timeout) {
    check_ = target.http.value_or(HttpCheckSpec{});
    request_ = buildProbeRequest(check_, target);
    const asio::ip::tcp::endpoint ep(
        target.ip.isV4() ? asio::ip::address(asio::ip::address_v4(target.ip.v4HostOrder()))
                         : asio::ip::address(asio::ip::address_v6(target.ip.bytes())),
        target.port);
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this(), timeout](const asio::error_code& e) {
      if (!e) self->timedOut(timeout);
    });
    socket_.async_connect(ep, [self = shared_from_this()](const asio::error_code& e) {
      if (e == asio::error::operation_aborted) return;
      if (e) {
        ProbeResult r{false, describeError(e), localErrno(e)};
        r.answered = e == asio::error::connection_refused;
        self->finish(std::move(r));
        return;
      }
      self->send();
    });
  }

  void cancel() override {
    done_ = nullptr;
    stop();
  }

 private:
  void send() {
    asio::async_write(socket_, asio::buffer(request_),
                      [self = shared_from_this()](const asio::error_code& e, size_t) {
                        if (e == asio::error::operation_aborted) return;
                        if (e) {
                          self->finish({false, "send: " + describeError(e), localErrno(e)});
                          return;
                        }
                        self->read();
                      });
  }

  void read() {
    if (response_.size() >= kHttpProbeReadBytes) {
      judge();
      return;
    }
    socket_.async_read_some(
        asio::buffer(chunk_), [self = shared_from_this()](const asio::error_code& e, size_t n) {
          if (e == asio::error::operation_aborted) return;
          self->response_.append(self->chunk_.data(),
                                 std::min(n, kHttpProbeReadBytes - self->response_.size()));
          if (e == asio::error::eof) {
            self->judge();
          } else if (e) {
            if (self->response_.empty()) {
              self->finish({false, "receive: " + describeError(e), localErrno(e)});
            } else {
              self->judge();
            }
          } else {
            self->read();
          }
        });
  }

  void judge() {
    ProbeResult r = judgeProbeResponse(check_, response_);
    r.answered = true;
    finish(std::move(r));
  }

  void timedOut(std::chrono::milliseconds timeout) {
    // A response that started but did not end still counts if its start says enough: a
    // keep-alive server that ignored Connection: close.
    if (response_.find("\r\n\r\n") != std::string::npos) {
      judge();
      return;
    }
    finish({false, describeTimeout(timeout)});
  }

  void finish(ProbeResult result) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    stop();
    done(std::move(result));
  }

  void stop() {
    timer_.cancel();
    asio::error_code ignored;
    socket_.close(ignored);
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  ProbeCallback done_;
  HttpCheckSpec check_;
  std::string request_;
  std::string response_;
  std::array<char, 1024> chunk_{};
};

}  // namespace

std::string buildProbeRequest(const HttpCheckSpec& check, const ProbeTarget& target) {
  std::string text;
  const std::string& in = check.http_request;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in.compare(i, 4, "\\r\\n") == 0) {
      text += "\r\n";
      i += 3;
    } else {
      text += in[i];
    }
  }
  while (text.size() >= 2 && text.compare(text.size() - 2, 2, "\r\n") == 0) {
    text.resize(text.size() - 2);
  }
  const size_t lineEnd = text.find("\r\n");
  const std::string_view line = std::string_view(text).substr(0, lineEnd);
  const std::string_view fields =
      lineEnd == std::string::npos ? std::string_view() : std::string_view(text).substr(lineEnd);
  std::string out = text + "\r\n";
  if (line.ends_with("HTTP/1.1") && !containsIgnoreCase(fields, "\r\nhost:")) {
    // RFC 9110 §7.2: uri-host [":" port], the port omitted only when it is http's default.
    out += "Host: " + (target.ip.isV6() ? "[" + target.ip.toString() + "]" : target.ip.toString());
    if (target.port != 80 && target.port != 0) out += ":" + std::to_string(target.port);
    out += "\r\n";
  }
  if (!containsIgnoreCase(fields, "\r\nconnection:")) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

ProbeResult judgeProbeResponse(const HttpCheckSpec& check, std::string_view response) {
  response = response.substr(0, kHttpProbeReadBytes);
  // Status line: HTTP/1.x SP 3DIGIT (RFC 9112 §4).
  if (response.size() < 12 || response.substr(0, 7) != "HTTP/1." || response[8] != ' ' ||
      !std::isdigit(static_cast<unsigned char>(response[9])) ||
      !std::isdigit(static_cast<unsigned char>(response[10])) ||
      !std::isdigit(static_cast<unsigned char>(response[11]))) {
    return {false, response.empty() ? "no response" : "not an HTTP response"};
  }
  const int code = (response[9] - '0') * 100 + (response[10] - '0') * 10 + (response[11] - '0');
  const std::string codeText = "HTTP " + std::to_string(code);
  for (uint32_t m : check.maintenance_code) {
    if (static_cast<int>(m) == code) {
      ProbeResult r{false, "maintenance: " + codeText};
      r.maintenance = true;
      return r;
    }
  }
  if (!check.maintenance_response.empty() &&
      response.find(check.maintenance_response) != std::string_view::npos) {
    ProbeResult r{false, "maintenance: response contains '" + check.maintenance_response + "'"};
    r.maintenance = true;
    return r;
  }
  bool codeOk = false;
  for (const std::string& cls : check.http_response_code) codeOk |= codeInClass(code, cls);
  if (check.http_response_code.empty()) codeOk = code >= 200 && code < 400;
  if (!codeOk) {
    std::string classes;
    for (const std::string& cls : check.http_response_code) {
      classes += (classes.empty() ? "" : ", ") + cls;
    }
    return {false, codeText + " is not in " + classes};
  }
  if (!check.http_response.empty() &&
      response.find(check.http_response) == std::string_view::npos) {
    return {false, codeText + " without '" + check.http_response + "' in the response"};
  }
  return {true, codeText};
}

std::shared_ptr<ProbeOp> HttpProber::probe(const ProbeTarget& target,
                                           std::chrono::milliseconds timeout, ProbeCallback done) {
  auto op = std::make_shared<HttpProbeOp>(io_, std::move(done));
  op->start(target, timeout);
  return op;
}

}  // namespace floe::proxy
