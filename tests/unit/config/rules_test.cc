// The DESIGN.md validation rules 1-8, each accepted and rejected, and the end states of the two
// reference documents.
#include <gtest/gtest.h>

#include "config/document.h"
#include "test_support.h"

namespace floe::config {
namespace {

using testing::accepted;
using testing::baseDocument;
using testing::decode;
using testing::hasError;
using testing::hasNotice;
using json = nlohmann::json;

constexpr const char* kGroup = "serviceenginegroup[Default-Group]";

json& group(json& doc) { return doc["serviceenginegroup"][0]; }

// The base document with IP routing on its group.
json routingDocument() {
  auto doc = baseDocument();
  group(doc)["enable_routing"] = true;
  return doc;
}

// ---- rule 1: enable_routing requires legacy HA -------------------------------------------

TEST(Rule1, AcceptsEnableRoutingWithLegacyHaMode) {
  EXPECT_TRUE(accepted(decode(routingDocument()).report));
}

TEST(Rule1, RejectsEnableRoutingWithSharedHaMode) {
  auto doc = routingDocument();
  group(doc)["ha_mode"] = "HA_MODE_SHARED";
  auto d = decode(doc);
  ASSERT_FALSE(d.report.ok());
  bool found = false;
  for (const auto& e : d.report.errors) {
    found |= e.toString() ==
             "serviceenginegroup[Default-Group].enable_routing: requires ha_mode "
             "HA_MODE_LEGACY_ACTIVE_STANDBY";
  }
  EXPECT_TRUE(found) << testing::describe(d.report);
}

TEST(Rule1, RejectsEnableRoutingWithSharedPairHaMode) {
  auto doc = routingDocument();
  group(doc)["ha_mode"] = "HA_MODE_SHARED_PAIR";
  EXPECT_TRUE(hasError(decode(doc).report, std::string(kGroup) + ".enable_routing",
                       "requires ha_mode HA_MODE_LEGACY_ACTIVE_STANDBY"));
}

// ---- rule 2: enable_routing excludes distribute_load_active_standby ------------------------

TEST(Rule2, RejectsEnableRoutingWithDistributeLoad) {
  auto doc = routingDocument();
  group(doc)["distribute_load_active_standby"] = true;
  EXPECT_TRUE(hasError(decode(doc).report, std::string(kGroup) + ".enable_routing",
                       "cannot be combined with distribute_load_active_standby"));
}

TEST(Rule2, AcceptsDistributeLoadWithoutRouting) {
  auto doc = baseDocument();
  group(doc)["distribute_load_active_standby"] = true;
  EXPECT_TRUE(accepted(decode(doc).report));
}

// ---- rule 3: IP routing only in vrfcontext global ----------------------------------------

TEST(Rule3, RejectsRoutingGroupVirtualServiceInAnotherVrf) {
  auto doc = routingDocument();
  doc["vrfcontext"].push_back({{"name", "blue"}});
  doc["virtualservice"][0]["vrf_context_ref"] = "blue";
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].vrf_context_ref",
                       "IP routing is supported only in vrfcontext global"));
}

TEST(Rule3, AcceptsRoutingGroupVirtualServiceInGlobal) {
  auto doc = routingDocument();
  doc["virtualservice"][0]["vrf_context_ref"] = "global";
  EXPECT_TRUE(accepted(decode(doc).report));
}

TEST(Rule3, AcceptsNonRoutingGroupVirtualServiceInAnotherVrf) {
  auto doc = baseDocument();
  doc["vrfcontext"].push_back({{"name", "blue"}});
  doc["virtualservice"][0]["vrf_context_ref"] = "blue";
  EXPECT_TRUE(accepted(decode(doc).report));
}

// ---- rule 4: advertise_backend_networks requires enable_routing --------------------------

TEST(Rule4, RejectsAdvertiseBackendNetworksWithoutRouting) {
  auto doc = baseDocument();
  group(doc)["advertise_backend_networks"] = true;
  EXPECT_TRUE(hasError(decode(doc).report, std::string(kGroup) + ".advertise_backend_networks",
                       "requires enable_routing"));
}

TEST(Rule4, AcceptsAdvertiseBackendNetworksWithRouting) {
  auto doc = routingDocument();
  group(doc)["advertise_backend_networks"] = true;
  EXPECT_TRUE(accepted(decode(doc).report));
}

// ---- rule 5: preserve_client_ip ------------------------------------------------------------

// The servers of the base document on the SEs' own subnet, as preserve_client_ip needs.
json attachedServers() { return json::array({{{"ip", "10.10.1.21"}}, {{"ip", "10.10.1.22"}}}); }

json preservingProfile(const char* name = "keep-ip") {
  return {{"name", name},
          {"type", "APPLICATION_PROFILE_TYPE_HTTP"},
          {"preserve_client_ip", true},
          {"http_profile", {{"connection_multiplexing_enabled", false}}}};
}

TEST(Rule5, RejectsPreserveClientIpProfileWhenNoGroupRoutes) {
  auto doc = baseDocument();
  doc["applicationprofile"] = {preservingProfile()};
  EXPECT_TRUE(hasError(decode(doc).report, "applicationprofile[keep-ip].preserve_client_ip",
                       "requires a serviceenginegroup with enable_routing"));
}

TEST(Rule5, AcceptsPreserveClientIpProfileOnceAGroupRoutes) {
  auto doc = routingDocument();
  doc["pool"][0]["servers"] = attachedServers();
  doc["applicationprofile"] = {preservingProfile()};
  doc["virtualservice"][0]["application_profile_ref"] = "keep-ip";
  EXPECT_TRUE(accepted(decode(doc).report));
}

TEST(Rule5, RejectsPreserveClientIpVirtualServiceOnGroupWithoutRouting) {
  auto doc = routingDocument();
  doc["serviceenginegroup"].push_back({{"name", "plain"}});
  doc["applicationprofile"] = {preservingProfile()};
  doc["virtualservice"][0]["application_profile_ref"] = "keep-ip";
  doc["virtualservice"][0]["se_group_ref"] = "plain";
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].application_profile_ref",
                       "profile keep-ip preserves the client IP, which needs enable_routing on "
                       "serviceenginegroup plain"));
}

TEST(Rule5, RejectsPreserveClientIpWithSnatIp) {
  auto doc = routingDocument();
  doc["applicationprofile"] = {preservingProfile()};
  doc["virtualservice"][0]["application_profile_ref"] = "keep-ip";
  doc["virtualservice"][0]["snat_ip"] = {"10.10.1.201"};
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].snat_ip",
                       "remove snat_ip or turn preserve_client_ip off"));
}

TEST(Rule5, RejectsPreserveClientIpWithConnectionMultiplexing) {
  auto doc = routingDocument();
  auto profile = preservingProfile();
  profile["http_profile"]["connection_multiplexing_enabled"] = true;
  doc["applicationprofile"] = {profile};
  EXPECT_TRUE(hasError(decode(doc).report, "applicationprofile[keep-ip].preserve_client_ip",
                       "set http_profile.connection_multiplexing_enabled false (turn "
                       "multiplexing off)"));
}

TEST(Rule5, CountsMultiplexingAsOnWhenHttpProfileIsOmitted) {
  auto doc = routingDocument();
  auto profile = preservingProfile();
  profile.erase("http_profile");
  doc["applicationprofile"] = {profile};
  EXPECT_TRUE(hasError(decode(doc).report, "applicationprofile[keep-ip].preserve_client_ip",
                       "turn multiplexing off"));
}

TEST(Rule5, RejectsPreserveClientIpOnBuiltinSystemHttpWithMultiplexingOn) {
  auto doc = routingDocument();
  doc["applicationprofile"] = {{{"name", "System-HTTP"}, {"preserve_client_ip", true}}};
  EXPECT_TRUE(hasError(decode(doc).report, "applicationprofile[System-HTTP].preserve_client_ip",
                       "turn multiplexing off"));
}

TEST(Rule5, AcceptsPreserveClientIpOnL4Profile) {
  auto doc = routingDocument();
  doc["pool"][0]["servers"] = attachedServers();
  doc["applicationprofile"] = {{{"name", "l4-keep-ip"},
                                {"type", "APPLICATION_PROFILE_TYPE_L4"},
                                {"preserve_client_ip", true}}};
  doc["virtualservice"][0]["application_profile_ref"] = "l4-keep-ip";
  EXPECT_TRUE(accepted(decode(doc).report));
}

TEST(Rule5, RejectsPreserveClientIpWithAServerNotDirectlyAttached) {
  auto doc = routingDocument();
  doc["pool"][0]["servers"] = attachedServers();
  doc["pool"][0]["servers"][1]["ip"] = "10.10.20.22";  // behind a router
  doc["applicationprofile"] = {preservingProfile()};
  doc["virtualservice"][0]["application_profile_ref"] = "keep-ip";
  const auto report = decode(doc).report;
  const std::string reason =
      "10.10.20.22 is not on a network directly attached to serviceengine se1 (10.10.1.0/24), "
      "and virtualservice vs1 preserves the client IP (profile keep-ip): back-end servers must "
      "be on a directly-connected network";
  EXPECT_TRUE(hasError(report, "pool[web].servers[1].ip", reason)) << testing::describe(report);
  EXPECT_FALSE(hasError(report, "pool[web].servers[0].ip", "")) << testing::describe(report);
}

TEST(Rule5, DoesNotAskADisabledVirtualServiceForAttachedServers) {
  auto doc = routingDocument();
  doc["applicationprofile"] = {preservingProfile()};
  doc["virtualservice"][0]["application_profile_ref"] = "keep-ip";
  doc["virtualservice"][0]["enabled"] = false;
  EXPECT_TRUE(accepted(decode(doc).report));
}

// ---- rule 6: floating IPs in attached subnets, one per subnet ------------------------------

TEST(Rule6, RejectsFloatingIpOutsideEveryAttachedSubnet) {
  auto doc = baseDocument();
  group(doc)["floating_intf_ip"] = {"10.10.5.100"};
  EXPECT_TRUE(hasError(decode(doc).report, std::string(kGroup) + ".floating_intf_ip[0]",
                       "10.10.5.100 is not in a data-interface subnet of the group's service "
                       "engines (10.10.1.0/24)"));
}

TEST(Rule6, RejectsTwoFloatingIpsInOneSubnet) {
  auto doc = baseDocument();
  group(doc)["floating_intf_ip"] = {"10.10.1.100", "10.10.1.101"};
  EXPECT_TRUE(hasError(decode(doc).report, std::string(kGroup) + ".floating_intf_ip[1]",
                       "at most one floating IP per attached subnet"));
}

TEST(Rule6, AcceptsOneFloatingIpInEachOfTwoSubnets) {
  auto doc = baseDocument();
  doc["serviceengine"][0]["data_vnics"].push_back({{"if_name", "eth1"}, {"ip", "10.10.10.21/24"}});
  doc["serviceengine"][1]["data_vnics"].push_back({{"if_name", "eth1"}, {"ip", "10.10.10.22/24"}});
  group(doc)["floating_intf_ip"] = {"10.10.1.100", "10.10.10.11"};
  EXPECT_TRUE(accepted(decode(doc).report));
}

TEST(Rule6, RejectsFloatingIpThatIsAnSeInterfaceAddress) {
  auto doc = baseDocument();
  group(doc)["floating_intf_ip"] = {"10.10.1.12"};
  EXPECT_TRUE(hasError(decode(doc).report, std::string(kGroup) + ".floating_intf_ip[0]",
                       "is the address of eth0 on serviceengine se2"));
}

TEST(Rule6, RejectsFloatingIpThatIsTheSubnetBroadcastAddress) {
  auto doc = baseDocument();
  group(doc)["floating_intf_ip"] = {"10.10.1.255"};
  EXPECT_TRUE(hasError(decode(doc).report, std::string(kGroup) + ".floating_intf_ip[0]",
                       "broadcast address"));
}

TEST(Rule6, SkipsFloatingIpCheckWhileNoSeIsInTheGroup) {
  auto doc = baseDocument();
  doc["serviceengine"] = json::array();
  group(doc)["floating_intf_ip"] = {"10.10.5.100", "10.10.5.101"};
  EXPECT_TRUE(accepted(decode(doc).report));
}

struct FamilyCase {
  const char* name;
  const char* se1;
  const char* se2;
  const char* floatingInside;
  const char* floatingOutside;
  const char* vip;
};

class Rule6Family : public ::testing::TestWithParam<FamilyCase> {
 protected:
  json document(const char* floating) const {
    auto doc = baseDocument();
    doc["serviceengine"][0]["data_vnics"][0]["ip"] = GetParam().se1;
    doc["serviceengine"][1]["data_vnics"][0]["ip"] = GetParam().se2;
    doc["vrfcontext"][0].erase("static_routes");
    doc["virtualservice"][0]["vip"][0]["ip_address"] = GetParam().vip;
    group(doc)["floating_intf_ip"] = {floating};
    return doc;
  }
};

TEST_P(Rule6Family, AcceptsFloatingIpInTheAttachedSubnet) {
  EXPECT_TRUE(accepted(decode(document(GetParam().floatingInside)).report));
}

TEST_P(Rule6Family, RejectsFloatingIpOutsideTheAttachedSubnet) {
  EXPECT_TRUE(hasError(decode(document(GetParam().floatingOutside)).report,
                       std::string(kGroup) + ".floating_intf_ip[0]",
                       "a floating IP must be in an attached subnet"));
}

INSTANTIATE_TEST_SUITE_P(Rule6, Rule6Family,
                         ::testing::Values(FamilyCase{"V4", "10.10.1.11/24", "10.10.1.12/24",
                                                      "10.10.1.100", "10.10.2.100", "10.10.1.200"},
                                           FamilyCase{"V6", "2001:db8:1::11/64",
                                                      "2001:db8:1::12/64", "2001:db8:1::100",
                                                      "2001:db8:2::100", "2001:db8:1::200"}),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- rule 7: VIP/SNAT outside the attached subnets ---------------------------------------

// The reference-1 topology: VIP and SNAT outside 10.10.1.0/24, no BGP.
json staticRouteDocument() {
  auto doc = baseDocument();
  doc["virtualservice"][0]["vip"][0]["ip_address"] = "10.10.2.100";
  doc["virtualservice"][0]["snat_ip"] = {"10.10.3.100"};
  return doc;
}

TEST(Rule7, NoticesTheRouteToTheVipThroughTheFloatingIp) {
  auto d = decode(staticRouteDocument());
  ASSERT_TRUE(accepted(d.report));
  EXPECT_TRUE(hasNotice(d.report, "virtualservice[vs1].vip[0].ip_address",
                        "route add -host 10.10.2.100 gw 10.10.1.100"));
}

TEST(Rule7, NoticesTheRouteToTheSnatIpThroughTheFloatingIp) {
  auto d = decode(staticRouteDocument());
  ASSERT_TRUE(accepted(d.report));
  EXPECT_TRUE(hasNotice(d.report, "virtualservice[vs1].snat_ip[0]",
                        "route add -host 10.10.3.100 gw 10.10.1.100"));
}

TEST(Rule7, NamesTheSeAddressAndRecommendsAFloatingIpForASingleSe) {
  auto doc = staticRouteDocument();
  doc["serviceengine"].erase(1);
  group(doc).erase("floating_intf_ip");
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_TRUE(hasNotice(d.report, "virtualservice[vs1].vip[0].ip_address",
                        "route add -host 10.10.2.100 gw 10.10.1.11 (serviceengine se1's own "
                        "address; better configure a floating_intf_ip in 10.10.1.0/24"));
}

TEST(Rule7, AsksForAFloatingIpWhenALegacyPairHasNone) {
  auto doc = staticRouteDocument();
  group(doc).erase("floating_intf_ip");
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_TRUE(hasNotice(d.report, "virtualservice[vs1].vip[0].ip_address",
                        "via a floating_intf_ip in 10.10.1.0/24, which the group lacks"));
}

TEST(Rule7, RejectsStaticRouteReachabilityInClusterHa) {
  auto doc = staticRouteDocument();
  group(doc)["ha_mode"] = "HA_MODE_SHARED";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "virtualservice[vs1].vip[0].ip_address",
                       "static routes for VIP/SNAT reachability are unsupported in cluster HA "
                       "(HA_MODE_SHARED with 2 service engines)"));
  EXPECT_TRUE(hasError(d.report, "virtualservice[vs1].snat_ip[0]", "unsupported in cluster HA"));
}

TEST(Rule7, AcceptsClusterHaWithOneSeAndANotice) {
  auto doc = staticRouteDocument();
  group(doc)["ha_mode"] = "HA_MODE_SHARED_PAIR";
  doc["serviceengine"].erase(1);
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_TRUE(hasNotice(d.report, "virtualservice[vs1].vip[0].ip_address", "route add -host"));
}

TEST(Rule7, AcceptsClusterHaWhenBgpAdvertisesVipAndSnat) {
  auto doc = staticRouteDocument();
  group(doc)["ha_mode"] = "HA_MODE_SHARED";
  doc["vrfcontext"][0]["bgp_profile"] = {
      {"local_as", 65001}, {"peers", {{{"peer_ip", "10.10.1.1"}, {"remote_as", 65000}}}}};
  auto d = decode(doc);
  EXPECT_TRUE(accepted(d.report));
  EXPECT_TRUE(d.report.notices.empty()) << testing::describe(d.report);
}

TEST(Rule7, NoticesTheSnatIpWhenPeersAdvertiseOnlyVips) {
  auto doc = staticRouteDocument();
  doc["vrfcontext"][0]["bgp_profile"] = {
      {"local_as", 65001},
      {"peers", {{{"peer_ip", "10.10.1.1"}, {"remote_as", 65000}, {"advertise_snat_ip", false}}}}};
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_FALSE(hasNotice(d.report, "virtualservice[vs1].vip[0].ip_address"));
  EXPECT_TRUE(hasNotice(d.report, "virtualservice[vs1].snat_ip[0]",
                        "route add -host 10.10.3.100 gw 10.10.1.100"));
}

TEST(Rule7, AcceptsVipInAnAttachedSubnetWithoutNotice) {
  auto d = decode(baseDocument());
  EXPECT_TRUE(accepted(d.report));
  EXPECT_TRUE(d.report.notices.empty()) << testing::describe(d.report);
}

TEST(Rule7, PicksTheFloatingIpOfTheSubnetTowardClientsAndTowardServers) {
  auto doc = staticRouteDocument();
  // Two-armed: clients behind 10.10.40.3 (default route), servers behind 10.10.10.1.
  doc["serviceengine"][0]["data_vnics"] = {{{"if_name", "eth1"}, {"ip", "10.10.40.21/24"}},
                                           {{"if_name", "eth2"}, {"ip", "10.10.10.21/24"}}};
  doc["serviceengine"][1]["data_vnics"] = {{{"if_name", "eth1"}, {"ip", "10.10.40.22/24"}},
                                           {{"if_name", "eth2"}, {"ip", "10.10.10.22/24"}}};
  group(doc)["floating_intf_ip"] = {"10.10.40.11", "10.10.10.11"};
  doc["vrfcontext"][0]["static_routes"] = {
      {{"route_id", "1"}, {"prefix", "0.0.0.0/0"}, {"next_hop", "10.10.40.3"}},
      {{"route_id", "2"}, {"prefix", "10.10.20.0/24"}, {"next_hop", "10.10.10.1"}}};
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_TRUE(hasNotice(d.report, "virtualservice[vs1].vip[0].ip_address",
                        "route add -host 10.10.2.100 gw 10.10.40.11"));
  EXPECT_TRUE(hasNotice(d.report, "virtualservice[vs1].snat_ip[0]",
                        "route add -host 10.10.3.100 gw 10.10.10.11"));
}

TEST(Rule7, WritesIpv6RoutesInRouteSyntax) {
  auto doc = baseDocument();
  doc["serviceengine"][0]["data_vnics"][0]["ip"] = "2001:db8:1::11/64";
  doc["serviceengine"][1]["data_vnics"][0]["ip"] = "2001:db8:1::12/64";
  group(doc)["floating_intf_ip"] = {"2001:db8:1::100"};
  doc["vrfcontext"][0]["static_routes"] = {
      {{"route_id", "1"}, {"prefix", "::/0"}, {"next_hop", "2001:db8:1::1"}}};
  doc["virtualservice"][0]["vip"][0]["ip_address"] = "2001:db8:2::100";
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_TRUE(hasNotice(d.report, "virtualservice[vs1].vip[0].ip_address",
                        "route -A inet6 add 2001:db8:2::100/128 gw 2001:db8:1::100"));
}

TEST(Rule7, NoticesUnauthenticatedHeartbeatsOfALegacyPair) {
  auto doc = baseDocument();
  group(doc).erase("ha_heartbeat_secret");
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_TRUE(hasNotice(d.report, std::string(kGroup) + ".ha_heartbeat_secret",
                        "heartbeats between se1, se2 are unauthenticated"));
}

TEST(Rule7, DoesNotNoticeHeartbeatsOfASingleSe) {
  auto doc = baseDocument();
  group(doc).erase("ha_heartbeat_secret");
  doc["serviceengine"].erase(1);
  auto d = decode(doc);
  ASSERT_TRUE(accepted(d.report));
  EXPECT_TRUE(d.report.notices.empty()) << testing::describe(d.report);
}

// ---- rule 8: a legacy group holds one or two SEs -----------------------------------------

json withThirdSe(json doc) {
  doc["serviceengine"].push_back(
      {{"name", "se3"}, {"data_vnics", {{{"if_name", "eth0"}, {"ip", "10.10.1.13/24"}}}}});
  return doc;
}

TEST(Rule8, RejectsThreeSesInALegacyGroup) {
  auto d = decode(withThirdSe(baseDocument()));
  EXPECT_TRUE(hasError(d.report, kGroup,
                       "3 service engines reference it (se1, se2, se3), but "
                       "HA_MODE_LEGACY_ACTIVE_STANDBY holds one or two"));
}

TEST(Rule8, AcceptsThreeSesInASharedGroup) {
  auto doc = withThirdSe(baseDocument());
  group(doc)["ha_mode"] = "HA_MODE_SHARED";
  EXPECT_TRUE(accepted(decode(doc).report));
}

TEST(Rule8, AcceptsOneSeInALegacyGroup) {
  auto doc = baseDocument();
  doc["serviceengine"].erase(1);
  EXPECT_TRUE(accepted(decode(doc).report));
}

// ---- the reference documents' end states ---------------------------------------------------

TEST(ReferenceDocuments, AcceptsTheTwoArmedIpRoutingEndState) {
  auto d = decodeDocument(testing::readTestdata("reference_ip_routing.json"));
  ASSERT_TRUE(accepted(d.report));
  EXPECT_TRUE(d.report.notices.empty()) << testing::describe(d.report);
  const auto* g = findGroup(d.document, "Default-Group");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->enable_routing);
  EXPECT_TRUE(g->advertise_backend_networks);
  const auto& bgp = findVrf(d.document, "global")->bgp_profile;
  ASSERT_TRUE(bgp);
  EXPECT_EQ(bgp->local_as, 1u);
  EXPECT_TRUE(bgp->ibgp);
  EXPECT_TRUE(bgp->peers.at(0).bfd);
  const auto* http = findProfile(d.document, "System-HTTP");
  EXPECT_TRUE(http->preserve_client_ip);
  EXPECT_FALSE(http->http_profile->connection_multiplexing_enabled);
}

TEST(ReferenceDocuments, AcceptsTheOneArmedStaticRouteDocumentWithTwoRouteNotices) {
  auto d = decodeDocument(testing::readTestdata("reference_static_routes.json"));
  ASSERT_TRUE(accepted(d.report));
  ASSERT_EQ(d.report.notices.size(), 2u) << testing::describe(d.report);
  EXPECT_TRUE(hasNotice(d.report, "virtualservice[vs1].vip[0].ip_address",
                        "route add -host 10.10.2.100 gw 10.10.1.100"));
  EXPECT_TRUE(hasNotice(d.report, "virtualservice[vs1].snat_ip[0]",
                        "route add -host 10.10.3.100 gw 10.10.1.100"));
}

TEST(ReferenceDocuments, DesignExampleOnlyWarnsAboutUnauthenticatedHeartbeats) {
  auto d = decodeDocument(testing::readTestdata("design_example.json"));
  ASSERT_TRUE(accepted(d.report));
  ASSERT_EQ(d.report.notices.size(), 1u) << testing::describe(d.report);
  EXPECT_TRUE(hasNotice(d.report, std::string(kGroup) + ".ha_heartbeat_secret", "unauthenticated"));
}

}  // namespace
}  // namespace floe::config
