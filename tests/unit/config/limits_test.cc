// The decoder's limits (docs/configuration.md, "Limits"): document size, nesting depth, array
// length, duplicate keys; and that decoding stays bounded on input built to exhaust it.
#include <gtest/gtest.h>

#include <string>

#include "config/document.h"
#include "test_support.h"

namespace floe::config {
namespace {

using testing::accepted;
using testing::baseDocument;
using testing::decode;
using testing::hasError;
using json = nlohmann::json;

constexpr size_t kMaxBytes = size_t{4} << 20;

size_t diagnosticBytes(const Report& r) {
  size_t n = 0;
  for (const auto& e : r.errors) n += e.path.size() + e.reason.size();
  return n;
}

size_t countReasons(const Report& r, std::string_view part) {
  size_t n = 0;
  for (const auto& e : r.errors) n += e.reason.find(part) != std::string::npos ? 1 : 0;
  return n;
}

// `levels` nested containers: {"x": [[...]]} (the object counts as one level).
std::string nested(size_t levels) {
  return "{\"x\": " + std::string(levels - 1, '[') + std::string(levels - 1, ']') + "}";
}

TEST(Limits, AcceptsDocumentOfExactlyTheSizeLimit) {
  std::string text = baseDocument().dump();
  text.append(kMaxBytes - text.size(), ' ');
  EXPECT_TRUE(accepted(decodeDocument(text).report));
}

TEST(Limits, RejectsDocumentPastTheSizeLimit) {
  std::string text = baseDocument().dump();
  text.append(kMaxBytes + 1 - text.size(), ' ');
  auto d = decodeDocument(text);
  ASSERT_EQ(d.report.errors.size(), 1u) << testing::describe(d.report);
  EXPECT_TRUE(hasError(d.report, "document", "is 4194305 bytes; at most 4194304 (4 MiB)"));
}

TEST(Limits, AcceptsNestingOfExactlyTheDepthLimit) {
  auto d = decodeDocument(nested(32));
  EXPECT_EQ(countReasons(d.report, "nesting"), 0u) << testing::describe(d.report);
  EXPECT_TRUE(hasError(d.report, "x", "unknown object type"));  // decoded as usual
}

TEST(Limits, RejectsNestingPastTheDepthLimitWithItsPath) {
  auto d = decodeDocument(nested(33));
  ASSERT_EQ(d.report.errors.size(), 1u) << testing::describe(d.report);
  std::string path = "x";
  for (int i = 0; i < 31; ++i) path += "[0]";  // the 33rd level opens inside the 32nd
  EXPECT_EQ(d.report.errors[0].path, path);
  EXPECT_NE(d.report.errors[0].reason.find("nesting deeper than 32 levels"), std::string::npos);
}

json poolWithServers(size_t count) {
  json servers = json::array();
  for (size_t i = 0; i < count; ++i) {
    servers.push_back(
        {{"ip", "10.20." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1)}});
  }
  auto doc = baseDocument();
  doc["pool"][0]["servers"] = servers;
  return doc;
}

TEST(Limits, AcceptsArrayOfExactlyTheLengthLimit) {
  EXPECT_TRUE(accepted(decode(poolWithServers(10000)).report));
}

TEST(Limits, RejectsArrayPastTheLengthLimitWithItsPath) {
  auto d = decode(poolWithServers(10001));
  ASSERT_EQ(d.report.errors.size(), 1u) << testing::describe(d.report);
  EXPECT_TRUE(hasError(d.report, "pool[0].servers",
                       "has more than 10000 elements; at most 10000 are accepted in one array"));
}

TEST(Limits, RejectsDuplicateKeyWithThePathOfTheField) {
  auto d = decodeDocument(R"({"vrfcontext": [{"name": "global", "static_routes": [
      {"prefix": "0.0.0.0/0", "next_hop": "10.10.1.1", "next_hop": "10.10.1.2"}]}]})");
  EXPECT_TRUE(hasError(d.report, "vrfcontext[0].static_routes[0].next_hop",
                       "is given twice in one object; give each field once"));
}

TEST(Limits, RejectsDuplicateObjectTypeAtTheTop) {
  auto d = decodeDocument(R"({"pool": [], "pool": []})");
  EXPECT_TRUE(hasError(d.report, "pool", "is given twice in one object"));
}

TEST(Limits, AcceptsTheSameKeyInSiblingObjects) {
  auto doc = baseDocument();  // every pool server has "ip": keys repeat across objects
  EXPECT_TRUE(accepted(decode(doc).report));
}

TEST(Limits, ListsTwentyDuplicateKeysAndSumsUpTheRest) {
  std::string text = R"({"pool": [{"name": "web")";
  for (int i = 0; i < 1000; ++i) text += R"(, "name": "web")";
  text += "}]}";
  auto d = decodeDocument(text);
  EXPECT_EQ(countReasons(d.report, "is given twice"), 20u);
  EXPECT_TRUE(hasError(d.report, "document", "more keys are given twice; only the first 20"));
}

// The document of issue 5 §9 (240 KB, duplicate keys deep in its nesting) took 2.6 GB and 16 s:
// every duplicate repeated the whole path above it. Now the path is bounded by the depth limit
// and the key length shown, and duplicates past twenty are not listed.
TEST(Limits, DuplicateKeysDeepInNestingStayCheap) {
  const std::string longKey(1000, 'k');
  std::string text;
  for (int i = 0; i < 31; ++i) text += "{\"" + longKey + "\": ";
  text += "{";
  for (int i = 0; text.size() < 240 * 1024; ++i) text += std::string(i ? "," : "") + "\"x\": 1";
  text += "}" + std::string(31, '}');
  auto d = decodeDocument(text);
  EXPECT_EQ(countReasons(d.report, "is given twice"), 20u);
  EXPECT_LT(diagnosticBytes(d.report), 64u * 1024) << diagnosticBytes(d.report);
}

TEST(Limits, DuplicateKeysPastTheDepthLimitAreNotScanned) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "{\"a\": ";
  text += "{\"x\": 1, \"x\": 1}" + std::string(20000, '}');
  auto d = decodeDocument(text);
  ASSERT_EQ(d.report.errors.size(), 1u);
  EXPECT_NE(d.report.errors[0].reason.find("nesting deeper"), std::string::npos);
}

TEST(Limits, ListsAThousandErrorsAndCountsTheRest) {
  std::string text = R"({"pool": [{"name": "web")";
  for (int i = 0; i < 5000; ++i) text += ", \"f" + std::to_string(i) + "\": 1";
  text += "}]}";
  auto d = decodeDocument(text);
  ASSERT_EQ(d.report.errors.size(), 1001u);
  EXPECT_TRUE(hasError(d.report, "pool[web].f0", "unknown field"));
  EXPECT_TRUE(hasError(d.report, "document",
                       "4000 more errors are not listed; fix the first 1000 and check again"));
}

TEST(Limits, ShortensLongKeysInPaths) {
  const std::string longKey(100000, 'k');
  auto d = decodeDocument("{\"" + longKey + "\": 1, \"" + longKey + "\": 2}");
  ASSERT_FALSE(d.report.errors.empty());
  EXPECT_LT(d.report.errors[0].path.size(), 100u) << d.report.errors[0].path.size();
}

}  // namespace
}  // namespace floe::config
