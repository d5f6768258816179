// encodeDocument(): the output shape, and decode(encode(d)) == d.
#include <gtest/gtest.h>

#include "config/document.h"
#include "test_support.h"

namespace floe::config {
namespace {

using testing::accepted;
using testing::decode;
using json = nlohmann::json;

// A document that sets every field, optional ones included, away from its default.
Document fullDocument() {
  auto d = decodeDocument(R"({
    "serviceenginegroup": [{"name": "Default-Group", "ha_mode": "HA_MODE_LEGACY_ACTIVE_STANDBY",
        "active_standby": true, "floating_intf_ip": ["10.10.10.11", "10.10.40.11"],
        "enable_routing": true, "advertise_backend_networks": true,
        "distribute_load_active_standby": false, "dp_hb_frequency": 200,
        "dp_hb_timeout_count": 5, "ha_heartbeat_secret": "s3cret"},
      {"name": "cluster", "ha_mode": "HA_MODE_SHARED"}],
    "serviceengine": [
      {"name": "se1", "data_vnics": [{"if_name": "eth1", "ip": "10.10.40.21/24"},
                                     {"if_name": "eth2", "ip": "10.10.10.21/24"}]},
      {"name": "se2", "se_group_ref": "Default-Group",
       "data_vnics": [{"if_name": "eth1", "ip": "10.10.40.22/24"},
                      {"if_name": "eth2", "ip": "10.10.10.22/24"}]}],
    "vrfcontext": [{"name": "global",
        "static_routes": [{"route_id": "1", "prefix": "0.0.0.0/0", "next_hop": "10.10.40.3"},
                          {"route_id": "r6", "prefix": "2001:db8::/32",
                           "next_hop": "fe80::1", "if_name": "eth1"}],
        "bgp_profile": {"local_as": 1, "ibgp": true, "hold_time": 90, "keepalive_interval": 30,
            "peers": [{"peer_ip": "10.10.40.3", "subnet": "10.10.40.0/24", "bfd": true,
                       "advertise_vip": false, "advertise_snat_ip": true,
                       "md5_secret": "peer-key"},
                      {"peer_ip": "10.10.40.4", "remote_as": 1}]},
        "bfd_profile": {"mintx": 300, "minrx": 400, "multi": 5}},
      {"name": "blue"}],
    "healthmonitor": [{"name": "http-check", "type": "HEALTH_MONITOR_HTTP", "send_interval": 5,
        "receive_timeout": 2, "successful_checks": 3, "failed_checks": 4, "monitor_port": 8081,
        "http_monitor": {"http_request": "GET /health HTTP/1.1", "http_response_code": ["HTTP_2XX"]}}],
    "pool": [{"name": "web", "lb_algorithm": "LB_ALGORITHM_FASTEST_RESPONSE",
        "default_server_port": 8080, "health_monitor_refs": ["http-check", "System-Ping"],
        "servers": [{"ip": "10.10.10.101", "port": 81, "ratio": 3, "enabled": false},
                    {"ip": "2001:db8::5"}]},
             {"name": "sticky", "lb_algorithm": "LB_ALGORITHM_CONSISTENT_HASH",
              "lb_algorithm_hash": "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER",
              "lb_algorithm_consistent_hash_hdr": "X-User", "servers": [{"ip": "10.10.10.102"}]}],
    "applicationprofile": [{"name": "keep-ip", "type": "APPLICATION_PROFILE_TYPE_HTTP",
        "preserve_client_ip": true, "http_profile": {"connection_multiplexing_enabled": false,
        "xff_alternate_name": "X-Real-Client", "via_enabled": true}}],
    "virtualservice": [{"name": "vs1", "enabled": false,
        "vip": [{"vip_id": "0", "ip_address": "10.10.40.100"},
                {"vip_id": "1", "ip_address": "2001:db8:40::100"}],
        "services": [{"port": 80}, {"port": 8000, "port_range_end": 8010}],
        "pool_ref": "web", "application_profile_ref": "keep-ip",
        "se_group_ref": "Default-Group", "vrf_context_ref": "global"},
      {"name": "vs2", "vip": [{"ip_address": "10.10.40.101"}], "services": [{"port": 443}],
       "snat_ip": ["10.10.40.201", "2001:db8::201"], "pool_ref": "web", "se_group_ref": "cluster",
       "vrf_context_ref": "blue", "application_profile_ref": "System-L4-Application"}]
  })");
  EXPECT_TRUE(accepted(d.report));
  return d.document;
}

TEST(Encode, RoundTripsFullDocument) {
  const Document original = fullDocument();
  auto again = decodeDocument(encodeDocument(original).dump());
  ASSERT_TRUE(accepted(again.report));
  EXPECT_EQ(again.document, original);
}

TEST(Encode, RoundTripsTheDesignExample) {
  auto first = decodeDocument(testing::readTestdata("design_example.json"));
  ASSERT_TRUE(accepted(first.report));
  auto again = decodeDocument(encodeDocument(first.document));
  ASSERT_TRUE(accepted(again.report));
  EXPECT_EQ(again.document, first.document);
}

TEST(Encode, RoundTripsTheBuiltinObjects) {
  auto again = decodeDocument(encodeDocument(builtinObjects()).dump());
  ASSERT_TRUE(accepted(again.report));
  EXPECT_EQ(again.document, builtinObjects());
}

TEST(Encode, WritesAddressesAndPrefixesAsStrings) {
  const json j = encodeDocument(fullDocument());
  EXPECT_EQ(j["serviceenginegroup"][0]["floating_intf_ip"], json({"10.10.10.11", "10.10.40.11"}));
  EXPECT_EQ(j["serviceengine"][0]["data_vnics"][0]["ip"], "10.10.40.21/24");
  EXPECT_EQ(j["vrfcontext"][0]["static_routes"][1]["prefix"], "2001:db8::/32");
  EXPECT_EQ(j["vrfcontext"][0]["bgp_profile"]["peers"][0]["subnet"], "10.10.40.0/24");
  EXPECT_EQ(j["virtualservice"][0]["vip"][1]["ip_address"], "2001:db8:40::100");
}

TEST(Encode, WritesEnumsUpperCase) {
  auto doc = testing::baseDocument();
  doc["serviceenginegroup"][0]["ha_mode"] = "ha_mode_legacy_active_standby";
  doc["pool"][0]["lb_algorithm"] = "lb_algorithm_round_robin";
  auto decoded = decode(doc);
  ASSERT_TRUE(accepted(decoded.report));
  const json j = encodeDocument(decoded.document);
  EXPECT_EQ(j["serviceenginegroup"][0]["ha_mode"], "HA_MODE_LEGACY_ACTIVE_STANDBY");
  EXPECT_EQ(j["pool"][0]["lb_algorithm"], "LB_ALGORITHM_ROUND_ROBIN");
}

TEST(Encode, WritesEveryFieldWithItsDefault) {
  auto decoded = decode(testing::baseDocument());
  ASSERT_TRUE(accepted(decoded.report));
  const json j = encodeDocument(decoded.document);
  const json& g = j["serviceenginegroup"][0];
  EXPECT_EQ(g["dp_hb_frequency"], 100);
  EXPECT_EQ(g["dp_hb_timeout_count"], 10);
  EXPECT_EQ(g["enable_routing"], false);
  EXPECT_EQ(g["active_standby"], true);
  EXPECT_EQ(j["pool"][0]["default_server_port"], 80);
  EXPECT_EQ(j["pool"][0]["servers"][0]["ratio"], 1);
  EXPECT_EQ(j["virtualservice"][0]["vrf_context_ref"], "global");
}

TEST(Encode, WritesHashAndHeaderNamesOnlyWhenSet) {
  const json full = encodeDocument(fullDocument());
  EXPECT_EQ(full["pool"][1]["lb_algorithm_hash"], "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER");
  EXPECT_EQ(full["pool"][1]["lb_algorithm_consistent_hash_hdr"], "X-User");
  EXPECT_EQ(full["applicationprofile"][0]["http_profile"]["xff_alternate_name"], "X-Real-Client");
  EXPECT_EQ(full["applicationprofile"][0]["http_profile"]["via_enabled"], true);
  const json plain = encodeDocument(fullDocument());
  EXPECT_FALSE(plain["pool"][0].contains("lb_algorithm_hash"));
  EXPECT_FALSE(plain["pool"][0].contains("lb_algorithm_consistent_hash_hdr"));
  auto decoded = decode(testing::baseDocument());
  ASSERT_TRUE(accepted(decoded.report));
  const json j = encodeDocument(decoded.document);
  for (const auto& p : j["applicationprofile"]) {
    if (!p.contains("http_profile")) continue;
    EXPECT_FALSE(p["http_profile"].contains("xff_alternate_name")) << p.dump();
    EXPECT_FALSE(p["http_profile"].contains("via_enabled")) << p.dump();
  }
}

TEST(Encode, OmitsUnsetRemoteAs) {
  const json j = encodeDocument(fullDocument());
  EXPECT_FALSE(j["vrfcontext"][0]["bgp_profile"]["peers"][0].contains("remote_as"));
  EXPECT_EQ(j["vrfcontext"][0]["bgp_profile"]["peers"][1]["remote_as"], 1);
}

TEST(Encode, WritesANameThatLooksLikeAUrlAsAnEscapedRef) {
  Document doc = fullDocument();
  doc.pool.at(0).name = "/odd name#1";
  for (auto& vs : doc.virtualservice) vs.pool_ref = "/odd name#1";
  const json j = encodeDocument(doc);
  EXPECT_EQ(j["virtualservice"][0]["pool_ref"], "/api/pool?name=%2Fodd%20name%231");
  auto again = decodeDocument(j.dump());
  ASSERT_TRUE(accepted(again.report));
  EXPECT_EQ(again.document, doc);
}

}  // namespace
}  // namespace floe::config
