// validate(): ranges, cross-field checks, names, refs and duplicates (the DESIGN.md rules are
// in rules_test.cc).
#include <gtest/gtest.h>

#include "config/document.h"
#include "test_support.h"

namespace floe::config {
namespace {

using testing::accepted;
using testing::baseDocument;
using testing::decode;
using testing::hasError;
using json = nlohmann::json;

json withBgp(json bgp) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["bgp_profile"] = std::move(bgp);
  return doc;
}

json ebgpPeer() { return {{"peer_ip", "10.10.1.1"}, {"remote_as", 65000}}; }

// ---- BGP ---------------------------------------------------------------------------------

TEST(ValidateBgp, RejectsHoldTimeOfOne) {
  auto d = decode(withBgp({{"local_as", 65001}, {"hold_time", 1}, {"keepalive_interval", 0}}));
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bgp_profile.hold_time",
                       "1 is out of range; hold_time is 0 (no keepalives) or 3-65535 seconds"));
}

TEST(ValidateBgp, RejectsHoldTimeOfTwo) {
  auto d = decode(withBgp({{"local_as", 65001}, {"hold_time", 2}, {"keepalive_interval", 0}}));
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bgp_profile.hold_time", "out of range"));
}

TEST(ValidateBgp, AcceptsHoldTimeOfZeroWithoutKeepalives) {
  auto d = decode(withBgp({{"local_as", 65001}, {"hold_time", 0}, {"keepalive_interval", 0}}));
  EXPECT_TRUE(accepted(d.report));
}

TEST(ValidateBgp, AcceptsHoldTimeOfThree) {
  auto d = decode(withBgp({{"local_as", 65001}, {"hold_time", 3}, {"keepalive_interval", 1}}));
  EXPECT_TRUE(accepted(d.report));
}

TEST(ValidateBgp, RejectsKeepaliveNotBelowHoldTime) {
  auto d = decode(withBgp({{"local_as", 65001}, {"hold_time", 90}, {"keepalive_interval", 90}}));
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bgp_profile.keepalive_interval",
                       "90 is not below hold_time 90; use about a third of hold_time, e.g. 30"));
}

TEST(ValidateBgp, RejectsKeepaliveOfZeroWithNonZeroHoldTime) {
  auto d = decode(withBgp({{"local_as", 65001}, {"keepalive_interval", 0}}));
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bgp_profile.keepalive_interval",
                       "0 sends no keepalives"));
}

TEST(ValidateBgp, RejectsMissingLocalAs) {
  auto d = decode(withBgp({{"ibgp", true}}));
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bgp_profile.local_as",
                       "is required; AS numbers are 1-4294967295"));
}

TEST(ValidateBgp, RejectsLocalAsZero) {
  auto d = decode(withBgp({{"local_as", 0}}));
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bgp_profile.local_as",
                       "0 is out of range; AS numbers are 1-4294967295"));
}

TEST(ValidateBgp, AcceptsFourOctetAsNumbers) {
  auto d = decode(withBgp({{"local_as", 4294967295u},
                           {"peers", {{{"peer_ip", "10.10.1.1"}, {"remote_as", 4200000000u}}}}}));
  EXPECT_TRUE(accepted(d.report));
}

TEST(ValidateBgp, AcceptsIbgpPeerWithoutRemoteAs) {
  auto d =
      decode(withBgp({{"local_as", 1}, {"ibgp", true}, {"peers", {{{"peer_ip", "10.10.1.1"}}}}}));
  EXPECT_TRUE(accepted(d.report));
}

TEST(ValidateBgp, AcceptsIbgpPeerWithRemoteAsEqualToLocalAs) {
  auto d = decode(withBgp({{"local_as", 1},
                           {"ibgp", true},
                           {"peers", {{{"peer_ip", "10.10.1.1"}, {"remote_as", 1}}}}}));
  EXPECT_TRUE(accepted(d.report));
}

TEST(ValidateBgp, RejectsIbgpPeerWithDifferentRemoteAs) {
  auto d = decode(withBgp({{"local_as", 1},
                           {"ibgp", true},
                           {"peers", {{{"peer_ip", "10.10.1.1"}, {"remote_as", 2}}}}}));
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bgp_profile.peers[0].remote_as",
                       "2 differs from local_as 1 but ibgp is true"));
}

TEST(ValidateBgp, RejectsEbgpPeerWithoutRemoteAs) {
  auto d = decode(withBgp({{"local_as", 65001}, {"peers", {{{"peer_ip", "10.10.1.1"}}}}}));
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bgp_profile.peers[0].remote_as",
                       "is required for an eBGP peer"));
}

TEST(ValidateBgp, RejectsEbgpPeerWithTheLocalAs) {
  auto d = decode(withBgp(
      {{"local_as", 65001}, {"peers", {{{"peer_ip", "10.10.1.1"}, {"remote_as", 65001}}}}}));
  EXPECT_TRUE(
      hasError(d.report, "vrfcontext[global].bgp_profile.peers[0].remote_as", "set ibgp true"));
}

TEST(ValidateBgp, RejectsDuplicatePeerIp) {
  auto d = decode(withBgp({{"local_as", 65001}, {"peers", {ebgpPeer(), ebgpPeer()}}}));
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bgp_profile.peers[1].peer_ip",
                       "10.10.1.1 is already peers[0]"));
}

TEST(ValidateBgp, RejectsPeerOutsideItsSubnet) {
  auto peer = ebgpPeer();
  peer["subnet"] = "10.10.40.0/24";
  auto d = decode(withBgp({{"local_as", 65001}, {"peers", {peer}}}));
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bgp_profile.peers[0].subnet",
                       "10.10.40.0/24 does not contain peer_ip 10.10.1.1"));
}

TEST(ValidateBgp, RejectsMd5SecretLongerThanTcpAllows) {
  auto peer = ebgpPeer();
  peer["md5_secret"] = std::string(81, 'k');
  auto d = decode(withBgp({{"local_as", 65001}, {"peers", {peer}}}));
  EXPECT_TRUE(
      hasError(d.report, "vrfcontext[global].bgp_profile.peers[0].md5_secret", "at most 80"));
}

// ---- BFD ---------------------------------------------------------------------------------

TEST(ValidateBfd, RejectsIntervalBelowFiftyMilliseconds) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["bfd_profile"] = {{"mintx", 10}};
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bfd_profile.mintx",
                       "10 is out of range; BFD mintx and minrx are 50-60000 ms"));
}

TEST(ValidateBfd, RejectsMultiplierOfZero) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["bfd_profile"] = {{"multi", 0}};
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "vrfcontext[global].bfd_profile.multi", "is 1-255"));
}

// ---- health monitors -----------------------------------------------------------------------

json withMonitor(json monitor) {
  auto doc = baseDocument();
  doc["healthmonitor"] = {std::move(monitor)};
  return doc;
}

TEST(ValidateMonitor, RejectsReceiveTimeoutNotBelowSendInterval) {
  auto d = decode(withMonitor({{"name", "m"}, {"send_interval", 5}, {"receive_timeout", 5}}));
  EXPECT_TRUE(
      hasError(d.report, "healthmonitor[m].receive_timeout", "5 is not below send_interval 5"));
}

TEST(ValidateMonitor, RejectsSendIntervalOutOfRange) {
  auto d = decode(withMonitor({{"name", "m"}, {"send_interval", 3601}}));
  EXPECT_TRUE(hasError(d.report, "healthmonitor[m].send_interval",
                       "3601 is out of range; send_interval is 1-3600 seconds"));
}

TEST(ValidateMonitor, RejectsReceiveTimeoutOfZero) {
  auto d = decode(withMonitor({{"name", "m"}, {"receive_timeout", 0}}));
  EXPECT_TRUE(hasError(d.report, "healthmonitor[m].receive_timeout", "0 is out of range"));
}

TEST(ValidateMonitor, RejectsChecksOutOfRange) {
  auto d = decode(withMonitor({{"name", "m"}, {"successful_checks", 0}, {"failed_checks", 51}}));
  EXPECT_TRUE(hasError(d.report, "healthmonitor[m].successful_checks", "1-50"));
  EXPECT_TRUE(hasError(d.report, "healthmonitor[m].failed_checks", "1-50"));
}

TEST(ValidateMonitor, RejectsMonitorPortOnPing) {
  auto d =
      decode(withMonitor({{"name", "m"}, {"type", "HEALTH_MONITOR_PING"}, {"monitor_port", 80}}));
  EXPECT_TRUE(hasError(d.report, "healthmonitor[m].monitor_port", "probes no port"));
}

TEST(ValidateMonitor, RejectsHttpMonitorOnTcpMonitor) {
  auto d = decode(withMonitor({{"name", "m"}, {"http_monitor", json::object()}}));
  EXPECT_TRUE(
      hasError(d.report, "healthmonitor[m].http_monitor", "applies only to HEALTH_MONITOR_HTTP"));
}

// ---- pools ---------------------------------------------------------------------------------

TEST(ValidatePool, RejectsRatioOfZero) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ratio"] = 0;
  EXPECT_TRUE(hasError(decode(doc).report, "pool[web].servers[0].ratio",
                       "0 is out of range; ratio is 1-20"));
}

TEST(ValidatePool, RejectsRatioOfTwentyOne) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ratio"] = 21;
  EXPECT_TRUE(hasError(decode(doc).report, "pool[web].servers[0].ratio", "21 is out of range"));
}

TEST(ValidatePool, RejectsDefaultServerPortOfZero) {
  auto doc = baseDocument();
  doc["pool"][0]["default_server_port"] = 0;
  EXPECT_TRUE(hasError(decode(doc).report, "pool[web].default_server_port",
                       "0 is out of range; ports are 1-65535"));
}

TEST(ValidatePool, RejectsDuplicateServerIpAndPort) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][1] = {{"ip", "10.10.20.21"}, {"port", 80}};  // 80 is the default
  EXPECT_TRUE(
      hasError(decode(doc).report, "pool[web].servers[1]", "10.10.20.21:80 is already servers[0]"));
}

TEST(ValidatePool, AcceptsSameServerIpOnAnotherPort) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][1] = {{"ip", "10.10.20.21"}, {"port", 8080}};
  EXPECT_TRUE(accepted(decode(doc).report));
}

TEST(ValidatePool, RejectsMonitorListedTwice) {
  auto doc = baseDocument();
  doc["pool"][0]["health_monitor_refs"] = {"System-TCP", "System-TCP"};
  EXPECT_TRUE(hasError(decode(doc).report, "pool[web].health_monitor_refs[1]", "listed twice"));
}

// ---- names and refs ------------------------------------------------------------------------

TEST(ValidateNames, RejectsDuplicateNamesWithinAType) {
  auto doc = baseDocument();
  doc["pool"].push_back(doc["pool"][0]);
  EXPECT_TRUE(hasError(decode(doc).report, "pool[web]",
                       "duplicate name: pool objects 0 and 1 are both named \"web\""));
}

TEST(ValidateNames, RejectsEmptyNameInACodeBuiltDocument) {
  Document doc = builtinObjects();
  doc.pool.emplace_back();
  EXPECT_TRUE(hasError(validate(doc), "pool[0].name", "must not be empty"));
}

struct DanglingRef {
  const char* pointer;  // JSON pointer of the ref in baseDocument()
  const char* path;
  const char* reason;
};

class DanglingRefs : public ::testing::TestWithParam<DanglingRef> {};

TEST_P(DanglingRefs, RejectsRefToMissingObject) {
  auto doc = baseDocument();
  doc["pool"][0]["health_monitor_refs"] = {"System-TCP"};
  doc[json::json_pointer(GetParam().pointer)] = "missing";
  EXPECT_TRUE(hasError(decode(doc).report, GetParam().path, GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(
    ValidateRefs, DanglingRefs,
    ::testing::Values(
        DanglingRef{"/serviceengine/0/se_group_ref", "serviceengine[se1].se_group_ref",
                    "no serviceenginegroup named \"missing\"; declared: Default-Group"},
        DanglingRef{"/virtualservice/0/pool_ref", "virtualservice[vs1].pool_ref",
                    "no pool named \"missing\""},
        DanglingRef{"/virtualservice/0/application_profile_ref",
                    "virtualservice[vs1].application_profile_ref",
                    "no applicationprofile named \"missing\""},
        DanglingRef{"/virtualservice/0/network_profile_ref",
                    "virtualservice[vs1].network_profile_ref",
                    "no networkprofile named \"missing\""},
        DanglingRef{"/virtualservice/0/se_group_ref", "virtualservice[vs1].se_group_ref",
                    "no serviceenginegroup named \"missing\""},
        DanglingRef{"/virtualservice/0/vrf_context_ref", "virtualservice[vs1].vrf_context_ref",
                    "no vrfcontext named \"missing\"; declared: global"},
        DanglingRef{"/pool/0/health_monitor_refs/0", "pool[web].health_monitor_refs[0]",
                    "no healthmonitor named \"missing\""}));

TEST(ValidateRefs, SuggestsTheNameMeantByATypo) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["pool_ref"] = "wep";
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].pool_ref",
                       "no pool named \"wep\" (did you mean web?)"));
}

// ---- virtual services ----------------------------------------------------------------------

json secondVs(const char* vip, int port) {
  return {{"name", "vs2"},
          {"vip", {{{"vip_id", "0"}, {"ip_address", vip}}}},
          {"services", {{{"port", port}}}},
          {"pool_ref", "web"}};
}

TEST(ValidateVirtualService, RejectsSameVipAndPortInTwoVirtualServices) {
  auto doc = baseDocument();
  doc["virtualservice"].push_back(secondVs("10.10.1.200", 80));
  EXPECT_TRUE(
      hasError(decode(doc).report, "virtualservice[vs2].services[0].port",
               "10.10.1.200:80 overlaps 10.10.1.200:80 of virtualservice[vs1].services[0]"));
}

TEST(ValidateVirtualService, RejectsOverlapThroughPortRangeEnd) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["services"][0] = {{"port", 8000}, {"port_range_end", 8100}};
  doc["virtualservice"].push_back(secondVs("10.10.1.200", 8080));
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs2].services[0].port",
                       "10.10.1.200:8080 overlaps 10.10.1.200:8000-8100"));
}

TEST(ValidateVirtualService, RejectsOverlappingServicesOfOneVirtualService) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["services"].push_back({{"port", 80}});
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].services[1].port",
                       "of this virtual service"));
}

TEST(ValidateVirtualService, AcceptsSameVipOnOtherPorts) {
  auto doc = baseDocument();
  doc["virtualservice"].push_back(secondVs("10.10.1.200", 443));
  EXPECT_TRUE(accepted(decode(doc).report));
}

TEST(ValidateVirtualService, AcceptsSameVipAndPortInAnotherVrf) {
  auto doc = baseDocument();
  doc["vrfcontext"].push_back({{"name", "blue"}});
  auto vs2 = secondVs("10.10.1.200", 80);
  vs2["vrf_context_ref"] = "blue";
  doc["virtualservice"].push_back(vs2);
  EXPECT_TRUE(accepted(decode(doc).report));
}

TEST(ValidateVirtualService, RejectsVirtualServiceWithoutVip) {
  auto doc = baseDocument();
  doc["virtualservice"][0].erase("vip");
  EXPECT_TRUE(
      hasError(decode(doc).report, "virtualservice[vs1].vip", "at least one vip is required"));
}

TEST(ValidateVirtualService, RejectsVirtualServiceWithoutService) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["services"] = json::array();
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].services",
                       "at least one service is required"));
}

TEST(ValidateVirtualService, RejectsVirtualServiceWithoutPoolRef) {
  auto doc = baseDocument();
  doc["virtualservice"][0].erase("pool_ref");
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].pool_ref", "is required"));
}

TEST(ValidateVirtualService, RejectsDuplicateVipId) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["vip"].push_back({{"vip_id", "0"}, {"ip_address", "10.10.1.201"}});
  EXPECT_TRUE(
      hasError(decode(doc).report, "virtualservice[vs1].vip[1].vip_id", "\"0\" is already vip[0]"));
}

TEST(ValidateVirtualService, RejectsPortRangeEndBelowPort) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["services"][0] = {{"port", 8080}, {"port_range_end", 8000}};
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].services[0].port_range_end",
                       "8000 is below port 8080"));
}

TEST(ValidateVirtualService, RejectsServicePortOfZero) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["services"][0]["port"] = 0;
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].services[0].port",
                       "0 is out of range; ports are 1-65535"));
}

TEST(ValidateVirtualService, RejectsVipThatIsTheFloatingIp) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["vip"][0]["ip_address"] = "10.10.1.100";
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].vip[0].ip_address",
                       "is a floating_intf_ip of serviceenginegroup Default-Group"));
}

TEST(ValidateVirtualService, RejectsSnatIpThatIsAnSeInterfaceAddress) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["snat_ip"] = {"10.10.1.12"};
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].snat_ip[0]",
                       "is the address of eth0 on serviceengine se2"));
}

// ---- service engines and groups --------------------------------------------------------------

TEST(ValidateEngine, RejectsDuplicateIfNameOnOneSe) {
  auto doc = baseDocument();
  doc["serviceengine"][0]["data_vnics"].push_back({{"if_name", "eth0"}, {"ip", "10.10.5.11/24"}});
  EXPECT_TRUE(hasError(decode(doc).report, "serviceengine[se1].data_vnics[1].if_name",
                       "interface \"eth0\" is already data_vnics[0]"));
}

TEST(ValidateEngine, RejectsOverlappingSubnetsOnOneSe) {
  auto doc = baseDocument();
  doc["serviceengine"][0]["data_vnics"].push_back({{"if_name", "eth1"}, {"ip", "10.10.0.5/16"}});
  EXPECT_TRUE(hasError(decode(doc).report, "serviceengine[se1].data_vnics[1].ip",
                       "10.10.0.5/16 overlaps 10.10.1.11/24 of eth0"));
}

TEST(ValidateEngine, RejectsSameInterfaceAddressOnTwoSes) {
  auto doc = baseDocument();
  doc["serviceengine"][1]["data_vnics"][0]["ip"] = "10.10.1.11/24";
  EXPECT_TRUE(hasError(decode(doc).report, "serviceengine[se2].data_vnics[0].ip",
                       "10.10.1.11 is also an interface address of serviceengine se1"));
}

TEST(ValidateEngine, RejectsInvalidInterfaceName) {
  auto doc = baseDocument();
  doc["serviceengine"][0]["data_vnics"][0]["if_name"] = "a-very-long-interface-name";
  EXPECT_TRUE(hasError(decode(doc).report, "serviceengine[se1].data_vnics[0].if_name",
                       "Linux interface names are 1-15 characters"));
}

TEST(ValidateGroup, RejectsHeartbeatFrequencyOfZero) {
  auto doc = baseDocument();
  doc["serviceenginegroup"][0]["dp_hb_frequency"] = 0;
  EXPECT_TRUE(hasError(decode(doc).report, "serviceenginegroup[Default-Group].dp_hb_frequency",
                       "0 is out of range; dp_hb_frequency is 1-10000 ms"));
}

TEST(ValidateGroup, RejectsHeartbeatTimeoutCountOfZero) {
  auto doc = baseDocument();
  doc["serviceenginegroup"][0]["dp_hb_timeout_count"] = 0;
  EXPECT_TRUE(hasError(decode(doc).report, "serviceenginegroup[Default-Group].dp_hb_timeout_count",
                       "0 is out of range"));
}

TEST(ValidateGroup, RejectsLegacyGroupThatIsNotActiveStandby) {
  auto doc = baseDocument();
  doc["serviceenginegroup"][0]["active_standby"] = false;
  EXPECT_TRUE(hasError(decode(doc).report, "serviceenginegroup[Default-Group].active_standby",
                       "set active_standby true or omit it"));
}

TEST(ValidateGroup, RejectsEmptyHeartbeatSecret) {
  auto doc = baseDocument();
  doc["serviceenginegroup"][0]["ha_heartbeat_secret"] = "";
  EXPECT_TRUE(hasError(decode(doc).report, "serviceenginegroup[Default-Group].ha_heartbeat_secret",
                       "must not be empty"));
}

// ---- vrf static routes ---------------------------------------------------------------------

TEST(ValidateVrf, RejectsDuplicateRouteId) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["static_routes"].push_back(
      {{"route_id", "1"}, {"prefix", "10.0.0.0/8"}, {"next_hop", "10.10.1.2"}});
  EXPECT_TRUE(hasError(decode(doc).report, "vrfcontext[global].static_routes[1].route_id",
                       "\"1\" is already static_routes[0]"));
}

TEST(ValidateVrf, RejectsNextHopOfTheOtherFamily) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["static_routes"][0]["next_hop"] = "2001:db8::1";
  EXPECT_TRUE(hasError(decode(doc).report, "vrfcontext[global].static_routes[0].next_hop",
                       "is not of the family of 0.0.0.0/0"));
}

// ---- validate() on documents built in code ---------------------------------------------------

TEST(ValidateInCode, ChecksRangesOfADocumentBuiltInCode) {
  Document doc = decode(baseDocument()).document;
  doc.pool.at(0).servers.at(0).ratio = 0;
  doc.virtualservice.at(0).services.at(0).port = 0;
  doc.vrfcontext.at(0).static_routes.at(0).prefix = *Prefix::parse("10.0.0.1/8");
  Report r = validate(doc);
  EXPECT_TRUE(hasError(r, "pool[web].servers[0].ratio", "0 is out of range; ratio is 1-20"));
  EXPECT_TRUE(hasError(r, "virtualservice[vs1].services[0].port", "0 is out of range"));
  EXPECT_TRUE(hasError(r, "vrfcontext[global].static_routes[0].prefix",
                       "10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?"));
}

TEST(ValidateInCode, ReportsEveryValidationErrorNotOnlyTheFirst) {
  Document doc = decode(baseDocument()).document;
  doc.serviceenginegroup.at(0).ha_mode = HaMode::kShared;
  doc.serviceenginegroup.at(0).enable_routing = true;         // rule 1
  doc.serviceenginegroup.at(0).dp_hb_frequency = 0;           // range
  doc.pool.at(0).servers.at(0).ratio = 0;                     // range
  doc.virtualservice.at(0).application_profile_ref = "nope";  // dangling ref
  doc.virtualservice.push_back(doc.virtualservice.at(0));     // duplicate name and VIP:port
  Report r = validate(doc);
  EXPECT_TRUE(hasError(r, "serviceenginegroup[Default-Group].enable_routing"));
  EXPECT_TRUE(hasError(r, "serviceenginegroup[Default-Group].dp_hb_frequency"));
  EXPECT_TRUE(hasError(r, "pool[web].servers[0].ratio"));
  EXPECT_TRUE(hasError(r, "virtualservice[vs1].application_profile_ref"));
  EXPECT_TRUE(hasError(r, "virtualservice[vs1]", "duplicate name"));
  EXPECT_TRUE(hasError(r, "virtualservice[vs1].services[0].port", "overlaps"));
}

TEST(ValidateInCode, AcceptsTheBuiltinObjects) {
  EXPECT_TRUE(accepted(validate(builtinObjects())));
}

}  // namespace
}  // namespace floe::config
