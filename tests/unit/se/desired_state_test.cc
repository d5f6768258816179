#include "se/desired_state.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_documents.h"

namespace floe::se {
namespace {

using testing::ip;
using testing::oneArmed;
using testing::prefix;

const HeldAddress* find(const DesiredState& s, const char* address) {
  auto it = std::find_if(s.addresses.begin(), s.addresses.end(), [&](const HeldAddress& h) {
    return h.address.prefix.address() == ip(address);
  });
  return it == s.addresses.end() ? nullptr : &*it;
}

TEST(DesiredState, PutsFloatingIpOnTheInterfaceOfItsSubnet) {
  auto s = computeDesiredState(oneArmed(), "se1");
  ASSERT_TRUE(s) << s.error().message;
  const auto* f = find(*s, "10.10.1.100");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->address.device, "eth0");
  EXPECT_EQ(f->address.prefix.toString(), "10.10.1.100/32");
  EXPECT_EQ(f->role, AddressRole::kFloating);
  EXPECT_TRUE(f->onInterface);
}

TEST(DesiredState, RoutingGroupForwardsOnEveryDataInterface) {
  auto doc = oneArmed();
  doc.serviceenginegroup[0].enable_routing = true;
  doc.serviceengine[0].data_vnics.push_back({"eth1", prefix("10.10.10.12/24")});
  doc.serviceengine[0].data_vnics.push_back({"eth1", prefix("2001:db8:10::12/64")});
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->forwardingDevices, (std::vector<std::string>{"eth0", "eth1"}));
}

TEST(DesiredState, GroupWithoutRoutingForwardsNowhere) {
  auto s = computeDesiredState(oneArmed(), "se1");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->forwardingDevices.empty());
}

TEST(DesiredState, PreserveClientIpProfileMakesTransparentConnectionsAndReturnPath) {
  auto doc = oneArmed();
  doc.serviceenginegroup[0].enable_routing = true;
  doc.virtualservice[0].snat_ip.clear();
  doc.applicationprofile[0].preserve_client_ip = true;  // System-L4-Application, used by vs1
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->proxy.virtual_services.size(), 1u);
  EXPECT_TRUE(s->proxy.virtual_services[0].preserve_client_ip);
  EXPECT_TRUE(s->transparentReturn);
}

TEST(DesiredState, WithoutPreserveClientIpNoReturnPath) {
  auto s = computeDesiredState(oneArmed(), "se1");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->proxy.virtual_services[0].preserve_client_ip);
  EXPECT_FALSE(s->transparentReturn);
}

TEST(DesiredState, PutsVipAndSnatOutsideEverySubnetOnFloe0) {
  auto s = computeDesiredState(oneArmed(), "se1");
  ASSERT_TRUE(s);
  for (const char* a : {"10.10.2.100", "10.10.3.100"}) {
    const auto* h = find(*s, a);
    ASSERT_NE(h, nullptr) << a;
    EXPECT_EQ(h->address.device, "floe0") << a;
    EXPECT_FALSE(h->onInterface) << a;
  }
  EXPECT_EQ(find(*s, "10.10.2.100")->role, AddressRole::kVip);
  EXPECT_EQ(find(*s, "10.10.3.100")->role, AddressRole::kSnat);
}

TEST(DesiredState, PutsVipInsideASubnetOnThatInterface) {
  auto doc = oneArmed();
  doc.virtualservice[0].vip[0].ip_address = ip("10.10.1.50");
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s);
  const auto* h = find(*s, "10.10.1.50");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->address.device, "eth0");
  EXPECT_TRUE(h->onInterface);
}

TEST(DesiredState, TakesTheIdleTimeoutFromTheNetworkProfile) {
  auto doc = oneArmed();
  config::NetworkProfile np;
  np.name = "short-idle";
  np.profile.tcp_proxy_profile.idle_connection_timeout = 30;
  doc.networkprofile.push_back(np);
  doc.virtualservice[0].network_profile_ref = "short-idle";
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->proxy.virtual_services.at(0).idle_timeout_s, 30u);
}

TEST(DesiredState, DefaultNetworkProfileGivesAvisSixHundredSeconds) {
  auto s = computeDesiredState(oneArmed(), "se1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->proxy.virtual_services.at(0).idle_timeout_s, 600u);
}

TEST(DesiredState, StopsSpellingOutListenersPastTheEngineLimit) {
  auto doc = oneArmed();
  for (int i = 0; i < 10; ++i) {
    doc.virtualservice[0].vip.push_back(
        {std::to_string(i + 1), ip(("10.10.2." + std::to_string(110 + i)).c_str())});
  }
  doc.virtualservice[0].services = {{1, 65535}};
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->proxy.virtual_services.at(0).listeners.size(), proxy::kMaxListenersPerService + 1)
      << "enough for the engine to refuse the service with the limit, no more";
}

TEST(DesiredState, ReturnGatewayIsTheFloatingIpTowardTheServers) {
  auto s = computeDesiredState(oneArmed(), "se1");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->proxy.virtual_services.at(0).return_gateway.has_value());
  EXPECT_EQ(*s->proxy.virtual_services.at(0).return_gateway, ip("10.10.1.100"));
}

TEST(DesiredState, ReturnGatewayIsTheInterfaceAddressWithoutAFloatingIp) {
  auto doc = oneArmed();
  doc.serviceenginegroup[0].floating_intf_ip.clear();
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->proxy.virtual_services.at(0).return_gateway.has_value());
  EXPECT_EQ(*s->proxy.virtual_services.at(0).return_gateway,
            doc.serviceengine[0].data_vnics[0].ip.address());
}

TEST(DesiredState, ListensOnEveryVipAndPortOfTheRange) {
  auto doc = oneArmed();
  doc.virtualservice[0].vip.push_back({"2", ip("10.10.2.101")});
  doc.virtualservice[0].services = {{80, std::nullopt}, {8000, 8002}};
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->proxy.virtual_services.size(), 1u);
  EXPECT_EQ(s->proxy.virtual_services[0].listeners.size(), 2u * 4u);
  EXPECT_EQ(s->proxy.virtual_services[0].snat_ips, std::vector<IpAddress>{ip("10.10.3.100")});
}

TEST(DesiredState, UsesPoolDefaultPortAndRatioAndMonitors) {
  auto s = computeDesiredState(oneArmed(), "se1");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->proxy.pools.size(), 1u);
  const auto& pool = s->proxy.pools[0];
  EXPECT_EQ(pool.algorithm, proxy::Algorithm::kRoundRobin);
  ASSERT_EQ(pool.servers.size(), 2u);
  EXPECT_EQ(pool.servers[0].port, 80);
  EXPECT_EQ(pool.servers[1].port, 8080);
  EXPECT_EQ(pool.servers[1].ratio, 2u);
  ASSERT_EQ(pool.monitors.size(), 1u);
  EXPECT_EQ(pool.monitors[0].send_interval_s, 10u);
  EXPECT_EQ(pool.monitors[0].failed_checks, 2u);
}

TEST(DesiredState, SkipsDisabledServicesAndOtherGroups) {
  auto doc = oneArmed();
  auto other = doc.virtualservice[0];
  other.name = "elsewhere";
  other.se_group_ref = "Other-Group";
  other.vip[0].ip_address = ip("10.10.2.200");
  doc.virtualservice.push_back(other);
  doc.virtualservice[0].enabled = false;
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->proxy.virtual_services.empty());
  EXPECT_EQ(find(*s, "10.10.2.100"), nullptr);
  EXPECT_EQ(find(*s, "10.10.2.200"), nullptr);
  EXPECT_NE(find(*s, "10.10.1.100"), nullptr);  // the group's floating IP stays
}

TEST(DesiredState, TurnsStaticRoutesIntoKernelRoutes) {
  auto s = computeDesiredState(oneArmed(), "se1");
  ASSERT_TRUE(s);
  ASSERT_EQ(s->routes.size(), 1u);
  EXPECT_EQ(s->routes[0].destination.toString(), "0.0.0.0/0");
  EXPECT_EQ(s->routes[0].gateway, ip("10.10.1.1"));
}

TEST(DesiredState, RefusesAnEngineNotInTheDocument) {
  auto s = computeDesiredState(oneArmed(), "se9");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("serviceengine[se9]"), std::string::npos);
}

TEST(DesiredState, ALegacyPairHeartbeatsOverEverySharedNetwork) {
  auto doc = oneArmed();
  doc.serviceengine.push_back({"se2", "Default-Group", {{"eth0", testing::prefix("10.10.1.12/24")}}});
  doc.serviceengine[1].ha_priority = 5;
  auto s1 = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s1) << s1.error().message;
  ASSERT_TRUE(s1->ha.has_value());
  EXPECT_EQ(s1->ha->peer, "se2");
  EXPECT_TRUE(s1->ha->firstListed);
  EXPECT_EQ(s1->ha->priority, kDefaultHaPriority);
  ASSERT_EQ(s1->ha->paths.size(), 1u);
  EXPECT_EQ(s1->ha->paths[0].device, "eth0");
  EXPECT_EQ(s1->ha->paths[0].peer, testing::ip("10.10.1.12"));
  auto s2 = computeDesiredState(doc, "se2");
  ASSERT_TRUE(s2);
  EXPECT_FALSE(s2->ha->firstListed);
  EXPECT_EQ(s2->ha->priority, 5);
}

TEST(DesiredState, RefusesAPairWithNoCommonNetwork) {
  auto doc = oneArmed();
  doc.serviceengine.push_back({"se2", "Default-Group", {{"eth0", testing::prefix("10.10.9.12/24")}}});
  auto s = computeDesiredState(doc, "se1");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("shares no subnet"), std::string::npos) << s.error().message;
}

TEST(DesiredState, AOneSeGroupHasNoPair) {
  auto s = computeDesiredState(oneArmed(), "se1");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->ha.has_value());
}

TEST(DesiredState, RefusesFeaturesThisSeDoesNotCarryNamingEach) {
  auto doc = oneArmed();
  doc.virtualservice[0].vrf_context_ref = "blue";
  doc.healthmonitor[0].type = config::HealthMonitorType::kUdp;
  auto s = computeDesiredState(doc, "se1");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("virtualservice[vs1].vrf_context_ref: only vrfcontext global"),
            std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("healthmonitor[System-TCP].type: HEALTH_MONITOR_UDP"),
            std::string::npos)
      << s.error().message;
}

TEST(DesiredState, HttpProfileMakesAnHttpServiceWithoutNotice) {
  auto doc = oneArmed();
  doc.virtualservice[0].application_profile_ref = "System-HTTP";
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->notices.empty());
  ASSERT_EQ(s->proxy.virtual_services.size(), 1u);
  EXPECT_EQ(s->proxy.virtual_services[0].mode, proxy::ServiceMode::kHttp);
  EXPECT_TRUE(s->proxy.virtual_services[0].http.connection_multiplexing_enabled);
}

TEST(DesiredState, HttpProfileFieldsReachTheEngine) {
  auto doc = oneArmed();
  config::ApplicationProfile p;
  p.name = "web-http";
  p.http_profile = config::HttpProfile{};
  p.http_profile->connection_multiplexing_enabled = false;
  doc.applicationprofile.push_back(p);
  doc.virtualservice[0].application_profile_ref = "web-http";
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->proxy.virtual_services[0].mode, proxy::ServiceMode::kHttp);
  EXPECT_FALSE(s->proxy.virtual_services[0].http.connection_multiplexing_enabled);
}

TEST(DesiredState, XffAlternateNameAndViaReachTheEngine) {
  auto doc = oneArmed();
  config::ApplicationProfile p;
  p.name = "web-http";
  p.http_profile = config::HttpProfile{};
  p.http_profile->xff_alternate_name = "X-Real-Client";
  p.http_profile->via_enabled = true;
  doc.applicationprofile.push_back(p);
  doc.virtualservice[0].application_profile_ref = "web-http";
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->proxy.virtual_services[0].http.xff_alternate_name, "X-Real-Client");
  EXPECT_TRUE(s->proxy.virtual_services[0].http.via_enabled);
}

TEST(DesiredState, CarriesTheConsistentHashKey) {
  auto doc = oneArmed();
  doc.pool[0].lb_algorithm = config::LbAlgorithm::kConsistentHash;
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->proxy.pools.at(0).hash_key, proxy::HashKey::kSourceIp);
  const std::pair<config::LbAlgorithmHash, proxy::HashKey> kinds[] = {
      {config::LbAlgorithmHash::kSourceIpAddressAndPort, proxy::HashKey::kSourceIpAndPort},
      {config::LbAlgorithmHash::kUri, proxy::HashKey::kUri}};
  for (const auto& [in, out] : kinds) {
    doc.pool[0].lb_algorithm_hash = in;
    s = computeDesiredState(doc, "se1");
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->proxy.pools.at(0).hash_key, out);
    EXPECT_EQ(s->proxy.pools.at(0).hash_header, "");
  }
  doc.pool[0].lb_algorithm_hash = config::LbAlgorithmHash::kCustomHeader;
  doc.pool[0].lb_algorithm_consistent_hash_hdr = "X-User";
  s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->proxy.pools.at(0).hash_key, proxy::HashKey::kHeader);
  EXPECT_EQ(s->proxy.pools.at(0).hash_header, "X-User");
}

TEST(DesiredState, CarriesHttpMonitorsWithTheirChecks) {
  auto doc = oneArmed();
  doc.healthmonitor[0].type = config::HealthMonitorType::kHttp;
  config::HttpMonitor h;
  h.http_request = "GET /health HTTP/1.1";
  h.http_response_code = {"HTTP_2XX"};
  h.http_response = "ok";
  h.maintenance_code = {503};
  doc.healthmonitor[0].http_monitor = h;
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->proxy.pools.at(0).monitors.size(), 1u);
  const auto& m = s->proxy.pools[0].monitors[0];
  EXPECT_EQ(m.type, proxy::MonitorType::kHttp);
  ASSERT_TRUE(m.http.has_value());
  EXPECT_EQ(m.http->http_request, "GET /health HTTP/1.1");
  EXPECT_EQ(m.http->http_response, "ok");
  EXPECT_EQ(m.http->maintenance_code, std::vector<uint32_t>{503});
}

TEST(DesiredState, CarriesConsistentHashAndFastestResponse) {
  auto doc = oneArmed();
  doc.pool[0].lb_algorithm = config::LbAlgorithm::kConsistentHash;
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->proxy.pools.at(0).algorithm, proxy::Algorithm::kConsistentHash);
  doc.pool[0].lb_algorithm = config::LbAlgorithm::kFastestResponse;
  s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->proxy.pools.at(0).algorithm, proxy::Algorithm::kFastestResponse);
}

TEST(DesiredState, L4ProfileStaysL4) {
  auto doc = oneArmed();
  doc.virtualservice[0].application_profile_ref = "System-L4-Application";
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->proxy.virtual_services[0].mode, proxy::ServiceMode::kL4);
}

// Reference 2's peering: iBGP local_as 1, router 10.10.40.3 on subnet 10.10.40.0/24, BFD.
config::Document withBgp() {
  auto doc = oneArmed();
  doc.serviceengine[0].data_vnics.push_back({"eth1", testing::prefix("10.10.40.12/24")});
  config::BgpProfile bgp;
  bgp.local_as = 1;
  bgp.ibgp = true;
  config::BgpPeer peer;
  peer.peer_ip = ip("10.10.40.3");
  peer.subnet = testing::prefix("10.10.40.0/24");
  peer.bfd = true;
  peer.md5_secret = "s3cret";
  bgp.peers.push_back(peer);
  doc.vrfcontext[0].bgp_profile = bgp;
  doc.vrfcontext[0].bfd_profile = config::BfdProfile{50, 50, 3};
  return doc;
}

TEST(DesiredState, ResolvesABgpPeerToTheSesAddressOnItsSubnet) {
  auto s = computeDesiredState(withBgp(), "se1");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_TRUE(s->bgp);
  ASSERT_EQ(s->bgp->peers.size(), 1u);
  const auto& p = s->bgp->peers[0];
  EXPECT_EQ(p.session.peer, ip("10.10.40.3"));
  EXPECT_EQ(p.session.local, ip("10.10.40.12"));
  EXPECT_EQ(p.session.device, "eth1");
  EXPECT_EQ(p.session.localAs, 1u);
  EXPECT_EQ(p.session.remoteAs, 1u);  // ibgp: remote_as is the local AS
  EXPECT_EQ(p.session.holdTime, 180);
  EXPECT_EQ(p.session.keepaliveInterval, 60);
  EXPECT_EQ(p.session.md5Secret, "s3cret");
  EXPECT_EQ(p.session.bgpIdentifier, ip("10.10.1.11").v4HostOrder());  // first IPv4 data address
  EXPECT_TRUE(p.bfd);
  EXPECT_EQ(s->bgp->bfd.mintx, 50u);
  EXPECT_EQ(s->bgp->bfd.multi, 3);
  ASSERT_EQ(s->bgp->vips.size(), 1u);
  EXPECT_EQ(s->bgp->vips[0], std::make_pair(std::string("vs1"), ip("10.10.2.100")));
  ASSERT_EQ(s->bgp->snatIps.size(), 1u);
  EXPECT_TRUE(s->bgp->backendNetworks.empty());  // advertise_backend_networks is false
}

TEST(DesiredState, BackendNetworksAreTheSubnetsThatAreNoPeersSubnet) {
  auto doc = withBgp();
  doc.serviceenginegroup[0].enable_routing = true;
  doc.serviceenginegroup[0].advertise_backend_networks = true;
  auto s = computeDesiredState(doc, "se1");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_TRUE(s->bgp);
  ASSERT_EQ(s->bgp->backendNetworks.size(), 1u);
  EXPECT_EQ(s->bgp->backendNetworks[0].toString(), "10.10.1.0/24");  // not 10.10.40.0/24
}

TEST(DesiredState, ABgpPeerOnNoSubnetOfTheSeIsAnError) {
  auto doc = withBgp();
  doc.vrfcontext[0].bgp_profile->peers[0].subnet = testing::prefix("10.10.99.0/24");
  auto s = computeDesiredState(doc, "se1");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("vrfcontext[global].bgp_profile.peers[0].subnet: "
                                   "serviceengine[se1] has no data_vnics address in "
                                   "10.10.99.0/24"),
            std::string::npos)
      << s.error().message;
}

}  // namespace
}  // namespace floe::se
