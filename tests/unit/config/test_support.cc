#include "test_support.h"

#include <fstream>
#include <sstream>

namespace floe::config::testing {

json baseDocument() {
  return json::parse(R"({
    "serviceenginegroup": [{"name": "Default-Group", "floating_intf_ip": ["10.10.1.100"],
                            "ha_heartbeat_secret": "s3cret"}],
    "serviceengine": [
      {"name": "se1", "data_vnics": [{"if_name": "eth0", "ip": "10.10.1.11/24"}]},
      {"name": "se2", "data_vnics": [{"if_name": "eth0", "ip": "10.10.1.12/24"}]}],
    "vrfcontext": [{"name": "global",
      "static_routes": [{"route_id": "1", "prefix": "0.0.0.0/0", "next_hop": "10.10.1.1"}]}],
    "pool": [{"name": "web", "servers": [{"ip": "10.10.20.21"}, {"ip": "10.10.20.22"}]}],
    "virtualservice": [{"name": "vs1", "vip": [{"vip_id": "0", "ip_address": "10.10.1.200"}],
                        "services": [{"port": 80}], "pool_ref": "web"}]
  })");
}

std::string readTestdata(std::string_view fileName) {
  const std::string path = std::string(FLOE_CONFIG_TESTDATA_DIR) + "/" + std::string(fileName);
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Decoded decode(const json& doc) { return decodeDocument(doc.dump()); }

std::string describe(const Report& report) {
  std::string out;
  for (const auto& e : report.errors) out += "  error:  " + e.toString() + "\n";
  for (const auto& n : report.notices) out += "  notice: " + n.toString() + "\n";
  if (out.empty()) out = "  (no diagnostics)\n";
  return out;
}

namespace {

::testing::AssertionResult has(const std::vector<Diagnostic>& list, const Report& report,
                               std::string_view kind, std::string_view path,
                               std::string_view reasonPart) {
  for (const auto& d : list) {
    if (d.path == path && d.reason.find(reasonPart) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no " << kind << " at \"" << path << "\" containing \""
                                       << reasonPart << "\"; the report has:\n"
                                       << describe(report);
}

}  // namespace

::testing::AssertionResult hasError(const Report& report, std::string_view path,
                                    std::string_view reasonPart) {
  return has(report.errors, report, "error", path, reasonPart);
}

::testing::AssertionResult hasNotice(const Report& report, std::string_view path,
                                     std::string_view reasonPart) {
  return has(report.notices, report, "notice", path, reasonPart);
}

::testing::AssertionResult accepted(const Report& report) {
  if (report.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "rejected:\n" << describe(report);
}

}  // namespace floe::config::testing
