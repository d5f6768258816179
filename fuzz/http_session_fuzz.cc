// libFuzzer target: the sans-IO HTTP proxy session (src/http/session.h). The input is a
// script: each step is one op byte, and for data ops a length byte and that many bytes.
// Whatever the order of events and bytes, the session must not crash, must never ask to
// send after closing the client, and must keep its promises about effects.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/session.h"

using floe::http::Effect;
using floe::http::Session;

namespace {

void check(const Session::Effects& effects, bool& client_closed) {
  for (const Effect& e : effects) {
    if (client_closed && e.kind == Effect::Kind::kSendToClient) __builtin_trap();
    if (e.kind == Effect::Kind::kCloseClient || e.kind == Effect::Kind::kResetClient) {
      client_closed = true;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  floe::http::SessionConfig config;
  config.buffer_bytes = 256;
  config.request_limits.max_head_bytes = 2048;
  Session s(config, floe::http::ClientInfo{"192.0.2.1", false});
  bool client_closed = false;
  check(s.start(), client_closed);
  std::size_t i = 0;
  while (i < size) {
    const std::uint8_t op = data[i++] % 13;
    std::string_view payload;
    if (op < 2 && i < size) {
      const std::size_t want = data[i++];
      const std::size_t n = std::min<std::size_t>(want, size - i);
      payload = std::string_view(reinterpret_cast<const char*>(data + i), n);
      i += n;
    }
    switch (op) {
      case 0:
        check(s.onClientData(payload), client_closed);
        break;
      case 1:
        check(s.onServerData(payload), client_closed);
        break;
      case 2:
        check(s.onServerConnected(false), client_closed);
        break;
      case 3:
        check(s.onServerConnected(true), client_closed);
        break;
      case 4:
        check(s.onServerConnectFailed(), client_closed);
        break;
      case 5:
        check(s.onNoServer(), client_closed);
        break;
      case 6:
        check(s.onClientEof(), client_closed);
        break;
      case 7:
        check(s.onServerEof(), client_closed);
        break;
      case 8:
        check(s.onServerReset(), client_closed);
        break;
      case 9:
        check(s.onClientWritten(100), client_closed);
        break;
      case 10:
        check(s.onServerWritten(100), client_closed);
        break;
      case 11:
        check(s.onTimer(static_cast<floe::http::Timer>(i < size ? data[i++] % 5 : 0)),
              client_closed);
        break;
      default:
        check(s.onServerData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), client_closed);
    }
  }
  if (client_closed != s.closed()) __builtin_trap();
  return 0;
}
