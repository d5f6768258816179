// Names, refs and ids: printable text of bounded length. A newline in a name once forged extra
// error lines (issue 5 §9); such a name is rejected and never echoed in any path or reason.
#include <gtest/gtest.h>

#include "config/document.h"
#include "test_support.h"

namespace floe::config {
namespace {

using testing::baseDocument;
using testing::decode;
using testing::hasError;

bool anyDiagnosticContains(const Report& r, std::string_view part) {
  for (const auto* list : {&r.errors, &r.notices}) {
    for (const auto& d : *list) {
      if (d.toString().find(part) != std::string::npos) return true;
    }
  }
  return false;
}

TEST(Names, RejectsNewlineInAnObjectNameWithoutEchoingIt) {
  auto doc = baseDocument();
  doc["pool"][0]["name"] = "web\npool[x].name: forged";
  doc["virtualservice"][0]["pool_ref"] = "web";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[0].name",
                       "contains the control character U+000A at byte 3; names and ids are "
                       "printable text"));
  EXPECT_FALSE(anyDiagnosticContains(d.report, "\n"));
}

TEST(Names, RejectsEveryC0ControlAndDelete) {
  for (char c : {'\x01', '\t', '\r', '\x1b', '\x1f', '\x7f'}) {
    auto doc = baseDocument();
    doc["virtualservice"][0]["name"] = std::string("vs") + c + "1";
    EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[0].name", "control character"))
        << int(c);
  }
}

TEST(Names, RejectsC1Controls) {
  auto doc = baseDocument();
  doc["serviceengine"][0]["name"] =
      "se\xc2\x85"
      "1";  // U+0085 NEXT LINE
  EXPECT_TRUE(hasError(decode(doc).report, "serviceengine[0].name", "U+0085"));
}

TEST(Names, AcceptsPrintableUnicode) {
  auto doc = baseDocument();
  doc["pool"][0]["name"] = "wéb-☃";
  doc["virtualservice"][0]["pool_ref"] = "wéb-☃";
  EXPECT_TRUE(testing::accepted(decode(doc).report));
}

TEST(Names, RejectsNameLongerThan256Bytes) {
  auto doc = baseDocument();
  doc["pool"][0]["name"] = std::string(257, 'p');
  EXPECT_TRUE(hasError(decode(doc).report, "pool[0].name",
                       "is 257 bytes long; names are at most 256 bytes"));
}

TEST(Names, AcceptsNameOf256Bytes) {
  auto doc = baseDocument();
  doc["pool"][0]["name"] = std::string(256, 'p');
  doc["virtualservice"][0]["pool_ref"] = std::string(256, 'p');
  EXPECT_TRUE(testing::accepted(decode(doc).report));
}

TEST(Names, RejectsControlCharacterInABareRef) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["pool_ref"] = "web\nforged: line";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "virtualservice[vs1].pool_ref", "the name contains the control"));
  EXPECT_FALSE(anyDiagnosticContains(d.report, "\n"));
}

TEST(Names, RejectsPercentEncodedControlCharacterInARestRef) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["pool_ref"] = "/api/pool?name=web%0Aforged";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "virtualservice[vs1].pool_ref",
                       "the name in the ref contains the control character U+000A"));
  EXPECT_FALSE(anyDiagnosticContains(d.report, "\n"));
}

TEST(Names, RejectsControlCharacterInAnId) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["static_routes"][0]["route_id"] = "1\n";
  EXPECT_TRUE(hasError(decode(doc).report, "vrfcontext[global].static_routes[0].route_id",
                       "control character U+000A"));
}

// validate() on a document built in code (the controller's edits): the same rule, and the bad
// name is not used in the paths of other diagnostics.
TEST(Names, ValidateRejectsControlCharactersInNamesAndRefsBuiltInCode) {
  Document doc = decode(baseDocument()).document;
  doc.pool[0].name = "web\rx";
  doc.virtualservice[0].pool_ref = "web\rx";
  doc.virtualservice[0].services[0].port = 0;
  Report r = validate(doc);
  EXPECT_TRUE(hasError(r, "pool[0].name", "control character U+000D"));
  EXPECT_TRUE(hasError(r, "virtualservice[vs1].pool_ref", "the name contains the control"));
  EXPECT_FALSE(anyDiagnosticContains(r, "\r"));
}

TEST(Names, ValidateRejectsControlCharactersInIdsBuiltInCode) {
  Document doc = decode(baseDocument()).document;
  doc.vrfcontext[0].static_routes.push_back(doc.vrfcontext[0].static_routes[0]);
  doc.vrfcontext[0].static_routes[0].route_id = "1\nx";
  doc.vrfcontext[0].static_routes[1].route_id = "1\nx";  // a duplicate would echo it
  doc.virtualservice[0].vip.push_back(doc.virtualservice[0].vip[0]);
  doc.virtualservice[0].vip[0].vip_id = "0\nx";
  doc.virtualservice[0].vip[1].vip_id = "0\nx";
  doc.virtualservice[0].vip[1].ip_address = IpAddress::fromV4(0x0A0A01C9);  // 10.10.1.201
  Report r = validate(doc);
  EXPECT_TRUE(hasError(r, "vrfcontext[global].static_routes[0].route_id", "U+000A"));
  EXPECT_TRUE(hasError(r, "virtualservice[vs1].vip[1].vip_id", "U+000A"));
  EXPECT_FALSE(anyDiagnosticContains(r, "\n"));
}

}  // namespace
}  // namespace floe::config
