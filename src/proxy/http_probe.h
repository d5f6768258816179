// HEALTH_MONITOR_HTTP: connect, send the monitor's request, read the response (up to
// kHttpProbeReadBytes, or until the server closes) and judge it (Avi's http_monitor):
//   - a code in maintenance_code, or maintenance_response found in the first 2 KB: the server
//     is in maintenance (ProbeResult::maintenance; the server becomes DISABLED, not DOWN);
//   - else success when the status code is in one of http_response_code's classes (HTTP_ANY,
//     HTTP_1XX ... HTTP_5XX) and, when http_response is set, it is found in the first 2 KB.
#pragma once

#include <asio/io_context.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/probe.h"

namespace floe::proxy {

inline constexpr size_t kHttpProbeReadBytes = 2048;

// The bytes sent for `check` to `target`: http_request's text with "\r\n" written as the four
// characters backslash r backslash n turned into CRLF, "Host: <ip>" added to an HTTP/1.1
// request without one, "Connection: close" added when absent, and the empty line.
std::string buildProbeRequest(const HttpCheckSpec& check, const ProbeTarget& target);

// Judges what the server sent (at most its first kHttpProbeReadBytes bytes).
ProbeResult judgeProbeResponse(const HttpCheckSpec& check, std::string_view response);

class HttpProber final : public Prober {
 public:
  explicit HttpProber(asio::io_context& io) : io_(io) {}

  std::shared_ptr<ProbeOp> probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
                                 ProbeCallback done) override;

 private:
  asio::io_context& io_;
};

}  // namespace floe::proxy
