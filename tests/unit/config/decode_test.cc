// decodeDocument(): JSON shape, types, addresses, prefixes, refs, enums, defaults, built-ins,
// paths and error collection.
#include <gtest/gtest.h>

#include "config/checks.h"
#include "config/document.h"
#include "test_support.h"

namespace floe::config {
namespace {

using testing::accepted;
using testing::baseDocument;
using testing::decode;
using testing::hasError;
using json = nlohmann::json;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }
Prefix prefix(const char* text) { return *Prefix::parse(text); }

TEST(Decode, AcceptsBaseDocumentWithoutDiagnostics) {
  auto d = decode(baseDocument());
  EXPECT_TRUE(accepted(d.report));
  EXPECT_TRUE(d.report.notices.empty()) << testing::describe(d.report);
}

TEST(Decode, AcceptsDesignExampleDocument) {
  auto d = decodeDocument(testing::readTestdata("design_example.json"));
  ASSERT_TRUE(accepted(d.report));
  const auto* vs = findVirtualService(d.document, "vs1");
  ASSERT_NE(vs, nullptr);
  EXPECT_EQ(vs->vip.at(0).ip_address, ip("10.10.2.100"));
  EXPECT_EQ(vs->snat_ip.at(0), ip("10.10.3.100"));
  const auto* pool = findPool(d.document, "web");
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->servers.at(1).port, 8080);
  EXPECT_EQ(pool->servers.at(1).ratio, 2u);
  const auto* vrf = findVrf(d.document, "global");
  ASSERT_TRUE(vrf && vrf->bgp_profile && vrf->bfd_profile);
  EXPECT_EQ(vrf->bgp_profile->peers.at(0).remote_as, 65000u);
  EXPECT_EQ(vrf->bgp_profile->peers.at(0).subnet, prefix("10.10.1.0/24"));
}

TEST(Decode, RejectsInvalidJsonWithByteOffset) {
  auto d = decodeDocument(R"({"pool": [}")");
  ASSERT_EQ(d.report.errors.size(), 1u);
  EXPECT_EQ(d.report.errors[0].path, "document");
  EXPECT_NE(d.report.errors[0].reason.find("not valid JSON at byte 11"), std::string::npos)
      << d.report.errors[0].reason;
}

TEST(Decode, RejectsEmptyInput) {
  auto d = decodeDocument("");
  EXPECT_TRUE(hasError(d.report, "document", "not valid JSON at byte"));
}

TEST(Decode, RejectsDocumentThatIsNotAnObject) {
  auto d = decodeDocument("[1, 2]");
  EXPECT_TRUE(hasError(d.report, "document", "must be a JSON object whose keys are object types"));
}

TEST(Decode, AcceptsEmptyDocumentWithOnlyBuiltins) {
  auto d = decodeDocument("{}");
  EXPECT_TRUE(accepted(d.report));
  EXPECT_EQ(d.document, builtinObjects());
}

TEST(Decode, RejectsUnknownObjectTypeSuggestingTheNearestOne) {
  auto d = decodeDocument(R"({"virtualservices": []})");
  EXPECT_TRUE(
      hasError(d.report, "virtualservices", "unknown object type (did you mean virtualservice?)"));
  EXPECT_TRUE(hasError(d.report, "virtualservices", "accepted: serviceenginegroup, serviceengine"));
}

TEST(Decode, RejectsTypeThatIsNotAnArray) {
  auto d = decodeDocument(R"({"virtualservice": {"name": "vs1"}})");
  EXPECT_TRUE(hasError(d.report, "virtualservice", "must be an array of objects"));
}

TEST(Decode, RejectsArrayElementThatIsNotAnObject) {
  auto d = decodeDocument(R"({"pool": ["web"]})");
  EXPECT_TRUE(hasError(d.report, "pool[0]", "must be an object, got the string \"web\""));
}

TEST(Decode, RejectsUnknownFieldListingTheAcceptedOnes) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["weight"] = 2;
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[web].servers[0].weight",
                       "unknown field; pool servers[] fields are ip, port, ratio, enabled"));
}

TEST(Decode, SuggestsTheFieldMeantByATypo) {
  auto doc = baseDocument();
  doc["serviceenginegroup"][0]["enable_routnig"] = true;
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "serviceenginegroup[Default-Group].enable_routnig",
                       "unknown field (did you mean enable_routing?)"));
}

TEST(Decode, RejectsUnknownFieldInAddressObject) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["vip"][0]["ip_address"] = {{"addr", "10.10.1.200"}, {"typ", "V4"}};
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "virtualservice[vs1].vip[0].ip_address.typ", "unknown field"));
}

TEST(Decode, RejectsStringWhereIntegerExpected) {
  auto doc = baseDocument();
  doc["pool"][0]["default_server_port"] = "80";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[web].default_server_port",
                       "must be a number, got the string \"80\"; ports are 1-65535"));
}

TEST(Decode, RejectsIntegerWhereBooleanExpected) {
  auto doc = baseDocument();
  doc["serviceenginegroup"][0]["enable_routing"] = 1;
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "serviceenginegroup[Default-Group].enable_routing",
                       "must be true or false, got 1"));
}

TEST(Decode, RejectsNullForOptionalField) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["port"] = nullptr;
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[web].servers[0].port", "got null"));
}

TEST(Decode, RejectsServerPortOutOfRange) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["port"] = 70000;
  auto d = decode(doc);
  ASSERT_EQ(d.report.errors.size(), 1u) << testing::describe(d.report);
  EXPECT_EQ(d.report.errors[0].toString(),
            "pool[web].servers[0].port: 70000 is out of range; ports are 1-65535");
}

TEST(Decode, RejectsNegativeNumber) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ratio"] = -1;
  auto d = decode(doc);
  EXPECT_TRUE(
      hasError(d.report, "pool[web].servers[0].ratio", "-1 is out of range; ratio is 1-20"));
}

TEST(Decode, RejectsFractionalNumber) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ratio"] = 1.5;
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[web].servers[0].ratio", "must be a whole number, got 1.5"));
}

TEST(Decode, RejectsNumberBeyondUint32) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["bgp_profile"] = {{"local_as", 4294967296ull}};
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bgp_profile.local_as",
                       "4294967296 is out of range; AS numbers are 1-4294967295"));
}

TEST(Decode, RejectsObjectWithoutName) {
  auto doc = baseDocument();
  doc["pool"].push_back({{"servers", json::array()}});
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[1].name", "is required"));
}

TEST(Decode, UsesIndexInPathWhenNameIsNotAString) {
  auto doc = baseDocument();
  doc["pool"].push_back({{"name", 7}, {"default_server_port", 0}});
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[1].name", "must be a string"));
  EXPECT_TRUE(hasError(d.report, "pool[1].default_server_port", "0 is out of range"));
}

TEST(Decode, RejectsEmptyName) {
  auto doc = baseDocument();
  doc["pool"][0]["name"] = "";
  doc["virtualservice"][0]["pool_ref"] = "x";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[0].name", "must not be empty"));
}

TEST(Decode, RejectsDuplicateJsonKey) {
  auto d = decodeDocument(R"({"pool": [{"name": "web", "default_server_port": 80,
                                        "default_server_port": 81}]})");
  EXPECT_TRUE(hasError(d.report, "pool[0].default_server_port",
                       "is given twice in one object; give each field once"));
}

TEST(Decode, ReportsEveryErrorNotOnlyTheFirst) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["port"] = 70000;
  doc["pool"][0]["lb_algorithm"] = "LB_ALGORITHM_RANDOM";
  doc["virtualservice"][0]["vip"][0]["ip_address"] = "10.10.1.300";
  doc["serviceengine"][1]["data_vnics"][0]["mtu"] = 9000;
  doc["healthmonitor"] = "System-TCP";
  auto d = decode(doc);
  EXPECT_EQ(d.report.errors.size(), 5u) << testing::describe(d.report);
  EXPECT_TRUE(hasError(d.report, "pool[web].servers[0].port"));
  EXPECT_TRUE(hasError(d.report, "pool[web].lb_algorithm"));
  EXPECT_TRUE(hasError(d.report, "virtualservice[vs1].vip[0].ip_address"));
  EXPECT_TRUE(hasError(d.report, "serviceengine[se2].data_vnics[0].mtu"));
  EXPECT_TRUE(hasError(d.report, "healthmonitor", "must be an array of objects"));
}

TEST(Decode, ReportsFieldErrorsAndRuleViolationsTogether) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][1]["port"] = 70000;
  doc["serviceenginegroup"][0]["ha_mode"] = "HA_MODE_SHARED";
  doc["serviceenginegroup"][0]["enable_routing"] = true;
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[web].servers[1].port", "out of range"));
  EXPECT_TRUE(hasError(d.report, "serviceenginegroup[Default-Group].enable_routing",
                       "requires ha_mode HA_MODE_LEGACY_ACTIVE_STANDBY"));
}

TEST(Decode, DoesNotRepeatAFieldErrorAsARuleViolation) {
  auto doc = baseDocument();
  doc["healthmonitor"] =
      json::array({{{"name", "m"}, {"type", "HEALTH_MONITOR_TCP"}, {"send_interval", 0}}});
  auto d = decode(doc);
  int onField = 0;
  for (const auto& e : d.report.errors) onField += e.path == "healthmonitor[m].send_interval";
  EXPECT_EQ(onField, 1) << testing::describe(d.report);
}

// ---- addresses and prefixes ------------------------------------------------------------------

TEST(Decode, AcceptsIpv6Addresses) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ip"] = "2001:DB8::21";
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_EQ(d.document.pool.at(0).servers.at(0).ip, ip("2001:db8::21"));
}

TEST(Decode, AcceptsAviAddressObjects) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["vip"][0]["ip_address"] = {{"addr", "10.10.1.200"}, {"type", "V4"}};
  doc["pool"][0]["servers"][0]["ip"] = {{"addr", "2001:db8::21"}, {"type", "V6"}};
  doc["serviceenginegroup"][0]["floating_intf_ip"] = {{{"addr", "10.10.1.100"}, {"type", "v4"}}};
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_EQ(d.document.virtualservice.at(0).vip.at(0).ip_address, ip("10.10.1.200"));
  EXPECT_EQ(d.document.pool.at(0).servers.at(0).ip, ip("2001:db8::21"));
  EXPECT_EQ(d.document.serviceenginegroup.at(0).floating_intf_ip.at(0), ip("10.10.1.100"));
}

TEST(Decode, RejectsAddressObjectWhoseTypeDoesNotMatch) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["vip"][0]["ip_address"] = {{"addr", "10.10.1.200"}, {"type", "V6"}};
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "virtualservice[vs1].vip[0].ip_address.type",
                       "V6 does not match the IPv4 address 10.10.1.200; use type V4"));
}

TEST(Decode, RejectsDnsAddressType) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ip"] = {{"addr", "10.10.20.21"}, {"type", "DNS"}};
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[web].servers[0].ip.type", "accepted: V4, V6"));
}

TEST(Decode, RejectsMalformedAddress) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ip"] = "10.10.20";
  auto d = decode(doc);
  EXPECT_TRUE(
      hasError(d.report, "pool[web].servers[0].ip", "\"10.10.20\" is not an IPv4 or IPv6 address"));
}

TEST(Decode, RejectsPrefixWhereAddressExpected) {
  auto doc = baseDocument();
  doc["serviceenginegroup"][0]["floating_intf_ip"] = {"10.10.1.100/24"};
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "serviceenginegroup[Default-Group].floating_intf_ip[0]",
                       "is a prefix; give an address without /length, e.g. \"10.10.1.100\""));
}

TEST(Decode, RejectsUnspecifiedVip) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["vip"][0]["ip_address"] = "0.0.0.0";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "virtualservice[vs1].vip[0].ip_address",
                       "0.0.0.0 is the unspecified address"));
}

TEST(Decode, AcceptsAviPrefixObjects) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["static_routes"][0]["prefix"] = {
      {"ip_addr", {{"addr", "0.0.0.0"}, {"type", "V4"}}}, {"mask", 0}};
  doc["serviceengine"][0]["data_vnics"][0]["ip"] = {{"ip_addr", "10.10.1.11"}, {"mask", 24}};
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_EQ(d.document.vrfcontext.at(0).static_routes.at(0).prefix, prefix("0.0.0.0/0"));
  EXPECT_EQ(d.document.serviceengine.at(0).data_vnics.at(0).ip, prefix("10.10.1.11/24"));
}

TEST(Decode, RejectsPrefixWithoutLength) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["static_routes"][0]["prefix"] = "10.0.0.0";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].static_routes[0].prefix",
                       "\"10.0.0.0\" has no prefix length"));
}

TEST(Decode, RejectsPrefixLengthOutOfRange) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["static_routes"][0]["prefix"] = "10.0.0.0/33";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].static_routes[0].prefix",
                       "length 33 is out of range; IPv4 prefix lengths are 0-32"));
}

TEST(Decode, RejectsPrefixObjectMaskOutOfRange) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["static_routes"][0]["prefix"] = {{"ip_addr", "2001:db8::"}, {"mask", 129}};
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].static_routes[0].prefix.mask",
                       "129 is out of range; IPv6 prefix lengths are 0-128"));
}

TEST(Decode, RejectsRoutePrefixWithHostBits) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["static_routes"][0]["prefix"] = "10.0.0.1/8";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].static_routes[0].prefix",
                       "10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?"));
}

TEST(Decode, RejectsPeerSubnetWithHostBits) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["bgp_profile"] = {
      {"local_as", 1},
      {"ibgp", true},
      {"peers", {{{"peer_ip", "10.10.1.1"}, {"subnet", "10.10.1.1/24"}}}}};
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bgp_profile.peers[0].subnet",
                       "did you mean 10.10.1.0/24?"));
}

TEST(Decode, RejectsInterfaceAddressThatIsTheNetworkAddress) {
  auto doc = baseDocument();
  doc["serviceengine"][0]["data_vnics"][0]["ip"] = "10.10.1.0/24";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "serviceengine[se1].data_vnics[0].ip",
                       "10.10.1.0/24 is the network address of 10.10.1.0/24"));
}

TEST(Decode, RejectsInterfaceAddressThatIsTheBroadcastAddress) {
  auto doc = baseDocument();
  doc["serviceengine"][0]["data_vnics"][0]["ip"] = "10.10.1.255/24";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "serviceengine[se1].data_vnics[0].ip",
                       "10.10.1.255/24 is the broadcast address of 10.10.1.0/24"));
}

TEST(Decode, AcceptsEitherAddressOfASlash31) {
  auto doc = baseDocument();
  doc["serviceengine"][0]["data_vnics"].push_back({{"if_name", "eth1"}, {"ip", "10.10.9.0/31"}});
  doc["serviceengine"][1]["data_vnics"].push_back({{"if_name", "eth1"}, {"ip", "10.10.8.1/31"}});
  EXPECT_TRUE(accepted(decode(doc).report));
}

// ---- refs ------------------------------------------------------------------------------------

class RefForms : public ::testing::TestWithParam<const char*> {};

TEST_P(RefForms, AcceptsRestStyleRefAsTheBareName) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["pool_ref"] = GetParam();
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_EQ(d.document.virtualservice.at(0).pool_ref, "web");
}

INSTANTIATE_TEST_SUITE_P(Decode, RefForms,
                         ::testing::Values("web", "/api/pool?name=web",
                                           "https://10.0.0.5/api/pool?name=web",
                                           "/api/pool?tenant=admin&name=web",
                                           "/api/pool/pool-3a7c1e2d#web", "/api/pool?name=w%65b"));

TEST(Decode, DecodesPercentEscapesInRefNames) {
  auto doc = baseDocument();
  doc["pool"][0]["name"] = "SE pool 1";
  doc["virtualservice"][0]["pool_ref"] = "/api/pool?name=SE%20pool%201";
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_EQ(d.document.virtualservice.at(0).pool_ref, "SE pool 1");
}

TEST(Decode, RejectsRefToTheWrongType) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["pool_ref"] = "/api/healthmonitor?name=x";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "virtualservice[vs1].pool_ref",
                       "\"/api/healthmonitor?name=x\" refers to a healthmonitor; this field "
                       "refers to a pool"));
}

TEST(Decode, RejectsMonitorRefToTheWrongType) {
  auto doc = baseDocument();
  doc["pool"][0]["health_monitor_refs"] = {"/api/pool?name=web"};
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[web].health_monitor_refs[0]", "refers to a pool"));
}

TEST(Decode, RejectsRefByUuidOnly) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["pool_ref"] = "/api/pool/pool-3a7c1e2d";
  auto d = decode(doc);
  EXPECT_TRUE(
      hasError(d.report, "virtualservice[vs1].pool_ref", "refs by uuid cannot be resolved"));
}

TEST(Decode, RejectsUrlThatIsNotAnApiRef) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["pool_ref"] = "https://example.com/pools/web";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "virtualservice[vs1].pool_ref", "is not a ref"));
}

TEST(Decode, RejectsRefWithInvalidUtf8Name) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["pool_ref"] = "/api/pool?name=%FF";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "virtualservice[vs1].pool_ref", "not valid UTF-8"));
}

// ---- networkprofile --------------------------------------------------------------------------

TEST(Decode, VirtualServiceUsesTheBuiltInTcpProxyNetworkProfileByDefault) {
  auto d = decode(baseDocument());
  ASSERT_TRUE(accepted(d.report));
  EXPECT_EQ(findVirtualService(d.document, "vs1")->network_profile_ref, "System-TCP-Proxy");
  const auto* np = findNetworkProfile(d.document, "System-TCP-Proxy");
  ASSERT_NE(np, nullptr);
  EXPECT_EQ(np->profile.type, NetworkProfileType::kTcpProxy);
  EXPECT_EQ(np->profile.tcp_proxy_profile.idle_connection_timeout, 600u);
}

TEST(Decode, ReadsIdleConnectionTimeoutOfANetworkProfile) {
  auto doc = baseDocument();
  doc["networkprofile"] = json::parse(R"([{"name": "short-idle", "profile": {
      "type": "PROTOCOL_TYPE_TCP_PROXY",
      "tcp_proxy_profile": {"idle_connection_timeout": 30}}}])");
  doc["virtualservice"][0]["network_profile_ref"] = "/api/networkprofile?name=short-idle";
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report)) << testing::describe(d.report);
  EXPECT_EQ(findVirtualService(d.document, "vs1")->network_profile_ref, "short-idle");
  EXPECT_EQ(findNetworkProfile(d.document, "short-idle")->profile.tcp_proxy_profile
                .idle_connection_timeout,
            30u);
}

TEST(Decode, AcceptsIdleConnectionTimeoutZeroAsNever) {
  auto doc = baseDocument();
  doc["networkprofile"] = json::parse(
      R"([{"name": "n", "profile": {"tcp_proxy_profile": {"idle_connection_timeout": 0}}}])");
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report)) << testing::describe(d.report);
  EXPECT_EQ(findNetworkProfile(d.document, "n")->profile.tcp_proxy_profile.idle_connection_timeout,
            0u);
}

TEST(Decode, RejectsIdleConnectionTimeoutOutOfAvisRange) {
  auto doc = baseDocument();
  doc["networkprofile"] = json::parse(
      R"([{"name": "n", "profile": {"tcp_proxy_profile": {"idle_connection_timeout": 3}}}])");
  EXPECT_TRUE(hasError(decode(doc).report,
                       "networkprofile[n].profile.tcp_proxy_profile.idle_connection_timeout",
                       "0 (never) or 5-14400 seconds"));
}

TEST(Decode, ReadsHttpProfileTimeoutsAndHeaderSwitches) {
  auto doc = baseDocument();
  doc["applicationprofile"] = json::parse(R"([{"name": "h", "http_profile": {
      "client_header_timeout": 1000, "client_body_timeout": 0, "keepalive_timeout": 5000,
      "xff_enabled": false, "x_forwarded_proto_enabled": false, "websockets_enabled": false}}])");
  doc["pool"][0]["server_timeout"] = 1500;
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report)) << testing::describe(d.report);
  const auto* p = findProfile(d.document, "h");
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->http_profile.has_value());
  EXPECT_EQ(p->http_profile->client_header_timeout, 1000u);
  EXPECT_EQ(p->http_profile->client_body_timeout, 0u);
  EXPECT_EQ(p->http_profile->keepalive_timeout, 5000u);
  EXPECT_FALSE(p->http_profile->xff_enabled);
  EXPECT_FALSE(p->http_profile->x_forwarded_proto_enabled);
  EXPECT_FALSE(p->http_profile->websockets_enabled);
  EXPECT_EQ(d.document.pool.at(0).server_timeout, 1500u);
}

TEST(Decode, RejectsHttpTimeoutsOutOfRange) {
  auto doc = baseDocument();
  doc["applicationprofile"] =
      json::parse(R"([{"name": "h", "http_profile": {"client_header_timeout": 5}}])");
  doc["pool"][0]["server_timeout"] = 30000000;
  const auto r = decode(doc).report;
  EXPECT_TRUE(
      hasError(r, "applicationprofile[h].http_profile.client_header_timeout", "10-100000000 ms"));
  EXPECT_TRUE(hasError(r, "pool[web].server_timeout", "1-21600000 ms"));
}

TEST(Decode, ReadsHttpMonitorResponseAndMaintenanceFields) {
  auto doc = baseDocument();
  doc["healthmonitor"] = json::parse(R"([{"name": "m", "type": "HEALTH_MONITOR_HTTP",
      "http_monitor": {"http_response": "ok", "maintenance_code": [503, 410],
                       "maintenance_response": "down for maintenance"}}])");
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report)) << testing::describe(d.report);
  const auto& h = *findMonitor(d.document, "m")->http_monitor;
  EXPECT_EQ(h.http_response, "ok");
  EXPECT_EQ(h.maintenance_code, (std::vector<uint32_t>{503, 410}));
  EXPECT_EQ(h.maintenance_response, "down for maintenance");
  doc["healthmonitor"][0]["http_monitor"]["maintenance_code"] = json::parse("[99]");
  EXPECT_TRUE(
      hasError(decode(doc).report, "healthmonitor[m].http_monitor.maintenance_code[0]", "101-599"));
}

TEST(Decode, RejectsANetworkProfileTypeFloeDoesNotProxy) {
  auto doc = baseDocument();
  doc["networkprofile"] =
      json::parse(R"([{"name": "n", "profile": {"type": "PROTOCOL_TYPE_UDP_FAST_PATH"}}])");
  EXPECT_TRUE(hasError(decode(doc).report, "networkprofile[n].profile.type",
                       "PROTOCOL_TYPE_TCP_PROXY"));
}

// ---- enums -----------------------------------------------------------------------------------

TEST(Decode, AcceptsEnumsInAnyCase) {
  auto doc = baseDocument();
  doc["serviceenginegroup"][0]["ha_mode"] = "ha_mode_shared_pair";
  doc["pool"][0]["lb_algorithm"] = "Lb_Algorithm_Consistent_Hash";
  doc["healthmonitor"] = {{{"name", "m"}, {"type", "health_monitor_udp"}}};
  doc["applicationprofile"] = {{{"name", "p"}, {"type", "application_profile_type_l4"}}};
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_EQ(d.document.serviceenginegroup.at(0).ha_mode, HaMode::kSharedPair);
  EXPECT_EQ(d.document.pool.at(0).lb_algorithm, LbAlgorithm::kConsistentHash);
  EXPECT_EQ(findMonitor(d.document, "m")->type, HealthMonitorType::kUdp);
  EXPECT_EQ(findProfile(d.document, "p")->type, ApplicationProfileType::kL4);
}

TEST(Decode, RejectsUnknownEnumValueListingTheAcceptedOnes) {
  auto doc = baseDocument();
  doc["serviceenginegroup"][0]["ha_mode"] = "HA_MODE_ACTIVE_ACTIVE";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "serviceenginegroup[Default-Group].ha_mode",
                       "\"HA_MODE_ACTIVE_ACTIVE\" is not a valid ha_mode; accepted (any case): "
                       "HA_MODE_LEGACY_ACTIVE_STANDBY, HA_MODE_SHARED, HA_MODE_SHARED_PAIR"));
}

TEST(Decode, NormalisesHttpResponseCodesToUpperCase) {
  auto doc = baseDocument();
  doc["healthmonitor"] = {{{"name", "h"},
                           {"type", "HEALTH_MONITOR_HTTP"},
                           {"http_monitor", {{"http_response_code", {"http_2xx"}}}}}};
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_EQ(findMonitor(d.document, "h")->http_monitor->http_response_code,
            std::vector<std::string>{"HTTP_2XX"});
}

TEST(Decode, RejectsUnknownHttpResponseCode) {
  auto doc = baseDocument();
  doc["healthmonitor"] = {{{"name", "h"},
                           {"type", "HEALTH_MONITOR_HTTP"},
                           {"http_monitor", {{"http_response_code", {"HTTP_200"}}}}}};
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "healthmonitor[h].http_monitor.http_response_code[0]",
                       "accepted: HTTP_ANY, HTTP_1XX"));
}

// ---- defaults and built-ins ------------------------------------------------------------------

TEST(Decode, BgpPolicyFields) {
  auto d = decodeDocument(R"({
    "vrfcontext": [{"name": "v", "bgp_profile": {"local_as": 65001, "local_preference": 50,
                                                 "num_as_path_prepend": 3,
                                                 "peers": [{"peer_ip": "10.0.0.1",
                                                            "remote_as": 65000,
                                                            "ebgp_multihop": 4}]}}]})");
  ASSERT_TRUE(accepted(d.report));
  const auto* v = findVrf(d.document, "v");
  EXPECT_EQ(v->bgp_profile->local_preference, 50u);
  EXPECT_EQ(v->bgp_profile->num_as_path_prepend, 3u);
  EXPECT_EQ(v->bgp_profile->peers.at(0).ebgp_multihop, 4u);
  auto bad = decodeDocument(R"({
    "vrfcontext": [{"name": "v", "bgp_profile": {"local_as": 65001, "num_as_path_prepend": 11,
                                                 "peers": [{"peer_ip": "10.0.0.1",
                                                            "remote_as": 65000,
                                                            "ebgp_multihop": 256}]}}]})");
  EXPECT_FALSE(accepted(bad.report));
  std::string all;
  for (const auto& e : bad.report.errors) all += e.toString() + "\n";
  EXPECT_NE(all.find("vrfcontext[v].bgp_profile.num_as_path_prepend"), std::string::npos) << all;
  EXPECT_NE(all.find("num_as_path_prepend is 0-10"), std::string::npos) << all;
  EXPECT_NE(all.find("ebgp_multihop is 0 (single hop) or 1-255"), std::string::npos) << all;
}

TEST(Decode, BgpCommunitiesAsWrittenOrRefusedByName) {
  auto d = decodeDocument(R"({
    "vrfcontext": [{"name": "v", "bgp_profile": {"local_as": 65001,
        "community": ["65000:100", "NO-EXPORT", "4294967295", "local-AS"],
        "peers": [{"peer_ip": "10.0.0.1", "remote_as": 65000}]}}]})");
  ASSERT_TRUE(accepted(d.report));
  const auto& c = findVrf(d.document, "v")->bgp_profile->community;
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(detail::parseBgpCommunity(c[0]), (65000u << 16) | 100u);
  EXPECT_EQ(detail::parseBgpCommunity(c[1]), 0xFFFFFF01u);  // RFC 1997 NO_EXPORT
  EXPECT_EQ(detail::parseBgpCommunity(c[2]), 0xFFFFFFFFu);
  EXPECT_EQ(detail::parseBgpCommunity(c[3]), 0xFFFFFF03u);  // NO_EXPORT_SUBCONFED
  EXPECT_EQ(encodeDocument(d.document)["vrfcontext"][0]["bgp_profile"]["community"][0], "65000:100");

  auto bad = decodeDocument(R"({
    "vrfcontext": [{"name": "v", "bgp_profile": {"local_as": 65001,
        "community": ["65536:1", "1:65536", "4294967296", "no-exports", ":1", 7],
        "peers": [{"peer_ip": "10.0.0.1", "remote_as": 65000}]}}]})");
  EXPECT_FALSE(accepted(bad.report));
  std::string all;
  for (const auto& e : bad.report.errors) all += e.toString() + "\n";
  for (int i = 0; i < 5; ++i) {
    EXPECT_NE(all.find("vrfcontext[v].bgp_profile.community[" + std::to_string(i) +
                       "]: \""),
              std::string::npos)
        << i << all;
  }
  EXPECT_NE(all.find("is not a BGP community; use AS:VALUE"), std::string::npos) << all;
  EXPECT_NE(all.find("community[5]: must be a string"), std::string::npos) << all;
}

TEST(Decode, AppliesAviDefaults) {
  auto d = decodeDocument(R"({
    "serviceenginegroup": [{"name": "g"}],
    "vrfcontext": [{"name": "v", "bgp_profile": {"local_as": 65001, "ibgp": true,
                                                 "peers": [{"peer_ip": "10.0.0.1"}]},
                    "bfd_profile": {}}],
    "healthmonitor": [{"name": "m"}],
    "pool": [{"name": "p", "servers": [{"ip": "10.0.0.2"}]}],
    "applicationprofile": [{"name": "a"}],
    "virtualservice": [{"name": "vs", "vip": [{"ip_address": "10.0.1.1"}],
                        "services": [{"port": 443}], "pool_ref": "p"}]})");
  ASSERT_TRUE(accepted(d.report));
  const Document& doc = d.document;
  const auto* g = findGroup(doc, "g");
  EXPECT_EQ(g->ha_mode, HaMode::kLegacyActiveStandby);
  EXPECT_TRUE(g->active_standby);
  EXPECT_EQ(g->dp_hb_frequency, 100u);
  EXPECT_EQ(g->dp_hb_timeout_count, 10u);
  const auto* v = findVrf(doc, "v");
  EXPECT_EQ(v->bgp_profile->hold_time, 180u);
  EXPECT_EQ(v->bgp_profile->keepalive_interval, 60u);
  EXPECT_TRUE(v->bgp_profile->peers.at(0).advertise_vip);
  EXPECT_TRUE(v->bgp_profile->peers.at(0).advertise_snat_ip);
  EXPECT_FALSE(v->bgp_profile->peers.at(0).bfd);
  EXPECT_EQ(v->bgp_profile->local_preference, 100u);
  EXPECT_EQ(v->bgp_profile->num_as_path_prepend, 0u);
  EXPECT_EQ(v->bgp_profile->peers.at(0).ebgp_multihop, 0u);
  EXPECT_EQ(v->bfd_profile, (BfdProfile{1000, 1000, 3}));
  const auto* m = findMonitor(doc, "m");
  EXPECT_EQ(m->type, HealthMonitorType::kTcp);
  EXPECT_EQ(m->send_interval, 10u);
  EXPECT_EQ(m->receive_timeout, 4u);
  EXPECT_EQ(m->successful_checks, 2u);
  EXPECT_EQ(m->failed_checks, 2u);
  const auto* p = findPool(doc, "p");
  EXPECT_EQ(p->lb_algorithm, LbAlgorithm::kLeastConnections);
  EXPECT_EQ(p->default_server_port, 80);
  EXPECT_EQ(p->servers.at(0).ratio, 1u);
  EXPECT_TRUE(p->servers.at(0).enabled);
  EXPECT_FALSE(p->servers.at(0).port);
  const auto* a = findProfile(doc, "a");
  EXPECT_EQ(a->type, ApplicationProfileType::kHttp);
  EXPECT_FALSE(a->preserve_client_ip);
  const auto* vs = findVirtualService(doc, "vs");
  EXPECT_TRUE(vs->enabled);
  EXPECT_EQ(vs->vip.at(0).vip_id, "0");
  EXPECT_EQ(vs->application_profile_ref, "System-HTTP");
  EXPECT_EQ(vs->se_group_ref, "Default-Group");
  EXPECT_EQ(vs->vrf_context_ref, "global");
}

TEST(Decode, DefaultsRouteIdsToTheirPositionFromOne) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["static_routes"] = {{{"prefix", "0.0.0.0/0"}, {"next_hop", "10.10.1.1"}},
                                           {{"prefix", "10.0.0.0/8"}, {"next_hop", "10.10.1.2"}}};
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_EQ(d.document.vrfcontext.at(0).static_routes.at(1).route_id, "2");
}

TEST(Decode, AcceptsNumericIds) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["vip"][0]["vip_id"] = 7;
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_EQ(d.document.virtualservice.at(0).vip.at(0).vip_id, "7");
}

TEST(Decode, DerivesActiveStandbyFromHaModeWhenOmitted) {
  auto doc = baseDocument();
  doc["serviceengine"] = json::array();
  doc["serviceenginegroup"][0]["ha_mode"] = "HA_MODE_SHARED";
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_FALSE(d.document.serviceenginegroup.at(0).active_standby);
}

TEST(Decode, AddsEveryBuiltinObject) {
  auto d = decode(baseDocument());
  ASSERT_TRUE(accepted(d.report));
  const Document& doc = d.document;
  EXPECT_NE(findGroup(doc, "Default-Group"), nullptr);
  EXPECT_NE(findVrf(doc, "global"), nullptr);
  const auto* http = findProfile(doc, "System-HTTP");
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->type, ApplicationProfileType::kHttp);
  ASSERT_TRUE(http->http_profile);
  EXPECT_TRUE(http->http_profile->connection_multiplexing_enabled);
  const auto* l4 = findProfile(doc, "System-L4-Application");
  ASSERT_NE(l4, nullptr);
  EXPECT_EQ(l4->type, ApplicationProfileType::kL4);
  const auto* tcp = findMonitor(doc, "System-TCP");
  ASSERT_NE(tcp, nullptr);
  EXPECT_EQ(tcp->type, HealthMonitorType::kTcp);
  EXPECT_EQ(tcp->send_interval, 10u);
  EXPECT_EQ(tcp->receive_timeout, 4u);
  EXPECT_EQ(tcp->successful_checks, 2u);
  EXPECT_EQ(tcp->failed_checks, 2u);
  ASSERT_NE(findMonitor(doc, "System-HTTP"), nullptr);
  EXPECT_EQ(findMonitor(doc, "System-HTTP")->type, HealthMonitorType::kHttp);
  ASSERT_NE(findMonitor(doc, "System-Ping"), nullptr);
  EXPECT_EQ(findMonitor(doc, "System-Ping")->type, HealthMonitorType::kPing);
}

TEST(Decode, DeclaredObjectReplacesTheBuiltinOfTheSameName) {
  auto doc = baseDocument();
  doc["healthmonitor"] = {{{"name", "System-TCP"}, {"send_interval", 5}, {"receive_timeout", 2}}};
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  size_t count = 0;
  for (const auto& m : d.document.healthmonitor) count += m.name == "System-TCP";
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(findMonitor(d.document, "System-TCP")->send_interval, 5u);
  // Built-ins of another type with the same name stay.
  EXPECT_NE(findProfile(d.document, "System-HTTP"), nullptr);
  EXPECT_NE(findMonitor(d.document, "System-HTTP"), nullptr);
}

TEST(Decode, RejectsDeeplyNestedInputAtTheDepthLimit) {
  std::string deep = "{\"pool\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto d = decodeDocument(deep);
  ASSERT_EQ(d.report.errors.size(), 1u) << testing::describe(d.report);
  EXPECT_NE(d.report.errors[0].reason.find("nesting deeper than 32 levels"), std::string::npos);
}

TEST(Decode, RejectsInvalidUtf8InTheInput) {
  auto d = decodeDocument("{\"pool\": [{\"name\": \"\xff\"}]}");
  EXPECT_TRUE(hasError(d.report, "document", "not valid JSON"));
}

TEST(Decode, DecodesAJsonValueAsWellAsText) {
  auto d = decodeDocument(baseDocument());
  EXPECT_TRUE(accepted(d.report));
  EXPECT_EQ(d.document, decode(baseDocument()).document);
}

}  // namespace
}  // namespace floe::config

// ---- consistent hash keys and http_profile header names (issue 8) ----------------------------

namespace floe::config {
namespace {

using testing::accepted;
using testing::baseDocument;
using testing::decode;
using testing::hasError;
using json = nlohmann::json;

json hashedPool(std::string_view hash) {
  auto doc = baseDocument();
  doc["pool"][0]["lb_algorithm"] = "LB_ALGORITHM_CONSISTENT_HASH";
  doc["pool"][0]["lb_algorithm_hash"] = hash;
  return doc;
}

TEST(DecodeHash, ReadsEachLbAlgorithmHashAndTheHeader) {
  const std::pair<const char*, LbAlgorithmHash> kinds[] = {
      {"LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS", LbAlgorithmHash::kSourceIpAddress},
      {"lb_algorithm_consistent_hash_source_ip_address_and_port",
       LbAlgorithmHash::kSourceIpAddressAndPort},
      {"LB_ALGORITHM_CONSISTENT_HASH_URI", LbAlgorithmHash::kUri}};
  for (const auto& [text, kind] : kinds) {
    auto d = decode(hashedPool(text));
    ASSERT_TRUE(accepted(d.report)) << text;
    EXPECT_EQ(d.document.pool.at(0).lb_algorithm_hash, kind) << text;
  }
  auto doc = hashedPool("LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER");
  doc["pool"][0]["lb_algorithm_consistent_hash_hdr"] = "X-User";
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_EQ(d.document.pool.at(0).lb_algorithm_hash, LbAlgorithmHash::kCustomHeader);
  EXPECT_EQ(d.document.pool.at(0).lb_algorithm_consistent_hash_hdr, "X-User");
}

TEST(DecodeHash, DefaultsToTheSourceAddress) {
  auto d = decode(baseDocument());
  ASSERT_TRUE(accepted(d.report));
  EXPECT_EQ(d.document.pool.at(0).lb_algorithm_hash, LbAlgorithmHash::kSourceIpAddress);
  EXPECT_EQ(d.document.pool.at(0).lb_algorithm_consistent_hash_hdr, "");
}

TEST(DecodeHash, RejectsAnUnknownHashListingTheAcceptedOnes) {
  const auto r = decode(hashedPool("LB_ALGORITHM_CONSISTENT_HASH_CALLID")).report;
  EXPECT_TRUE(hasError(r, "pool[web].lb_algorithm_hash",
                       "\"LB_ALGORITHM_CONSISTENT_HASH_CALLID\" is not a valid lb_algorithm_hash; "
                       "accepted (any case): LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS, "
                       "LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS_AND_PORT, "
                       "LB_ALGORITHM_CONSISTENT_HASH_URI, "
                       "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER"));
}

TEST(DecodeHash, RejectsCustomHeaderWithoutAHeaderName) {
  const auto r = decode(hashedPool("LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER")).report;
  EXPECT_TRUE(hasError(r, "pool[web].lb_algorithm_consistent_hash_hdr",
                       "is required with lb_algorithm_hash "
                       "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER"));
}

TEST(DecodeHash, RejectsAHeaderNameThatIsNotAToken) {
  for (const char* bad : {"X User", "X-User:", "", "X\nInjected"}) {
    auto doc = hashedPool("LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER");
    doc["pool"][0]["lb_algorithm_consistent_hash_hdr"] = bad;
    const auto r = decode(doc).report;
    EXPECT_TRUE(
        hasError(r, "pool[web].lb_algorithm_consistent_hash_hdr",
                 std::string(bad).empty() ? "must not be empty" : "is not an HTTP header name"))
        << bad;
  }
}

TEST(DecodeHash, RejectsAHeaderWithAnotherHash) {
  auto doc = hashedPool("LB_ALGORITHM_CONSISTENT_HASH_URI");
  doc["pool"][0]["lb_algorithm_consistent_hash_hdr"] = "X-User";
  EXPECT_TRUE(hasError(decode(doc).report, "pool[web].lb_algorithm_consistent_hash_hdr",
                       "applies only to lb_algorithm_hash "
                       "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER (lb_algorithm_hash is "
                       "LB_ALGORITHM_CONSISTENT_HASH_URI)"));
}

TEST(DecodeHash, RejectsANonDefaultHashWithAnotherAlgorithm) {
  auto doc = hashedPool("LB_ALGORITHM_CONSISTENT_HASH_URI");
  doc["pool"][0]["lb_algorithm"] = "LB_ALGORITHM_ROUND_ROBIN";
  EXPECT_TRUE(hasError(decode(doc).report, "pool[web].lb_algorithm_hash",
                       "LB_ALGORITHM_CONSISTENT_HASH_URI applies only to lb_algorithm "
                       "LB_ALGORITHM_CONSISTENT_HASH (lb_algorithm is LB_ALGORITHM_ROUND_ROBIN)"));
}

TEST(DecodeHash, AcceptsTheDefaultHashWithAnotherAlgorithm) {
  // Avi writes lb_algorithm_hash with its default into every pool it exports.
  auto doc = baseDocument();
  doc["pool"][0]["lb_algorithm"] = "LB_ALGORITHM_ROUND_ROBIN";
  doc["pool"][0]["lb_algorithm_hash"] = "LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS";
  EXPECT_TRUE(accepted(decode(doc).report));
}

TEST(DecodeHash, RejectsUriAndHeaderHashOnAPoolOfAnL4VirtualService) {
  for (const char* hash :
       {"LB_ALGORITHM_CONSISTENT_HASH_URI", "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER"}) {
    auto doc = hashedPool(hash);
    if (std::string_view(hash).ends_with("HEADER")) {
      doc["pool"][0]["lb_algorithm_consistent_hash_hdr"] = "X-User";
    }
    doc["virtualservice"][0]["application_profile_ref"] = "System-L4-Application";
    EXPECT_TRUE(hasError(decode(doc).report, "pool[web].lb_algorithm_hash",
                         std::string(hash) +
                             " needs HTTP requests, but virtualservice vs1 uses this pool with "
                             "applicationprofile System-L4-Application "
                             "(APPLICATION_PROFILE_TYPE_L4): an L4 proxy sees no URI or header"));
  }
}

TEST(DecodeHash, AcceptsSourceHashesOnAPoolOfAnL4VirtualService) {
  for (const char* hash : {"LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS",
                           "LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS_AND_PORT"}) {
    auto doc = hashedPool(hash);
    doc["virtualservice"][0]["application_profile_ref"] = "System-L4-Application";
    EXPECT_TRUE(accepted(decode(doc).report)) << hash;
  }
}

TEST(DecodeHttpProfile, ReadsXffAlternateNameAndViaEnabled) {
  auto doc = baseDocument();
  doc["applicationprofile"] = json::parse(
      R"([{"name": "h", "http_profile": {"xff_alternate_name": "X-Real-Client",
                                         "via_enabled": true}}])");
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report)) << testing::describe(d.report);
  const auto* p = findProfile(d.document, "h");
  ASSERT_TRUE(p != nullptr && p->http_profile);
  EXPECT_EQ(p->http_profile->xff_alternate_name, "X-Real-Client");
  EXPECT_TRUE(p->http_profile->via_enabled);
  EXPECT_EQ(HttpProfile{}.xff_alternate_name, "X-Forwarded-For");
  EXPECT_FALSE(HttpProfile{}.via_enabled);
}

TEST(DecodeHttpProfile, RejectsAnXffAlternateNameThatIsNotAToken) {
  auto doc = baseDocument();
  doc["applicationprofile"] =
      json::parse(R"([{"name": "h", "http_profile": {"xff_alternate_name": "X Client"}}])");
  EXPECT_TRUE(hasError(decode(doc).report, "applicationprofile[h].http_profile.xff_alternate_name",
                       "is not an HTTP header name: byte 0x20 at offset 1"));
}

TEST(DecodeHttpProfile, RejectsAnXffAlternateNameThatHttpOrFloeUses) {
  // Appending the client's address to a framing, routing or hop-by-hop field breaks every
  // request; the check ignores case.
  for (const char* name : {"Content-Length", "host", "Transfer-Encoding", "CONNECTION", "TE",
                           "Upgrade", "X-Forwarded-Proto", "via"}) {
    auto doc = baseDocument();
    doc["applicationprofile"] = json::array(
        {{{"name", "h"}, {"http_profile", {{"xff_alternate_name", std::string(name)}}}}});
    EXPECT_TRUE(hasError(decode(doc).report,
                         "applicationprofile[h].http_profile.xff_alternate_name",
                         std::string("\"") + name + "\" frames, routes or is hop-by-hop"))
        << name;
  }
  auto doc = baseDocument();
  doc["applicationprofile"] = json::parse(
      R"([{"name": "h", "http_profile": {"xff_alternate_name": "X-Content-Length"}}])");
  EXPECT_TRUE(accepted(decode(doc).report));
}

TEST(ValidateHash, JudgesAnEditedDocumentLikeADecodedOne) {
  auto d = decode(baseDocument());
  ASSERT_TRUE(accepted(d.report));
  Document doc = d.document;
  doc.pool.at(0).lb_algorithm = LbAlgorithm::kConsistentHash;
  doc.pool.at(0).lb_algorithm_hash = LbAlgorithmHash::kCustomHeader;
  doc.pool.at(0).lb_algorithm_consistent_hash_hdr = "bad name";
  HttpProfile h;
  h.xff_alternate_name = "a,b";
  ApplicationProfile p;
  p.name = "h";
  p.http_profile = h;
  doc.applicationprofile.push_back(p);
  const Report r = validate(doc);
  EXPECT_TRUE(hasError(r, "pool[web].lb_algorithm_consistent_hash_hdr", "not an HTTP header name"));
  EXPECT_TRUE(hasError(r, "applicationprofile[h].http_profile.xff_alternate_name",
                       "not an HTTP header name: ','"));
}

}  // namespace
}  // namespace floe::config
