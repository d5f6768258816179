#include "se/proxy_status.h"

#include <gtest/gtest.h>

namespace floe::se {
namespace {

TEST(DataPlaneStatus, ShowsCapacityCapsAndLocalErrorsByCause) {
  proxy::EngineStatus e;
  e.fd_limit = 65536;
  e.fd_limit_hard = 65536;
  e.max_connections = 32640;
  e.max_connections_per_virtual_service = 32640;
  e.listening_sockets = 4;
  e.listening_socket_budget = 16384;
  e.over_capacity = 3;
  e.local_errors = {{"EMFILE", 2}, {"EADDRNOTAVAIL", 5}};
  const auto j = dataPlaneStatus(e);
  EXPECT_EQ(j["fd_limit"], 65536);
  EXPECT_EQ(j["max_connections"], 32640);
  EXPECT_EQ(j["max_connections_per_virtual_service"], 32640);
  EXPECT_EQ(j["listening_sockets"], 4);
  EXPECT_EQ(j["listening_socket_budget"], 16384);
  EXPECT_EQ(j["over_capacity"], 3);
  EXPECT_EQ(j["local_errors"]["EMFILE"], 2);
  EXPECT_EQ(j["local_errors"]["EADDRNOTAVAIL"], 5);
}

TEST(ReturnPathsStatus, NamesTheRouterCommandOnlyWhileFailing) {
  proxy::ReturnPathStatus failing;
  failing.snat_ip = *IpAddress::parse("10.10.3.100");
  failing.state = "failing";
  failing.detail = "timeout after 4s";
  failing.router_command = "route add -host 10.10.3.100 gw 10.10.1.100";
  proxy::ReturnPathStatus ok;
  ok.snat_ip = *IpAddress::parse("10.10.3.101");
  ok.state = "ok";
  const auto j = returnPathsStatus({failing, ok});
  ASSERT_EQ(j.size(), 2U);
  EXPECT_EQ(j[0]["snat_ip"], "10.10.3.100");
  EXPECT_EQ(j[0]["state"], "failing");
  EXPECT_EQ(j[0]["router_command"], "route add -host 10.10.3.100 gw 10.10.1.100");
  EXPECT_EQ(j[1]["state"], "ok");
  EXPECT_FALSE(j[1].contains("router_command"));
}

}  // namespace
}  // namespace floe::se
