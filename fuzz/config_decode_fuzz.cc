// libFuzzer target for the config document decoder. Besides "no crash, no sanitizer report",
// it checks the invariants an accepted document must keep:
//   - validate() of the decoded document finds no error,
//   - encode → JSON text → decode gives an equal document (decode(encode(d)) == d),
// and that every diagnostic is valid UTF-8 (the controller returns them inside JSON).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "config/document.h"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

void checkDumpable(const floe::config::Report& report) {
  for (const auto* list : {&report.errors, &report.notices}) {
    for (const auto& d : *list) {
      try {
        (void)nlohmann::json(d.toString()).dump();
      } catch (const nlohmann::json::exception&) {
        fail("a diagnostic is not valid UTF-8");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace floe::config;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Decoded first = decodeDocument(text);
  checkDumpable(first.report);
  if (!first.report.ok()) return 0;

  if (!validate(first.document).ok()) fail("validate() rejects an accepted document");
  std::string encoded;
  try {
    encoded = encodeDocument(first.document).dump();
  } catch (const nlohmann::json::exception&) {
    fail("an accepted document does not encode to JSON text");
  }
  const Decoded second = decodeDocument(std::string_view(encoded));
  if (!second.report.ok()) {
    for (const auto& e : second.report.errors) std::fprintf(stderr, "%s\n", e.toString().c_str());
    fail("the encoded document is rejected");
  }
  if (!(second.document == first.document)) fail("decode(encode(d)) != d");
  return 0;
}
