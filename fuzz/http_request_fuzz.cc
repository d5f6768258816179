// libFuzzer target: the HTTP/1.1 request parser (src/http/parser.h). The input is fed in
// pieces whose sizes come from the first byte, so split heads, chunk lines and pipelined
// messages are exercised; any crash, hang or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  floe::http::Limits limits;
  limits.max_head_bytes = 4096;
  limits.max_body_bytes = 1 << 20;
  floe::http::Parser p(floe::http::MessageKind::kRequest, limits);
  while (!in.empty()) {
    std::string_view chunk = in.substr(0, piece);
    in.remove_prefix(chunk.size());
    while (true) {
      const auto s = p.feed(chunk);
      if (s.event == floe::http::Parser::Event::kError) return 0;
      if (s.event == floe::http::Parser::Event::kHead) (void)p.head().find("Host");
      if (s.consumed > chunk.size()) __builtin_trap();
      chunk.remove_prefix(s.consumed);
      if (chunk.empty()) break;
      if (s.consumed == 0 && s.event == floe::http::Parser::Event::kNeedMore) __builtin_trap();
    }
  }
  (void)p.finish();
  return 0;
}
