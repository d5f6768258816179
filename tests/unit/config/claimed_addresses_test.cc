// Addresses: IPv4-mapped IPv6 anywhere, loopback as a claimed address, and claimed addresses
// (floating IPs, VIPs, SNAT IPs) that belong to a router, an SE or a server (issue 5 §9).
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

constexpr const char* kGroup = "serviceenginegroup[Default-Group]";

// ---- IPv4-mapped IPv6 ------------------------------------------------------------------------

struct MappedCase {
  const char* pointer;  // JSON pointer into baseDocument() (with a BGP profile added)
  const char* value;
  const char* path;
};

class RejectsV4Mapped : public ::testing::TestWithParam<MappedCase> {};

TEST_P(RejectsV4Mapped, AtEveryAddressAndPrefixField) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["bgp_profile"] = {
      {"local_as", 65001},
      {"peers", {{{"peer_ip", "10.10.1.1"}, {"remote_as", 65000}, {"subnet", "10.10.1.0/24"}}}}};
  doc[json::json_pointer(GetParam().pointer)] = GetParam().value;
  EXPECT_TRUE(hasError(decode(doc).report, GetParam().path, "is an IPv4-mapped IPv6 address"));
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, RejectsV4Mapped,
    ::testing::Values(MappedCase{"/pool/0/servers/0/ip", "::ffff:10.10.20.21",
                                 "pool[web].servers[0].ip"},
                      MappedCase{"/virtualservice/0/vip/0/ip_address", "::ffff:10.10.1.201",
                                 "virtualservice[vs1].vip[0].ip_address"},
                      MappedCase{"/serviceenginegroup/0/floating_intf_ip/0", "::ffff:10.10.1.100",
                                 "serviceenginegroup[Default-Group].floating_intf_ip[0]"},
                      MappedCase{"/vrfcontext/0/static_routes/0/next_hop", "::ffff:10.10.1.1",
                                 "vrfcontext[global].static_routes[0].next_hop"},
                      MappedCase{"/vrfcontext/0/static_routes/0/prefix", "::ffff:0:0/96",
                                 "vrfcontext[global].static_routes[0].prefix"},
                      MappedCase{"/serviceengine/0/data_vnics/0/ip", "::ffff:10.10.1.11/120",
                                 "serviceengine[se1].data_vnics[0].ip"},
                      MappedCase{"/vrfcontext/0/bgp_profile/peers/0/peer_ip", "::ffff:10.10.1.1",
                                 "vrfcontext[global].bgp_profile.peers[0].peer_ip"},
                      MappedCase{"/vrfcontext/0/bgp_profile/peers/0/subnet", "::ffff:10.10.1.0/120",
                                 "vrfcontext[global].bgp_profile.peers[0].subnet"}));

TEST(Addresses, RejectsV4MappedSnatIp) {  // an array of addresses, not covered by the pointer
  auto doc = baseDocument();
  doc["virtualservice"][0]["snat_ip"] = {"::ffff:10.10.1.201"};
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].snat_ip[0]",
                       "::ffff:10.10.1.201 is an IPv4-mapped IPv6 address; write the IPv4 "
                       "address 10.10.1.201"));
}

TEST(Addresses, RejectsV4MappedInAviAddressObject) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ip"] = {{"addr", "::ffff:10.10.20.21"}, {"type", "V6"}};
  EXPECT_TRUE(hasError(decode(doc).report, "pool[web].servers[0].ip", "IPv4-mapped"));
}

TEST(Addresses, AcceptsOrdinaryIpv6NextToMapped) {  // ::ffff:0:0/96 only, not its neighbours
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ip"] = "::fffe:a0a:1415";
  EXPECT_FALSE(hasError(decode(doc).report, "pool[web].servers[0].ip", "IPv4-mapped"));
}

// ---- loopback --------------------------------------------------------------------------------

TEST(Addresses, RejectsLoopbackVip) {
  for (const char* ip : {"127.0.0.1", "127.10.2.3", "::1"}) {
    auto doc = baseDocument();
    doc["virtualservice"][0]["vip"][0]["ip_address"] = ip;
    EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].vip[0].ip_address",
                         std::string(ip) + " is a loopback address"));
  }
}

TEST(Addresses, RejectsLoopbackSnatIp) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["snat_ip"] = {"127.0.0.1"};
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].snat_ip[0]", "loopback"));
}

TEST(Addresses, RejectsLoopbackFloatingIp) {
  auto doc = baseDocument();
  doc["serviceenginegroup"][0]["floating_intf_ip"] = {"::1"};
  EXPECT_TRUE(hasError(decode(doc).report, std::string(kGroup) + ".floating_intf_ip[0]",
                       "::1 is a loopback address"));
}

TEST(Addresses, AcceptsLoopbackServer) {  // a server on the SE's own host is allowed
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ip"] = "127.0.0.1";
  EXPECT_TRUE(accepted(decode(doc).report));
}

// ---- claimed addresses that belong to someone else -------------------------------------------

TEST(Addresses, RejectsFloatingIpThatIsAStaticRouteNextHop) {
  auto doc = baseDocument();
  doc["vrfcontext"][0]["static_routes"][0]["next_hop"] = "10.10.1.100";
  EXPECT_TRUE(hasError(decode(doc).report, std::string(kGroup) + ".floating_intf_ip[0]",
                       "10.10.1.100 is the next hop of vrfcontext[global].static_routes[0] (a "
                       "router's address)"));
}

TEST(Addresses, RejectsVipThatIsAStaticRouteNextHop) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["vip"][0]["ip_address"] = "10.10.1.1";
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].vip[0].ip_address",
                       "is the next hop of vrfcontext[global].static_routes[0]"));
}

TEST(Addresses, RejectsSnatIpThatIsAStaticRouteNextHop) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["snat_ip"] = {"10.10.1.1"};
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].snat_ip[0]",
                       "is the next hop of vrfcontext[global].static_routes[0]"));
}

// se3 is in another group: its address is still its own.
json withEngineOfAnotherGroup() {
  auto doc = baseDocument();
  doc["serviceenginegroup"].push_back({{"name", "g2"}});
  doc["serviceengine"].push_back(
      {{"name", "se3"},
       {"se_group_ref", "g2"},
       {"data_vnics", {{{"if_name", "eth0"}, {"ip", "10.10.1.13/24"}}}}});
  return doc;
}

TEST(Addresses, RejectsVipThatIsTheAddressOfAnSeInAnotherGroup) {
  auto doc = withEngineOfAnotherGroup();
  doc["virtualservice"][0]["vip"][0]["ip_address"] = "10.10.1.13";
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].vip[0].ip_address",
                       "is the address of eth0 on serviceengine se3"));
}

TEST(Addresses, RejectsFloatingIpThatIsTheAddressOfAnSeInAnotherGroup) {
  auto doc = withEngineOfAnotherGroup();
  doc["serviceenginegroup"][0]["floating_intf_ip"] = {"10.10.1.13"};
  EXPECT_TRUE(hasError(decode(doc).report, std::string(kGroup) + ".floating_intf_ip[0]",
                       "is the address of eth0 on serviceengine se3"));
}

TEST(Addresses, RejectsFloatingIpThatIsAPoolServer) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ip"] = "10.10.1.100";
  EXPECT_TRUE(hasError(decode(doc).report, std::string(kGroup) + ".floating_intf_ip[0]",
                       "10.10.1.100 is the server pool[web].servers[0]"));
}

TEST(Addresses, RejectsSnatIpThatIsAPoolServer) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["snat_ip"] = {"10.10.20.22"};
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].snat_ip[0]",
                       "is the server pool[web].servers[1]"));
}

TEST(Addresses, RejectsVipThatIsAServerOfItsOwnGroupOnAnotherPort) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ip"] = "10.10.1.200";
  doc["pool"][0]["servers"][0]["port"] = 8080;
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].vip[0].ip_address",
                       "10.10.1.200 is the server pool[web].servers[0]"));
}

// Chaining: a virtual service of one group whose server is a VIP of another group.
TEST(Addresses, AcceptsVipOfAnotherGroupAsAServer) {
  auto doc = baseDocument();
  doc["serviceenginegroup"].push_back({{"name", "g2"}});
  doc["pool"].push_back({{"name", "app"}, {"servers", {{{"ip", "10.10.30.31"}}}}});
  doc["virtualservice"].push_back({{"name", "vs2"},
                                   {"se_group_ref", "g2"},
                                   {"vip", {{{"ip_address", "10.10.1.201"}}}},
                                   {"services", {{{"port", 80}}}},
                                   {"pool_ref", "app"}});
  doc["pool"][0]["servers"][0]["ip"] = "10.10.1.201";
  auto d = decode(doc);
  EXPECT_TRUE(accepted(d.report));
}

// ---- self-loop -------------------------------------------------------------------------------

TEST(Addresses, RejectsPoolServerThatIsTheVipAndPortOfItsOwnVirtualService) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"][0]["ip"] = "10.10.1.200";
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[web].servers[0]",
                       "10.10.1.200:80 is a VIP and port of virtualservice[vs1] on "
                       "serviceenginegroup Default-Group, whose virtual service vs1 uses this "
                       "pool: the SE would connect to itself"));
  // Said once, at the server, not again at the VIP.
  EXPECT_FALSE(hasError(d.report, "virtualservice[vs1].vip[0].ip_address"));
}

TEST(Addresses, RejectsPoolServerInsideThePortRangeOfAVipOfTheSameGroup) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["services"][0]["port_range_end"] = 90;
  doc["pool"].push_back({{"name", "other"}, {"servers", {{{"ip", "10.10.1.200"}, {"port", 85}}}}});
  doc["virtualservice"].push_back({{"name", "vs2"},
                                   {"vip", {{{"ip_address", "10.10.1.202"}}}},
                                   {"services", {{{"port", 80}}}},
                                   {"pool_ref", "other"}});
  EXPECT_TRUE(hasError(decode(doc).report, "pool[other].servers[0]",
                       "10.10.1.200:85 is a VIP and port of virtualservice[vs1]"));
}

// ---- SNAT and server address families --------------------------------------------------------

TEST(Addresses, RejectsServerFamilyWithoutASnatIpOfThatFamily) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["snat_ip"] = {"10.10.1.201"};
  doc["pool"][0]["servers"].push_back({{"ip", "2001:db8::21"}});
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].snat_ip",
                       "has no IPv6 address, but pool[web].servers[2] 2001:db8::21 is IPv6"));
}

TEST(Addresses, RejectsIpv4ServerWithOnlyIpv6SnatIps) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["snat_ip"] = {"2001:db8::100"};
  EXPECT_TRUE(hasError(decode(doc).report, "virtualservice[vs1].snat_ip",
                       "has no IPv4 address, but pool[web].servers[0] 10.10.20.21 is IPv4"));
}

TEST(Addresses, AcceptsMixedFamiliesWithASnatIpOfEach) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["snat_ip"] = {"10.10.1.201", "2001:db8::100"};
  doc["pool"][0]["servers"].push_back({{"ip", "2001:db8::21"}});
  EXPECT_TRUE(accepted(decode(doc).report));
}

// A server address that failed to decode is not taken for 0.0.0.0 by the address rules.
TEST(Addresses, ReportsAServerThatFailedToDecodeOnlyAtTheServer) {
  auto doc = baseDocument();
  doc["virtualservice"][0]["snat_ip"] = {"2001:db8::100"};
  doc["virtualservice"][0]["vip"][0]["ip_address"] = "::ffff:10.10.1.200";
  doc["pool"][0]["servers"] = {{{"ip", "::ffff:10.10.20.21"}}};
  auto d = decode(doc);
  EXPECT_TRUE(hasError(d.report, "pool[web].servers[0].ip", "IPv4-mapped"));
  EXPECT_EQ(d.report.errors.size(), 2u) << testing::describe(d.report);
}

TEST(Addresses, AcceptsMixedFamiliesWithoutSnat) {
  auto doc = baseDocument();
  doc["pool"][0]["servers"].push_back({{"ip", "2001:db8::21"}});
  EXPECT_TRUE(accepted(decode(doc).report));
}

}  // namespace
}  // namespace floe::config
