// HEALTH_MONITOR_HTTP: the request sent and how a response is judged.
#include "proxy/http_probe.h"

#include <gtest/gtest.h>

namespace floe::proxy {
namespace {

ProbeTarget target() {
  ProbeTarget t;
  t.ip = *IpAddress::parse("10.10.20.21");
  t.port = 80;
  return t;
}

HttpCheckSpec check2xx() {
  HttpCheckSpec c;
  c.http_response_code = {"HTTP_2XX"};
  return c;
}

TEST(HttpProbe, SendsTheRequestLineWithConnectionClose) {
  EXPECT_EQ(buildProbeRequest(HttpCheckSpec{}, target()),
            "GET / HTTP/1.0\r\nConnection: close\r\n\r\n");
}

TEST(HttpProbe, AddsHostToHttp11AndKeepsGivenFields) {
  HttpCheckSpec c;
  c.http_request = "GET /health HTTP/1.1";
  EXPECT_EQ(buildProbeRequest(c, target()),
            "GET /health HTTP/1.1\r\nHost: 10.10.20.21\r\nConnection: close\r\n\r\n");
  // Not port 80: the port is part of Host (RFC 9110 §7.2); IPv6 in brackets.
  ProbeTarget other = target();
  other.port = 8080;
  EXPECT_EQ(buildProbeRequest(c, other),
            "GET /health HTTP/1.1\r\nHost: 10.10.20.21:8080\r\nConnection: close\r\n\r\n");
  other.ip = *IpAddress::parse("2001:db8:20::21");
  EXPECT_EQ(buildProbeRequest(c, other),
            "GET /health HTTP/1.1\r\nHost: [2001:db8:20::21]:8080\r\nConnection: close\r\n\r\n");
  c.http_request = "GET /health HTTP/1.1\\r\\nHost: www.example.com\\r\\nConnection: close";
  EXPECT_EQ(buildProbeRequest(c, target()),
            "GET /health HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n");
}

TEST(HttpProbe, CodeInAClassIsUpOthersDown) {
  EXPECT_TRUE(judgeProbeResponse(check2xx(), "HTTP/1.1 204 No Content\r\n\r\n").ok);
  const ProbeResult r = judgeProbeResponse(check2xx(), "HTTP/1.1 404 Not Found\r\n\r\n");
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.maintenance);
  EXPECT_EQ(r.detail, "HTTP 404 is not in HTTP_2XX");
  HttpCheckSpec any;
  any.http_response_code = {"HTTP_ANY"};
  EXPECT_TRUE(judgeProbeResponse(any, "HTTP/1.0 500 Oops\r\n\r\n").ok);
  HttpCheckSpec defaults;  // Avi's default: HTTP_2XX, HTTP_3XX
  EXPECT_TRUE(judgeProbeResponse(defaults, "HTTP/1.1 302 Found\r\n\r\n").ok);
  EXPECT_FALSE(judgeProbeResponse(defaults, "HTTP/1.1 503 Busy\r\n\r\n").ok);
}

TEST(HttpProbe, ResponseStringMustAppearInTheFirst2KB) {
  HttpCheckSpec c = check2xx();
  c.http_response = "healthy";
  EXPECT_TRUE(judgeProbeResponse(c, "HTTP/1.1 200 OK\r\n\r\nall healthy\n").ok);
  EXPECT_FALSE(judgeProbeResponse(c, "HTTP/1.1 200 OK\r\n\r\nsick\n").ok);
  const std::string late = "HTTP/1.1 200 OK\r\n\r\n" + std::string(3000, 'x') + "healthy";
  EXPECT_FALSE(judgeProbeResponse(c, late).ok) << "only the first 2 KB count";
}

TEST(HttpProbe, MaintenanceCodeOrStringMeansMaintenanceNotDown) {
  HttpCheckSpec c = check2xx();
  c.maintenance_code = {503};
  c.maintenance_response = "under maintenance";
  ProbeResult r = judgeProbeResponse(c, "HTTP/1.1 503 Service Unavailable\r\n\r\n");
  EXPECT_TRUE(r.maintenance);
  EXPECT_EQ(r.detail, "maintenance: HTTP 503");
  r = judgeProbeResponse(c, "HTTP/1.1 200 OK\r\n\r\nsite under maintenance\n");
  EXPECT_TRUE(r.maintenance);
  r = judgeProbeResponse(c, "HTTP/1.1 500 Error\r\n\r\n");
  EXPECT_FALSE(r.maintenance);
  EXPECT_FALSE(r.ok);
}

TEST(HttpProbe, GarbageIsNotAnHttpResponse) {
  EXPECT_EQ(judgeProbeResponse(check2xx(), "SSH-2.0-OpenSSH\r\n").detail, "not an HTTP response");
  EXPECT_EQ(judgeProbeResponse(check2xx(), "").detail, "no response");
  EXPECT_FALSE(judgeProbeResponse(check2xx(), "HTTP/1.1 2").ok);
}

}  // namespace
}  // namespace floe::proxy
