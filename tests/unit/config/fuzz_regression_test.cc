// Inputs fuzz_config_decode found, one named test each (STYLE.md: every crash becomes a named
// regression vector). Each also keeps the fuzz target's invariants: diagnostics are valid UTF-8.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/document.h"
#include "test_support.h"

namespace floe::config {
namespace {

void expectDiagnosticsAreValidUtf8(const Report& report) {
  for (const auto* list : {&report.errors, &report.notices}) {
    for (const auto& d : *list) {
      EXPECT_NO_THROW((void)nlohmann::json(d.toString()).dump()) << d.toString();
    }
  }
}

// crash-7fc2f68c: an invalid UTF-8 byte inside a string. nlohmann's parse error quotes the raw
// bytes it last read, which made the "document" diagnostic invalid UTF-8 (undumpable as JSON).
TEST(FuzzRegression, ParseErrorQuotingInvalidUtf8StaysValidText) {
  const std::string input = "{\"pool\": [{\"name\": \"web\x8d, \"name\": \"web2\"}]}";
  auto d = decodeDocument(input);
  ASSERT_TRUE(testing::hasError(d.report, "document", "not valid JSON at byte"));
  EXPECT_NE(d.report.errors[0].reason.find("\\x8d"), std::string::npos)
      << d.report.errors[0].reason;
  expectDiagnosticsAreValidUtf8(d.report);
}

}  // namespace
}  // namespace floe::config
