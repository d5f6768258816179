// ServerHealth with millisecond timings: scripted probers for the state machine wiring, the
// real TCP prober for one end-to-end check.
#include "proxy/health_monitor.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <asio/post.hpp>
#include <cerrno>
#include <deque>
#include <functional>
#include <sstream>

#include "fakes/captured_log.h"
#include "proxy/tcp_probe.h"
#include "test_net.h"

namespace floe::proxy {
namespace {

using namespace test;

class FakeProber final : public Prober {
 public:
  explicit FakeProber(asio::io_context& io) : io_(io) {}

  std::shared_ptr<ProbeOp> probe(const ProbeTarget& target, std::chrono::milliseconds,
                                 ProbeCallback done) override {
    ++calls;
    last_target = target;
    ProbeResult r = fallback;
    if (answer) {
      r = answer(target);
    } else if (!script.empty()) {
      r = script.front();
      script.pop_front();
    }
    auto op = std::make_shared<Op>();
    asio::post(io_, [this, op, done = std::move(done), r] {
      if (op->cancelled) return;
      done(r);
      if (after) after();
    });
    return op;
  }

  std::deque<ProbeResult> script;
  std::function<ProbeResult(const ProbeTarget&)> answer;  // when set, instead of the script
  ProbeResult fallback{true, "connect ok"};
  int calls = 0;
  ProbeTarget last_target;
  std::function<void()> after;

 private:
  struct Op final : ProbeOp {
    void cancel() override { cancelled = true; }
    bool cancelled = false;
  };
  asio::io_context& io_;
};

MonitorDef fastMonitor(std::string name, MonitorType type = MonitorType::kTcp, uint32_t rise = 2,
                       uint32_t fall = 2) {
  MonitorDef d;
  d.name = std::move(name);
  d.type = type;
  d.interval = 10ms;
  d.timeout = 5ms;
  d.successful_checks = rise;
  d.failed_checks = fall;
  return d;
}

ServerSpec server80() {
  ServerSpec s;
  s.ip = ip("127.0.0.1");
  s.port = 80;
  return s;
}

const ProbeResult kOk{true, "connect ok"};
const ProbeResult kRefused{false, "connect refused"};

class ServerHealthTest : public ::testing::Test {
 protected:
  asio::io_context io;
  FakeProber tcp{io};
  FakeProber ping{io};
  std::shared_ptr<ServerRuntime> rt = std::make_shared<ServerRuntime>();
  std::vector<ServerState> seen;

  void recordAfterEachProbe(FakeProber& p) {
    p.after = [this] { seen.push_back(rt->state.load()); };
  }
};

TEST_F(ServerHealthTest, FirstCheckDecidesAndServerStartsUnknown) {
  tcp.script = {kRefused};
  recordAfterEachProbe(tcp);
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  h.configure(server80(), {fastMonitor("System-TCP")});
  EXPECT_EQ(h.state(), ServerState::kUnknown);
  ASSERT_TRUE(runUntil(io, [&] { return !seen.empty(); }));
  EXPECT_EQ(seen[0], ServerState::kDown);
}

TEST_F(ServerHealthTest, MaintenanceAnswerDisablesTheServerUntilItEnds) {
  FakeProber http{io};
  ProbeResult maintenance{false, "maintenance: HTTP 503"};
  maintenance.maintenance = true;
  http.script = {{true, "HTTP 200"}, maintenance, maintenance, {true, "HTTP 200"}};
  recordAfterEachProbe(http);
  ServerHealth h(io, {&tcp, &ping, nullptr, &http}, "web", rt);
  MonitorDef def = fastMonitor("lab-http", MonitorType::kHttp, 1, 1);
  def.http = HttpCheckSpec{};
  h.configure(server80(), {def});
  ASSERT_TRUE(runUntil(io, [&] { return seen.size() == 4; }));
  EXPECT_EQ(seen, (std::vector<ServerState>{ServerState::kUp, ServerState::kDisabled,
                                            ServerState::kDisabled, ServerState::kUp}));
  EXPECT_EQ(tcp.calls, 0) << "an HTTP monitor probes with the HTTP prober";
  ASSERT_TRUE(http.last_target.http.has_value());
}

TEST_F(ServerHealthTest, AReloadKeepsAServerInMaintenanceDisabled) {
  // docs/floe-se.md: on a reload, servers that remain keep their health state. A maintenance
  // answer's DISABLED is such a state (it is not enabled: false), so the same configuration
  // applied again must not pass the server through UNKNOWN.
  FakeProber http{io};
  ProbeResult maintenance{false, "maintenance: HTTP 404"};
  maintenance.maintenance = true;
  http.fallback = maintenance;
  recordAfterEachProbe(http);
  ServerHealth h(io, {&tcp, &ping, nullptr, &http}, "web", rt);
  MonitorDef def = fastMonitor("lab-http", MonitorType::kHttp, 1, 1);
  def.http = HttpCheckSpec{};
  h.configure(server80(), {def});
  ASSERT_TRUE(runUntil(io, [&] { return !seen.empty(); }));
  ASSERT_EQ(h.state(), ServerState::kDisabled);
  {
    testing::CapturedLog log;
    h.configure(server80(), {def});
    EXPECT_EQ(h.state(), ServerState::kDisabled);
    EXPECT_EQ(h.reason(), "maintenance: HTTP 404");
    EXPECT_EQ(log.text(), "") << "no UNKNOWN in between";
  }
  // enabled: false, then true again: that DISABLED does end (judged afresh).
  ServerSpec off = server80();
  off.enabled = false;
  h.configure(off, {def});
  EXPECT_EQ(h.reason(), "disabled");
  http.fallback = kOk;
  h.configure(server80(), {def});
  EXPECT_EQ(h.state(), ServerState::kUnknown);
}

TEST_F(ServerHealthTest, LocalErrorsNeverMarkAServerDown) {
  const ProbeResult emfile{false, "socket: Too many open files", EMFILE};
  tcp.script = {kOk, emfile, emfile, emfile, kRefused};
  recordAfterEachProbe(tcp);
  LocalErrors local;
  ServerHealth h(io, {&tcp, &ping, &local}, "web", rt);
  h.configure(server80(), {fastMonitor("System-TCP", MonitorType::kTcp, 1, 1)});
  ASSERT_TRUE(runUntil(io, [&] { return seen.size() == 4; }));
  EXPECT_EQ(seen, (std::vector<ServerState>{ServerState::kUp, ServerState::kUp, ServerState::kUp,
                                            ServerState::kUp}))
      << "with failed_checks 1, a single failed check would have taken it DOWN";
  EXPECT_EQ(local.count(LocalCause::kEmfile), 3U);
  EXPECT_EQ(h.reason(), "connect ok") << "the reason stays the server's last real result";
  ASSERT_TRUE(runUntil(io, [&] { return seen.size() == 5; }));
  EXPECT_EQ(seen[4], ServerState::kDown) << "a real failure still counts";
}

TEST_F(ServerHealthTest, FirstProbeGoesOutAtOnceAndTheSecondAfterTheInterval) {
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  MonitorDef slow = fastMonitor("System-TCP");
  slow.interval = 300ms;
  slow.timeout = 100ms;
  const auto began = std::chrono::steady_clock::now();
  h.configure(server80(), {slow});
  ASSERT_TRUE(runUntil(
      io, [&] { return tcp.calls == 1; }, 2000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 50ms) << "no jitter before the first probe";
  ASSERT_TRUE(runUntil(
      io, [&] { return tcp.calls == 2; }, 2000ms));
  const auto second = std::chrono::steady_clock::now() - began;
  EXPECT_GE(second, 300ms);
  EXPECT_LT(second, 700ms) << "one interval plus a jitter of at most one interval";
}

TEST_F(ServerHealthTest, ServerAddedLaterIsProbedAtOnce) {
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  MonitorDef m = fastMonitor("System-TCP");
  m.interval = 10000ms;
  m.timeout = 100ms;
  ASSERT_TRUE(runUntil(io, [] { return true; }));  // the control loop has been running a while
  const auto began = std::chrono::steady_clock::now();
  h.configure(server80(), {m});
  ASSERT_TRUE(runUntil(
      io, [&] { return h.state() == ServerState::kUp; }, 2000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 50ms);
}

// ---- return path (issue 5 §11) ---------------------------------------------------------------

TEST_F(ServerHealthTest, ReportsAMissingReturnRouteWithTheRouterCommand) {
  testing::CapturedLog log;

  // The server answers probes from the interface address, never those from the SNAT IP: the
  // router has no route back to it.
  tcp.answer = [](const ProbeTarget& t) {
    return t.source ? ProbeResult{false, "timeout after 4s"} : kOk;
  };
  std::vector<ReturnPathStatus> paths;
  {
    ServerHealth h(io, {&tcp, &ping}, "web", rt);
    h.configure(server80(), {fastMonitor("System-TCP")}, {{ip("127.0.0.30"), ip("10.10.1.100")}});
    ASSERT_TRUE(runUntil(io, [&] {
      const auto p = h.returnPaths();
      return !p.empty() && p[0].state == "failing";
    }));
    EXPECT_EQ(h.state(), ServerState::kUp) << "the return path never decides the server's state";
    paths = h.returnPaths();
  }
  ASSERT_EQ(paths.size(), 1U);
  EXPECT_EQ(paths[0].snat_ip, ip("127.0.0.30"));
  EXPECT_EQ(paths[0].detail, "timeout after 4s");
  EXPECT_EQ(paths[0].router_command, "route add -host 127.0.0.30 gw 10.10.1.100");
  EXPECT_NE(log.text().find("warning: pool web server 127.0.0.1:80: reachable from the SE's "
                            "interface address but not from SNAT IP 127.0.0.30 (timeout after "
                            "4s): the network has no route back to 127.0.0.30; on the router: "
                            "route add -host 127.0.0.30 gw 10.10.1.100"),
            std::string::npos)
      << log.text();
}

TEST_F(ServerHealthTest, ReturnPathIsOkWhenTheSnatSourcedProbePasses) {
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  h.configure(server80(), {fastMonitor("System-TCP")}, {{ip("127.0.0.30"), std::nullopt}});
  ASSERT_TRUE(runUntil(io, [&] {
    const auto p = h.returnPaths();
    return !p.empty() && p[0].state == "ok";
  }));
  EXPECT_TRUE(h.returnPaths()[0].router_command.empty());
}

TEST_F(ServerHealthTest, ARefusalFromTheSnatIpProvesTheRouteBack) {
  tcp.answer = [](const ProbeTarget& t) {
    return t.source ? ProbeResult{false, "connect refused", 0, /*answered=*/true} : kOk;
  };
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  h.configure(server80(), {fastMonitor("System-TCP")}, {{ip("127.0.0.30"), std::nullopt}});
  ASSERT_TRUE(runUntil(io, [&] { return tcp.calls >= 6; }));
  EXPECT_EQ(h.returnPaths()[0].state, "ok");
}

TEST_F(ServerHealthTest, NoReturnPathVerdictWhileTheInterfaceChecksFailToo) {
  // The server goes silent: every probe times out, from any source. failed_checks 5 keeps it
  // UP for a while; the return path must not be called failing meanwhile.
  int interfaceCalls = 0;
  tcp.answer = [&](const ProbeTarget& t) {
    if (t.source) return ProbeResult{false, "timeout after 1s"};
    return ++interfaceCalls == 1 ? kOk : ProbeResult{false, "timeout after 1s"};
  };
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  h.configure(server80(), {fastMonitor("System-TCP", MonitorType::kTcp, 1, 5)},
              {{ip("127.0.0.30"), std::nullopt}});
  ASSERT_TRUE(runUntil(io, [&] { return interfaceCalls >= 3; }));
  EXPECT_EQ(h.state(), ServerState::kUp);
  EXPECT_NE(h.returnPaths()[0].state, "failing");
}

TEST_F(ServerHealthTest, SnatIpNotHeldHereIsNotAFailure) {
  tcp.answer = [](const ProbeTarget& t) {
    return t.source ? ProbeResult{false, "bind: Cannot assign requested address", EADDRNOTAVAIL}
                    : kOk;
  };
  LocalErrors local;
  ServerHealth h(io, {&tcp, &ping, &local}, "web", rt);
  h.configure(server80(), {fastMonitor("System-TCP")}, {{ip("192.0.2.30"), std::nullopt}});
  ASSERT_TRUE(runUntil(io, [&] {
    const auto p = h.returnPaths();
    return !p.empty() && p[0].state == "not held here";
  }));
  EXPECT_TRUE(h.returnPaths()[0].router_command.empty());
}

TEST_F(ServerHealthTest, ReturnPathOfADownServerIsUnknown) {
  tcp.fallback = kRefused;
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  h.configure(server80(), {fastMonitor("System-TCP")}, {{ip("127.0.0.30"), std::nullopt}});
  ASSERT_TRUE(runUntil(io, [&] { return tcp.calls >= 4; }));
  EXPECT_EQ(h.state(), ServerState::kDown);
  EXPECT_EQ(h.returnPaths()[0].state, "unknown") << "both fail: says nothing about the route back";
}

TEST_F(ServerHealthTest, MarksServerDownAfterFailedChecks) {
  tcp.script = {kOk, kRefused};
  tcp.fallback = kRefused;
  recordAfterEachProbe(tcp);
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  h.configure(server80(), {fastMonitor("System-TCP", MonitorType::kTcp, 2, 2)});
  ASSERT_TRUE(runUntil(io, [&] { return seen.size() >= 3; }));
  EXPECT_EQ(seen[0], ServerState::kUp);
  EXPECT_EQ(seen[1], ServerState::kUp) << "one failure is not enough with failed_checks 2";
  EXPECT_EQ(seen[2], ServerState::kDown);
  EXPECT_EQ(h.reason(), "connect refused");
}

TEST_F(ServerHealthTest, MarksServerUpAfterSuccessfulChecks) {
  tcp.script = {kRefused, kOk, kOk, kOk};
  recordAfterEachProbe(tcp);
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  h.configure(server80(), {fastMonitor("System-TCP", MonitorType::kTcp, 3, 2)});
  ASSERT_TRUE(runUntil(io, [&] { return seen.size() >= 4; }));
  EXPECT_EQ(std::vector<ServerState>(seen.begin(), seen.begin() + 4),
            (std::vector<ServerState>{ServerState::kDown, ServerState::kDown, ServerState::kDown,
                                      ServerState::kUp}));
  EXPECT_EQ(h.reason(), "connect ok");
}

TEST_F(ServerHealthTest, ServerIsUpOnlyWhenEveryMonitorSaysUp) {
  ping.fallback = {false, "timeout after 5ms"};
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  h.configure(server80(),
              {fastMonitor("System-TCP"), fastMonitor("System-Ping", MonitorType::kPing)});
  ASSERT_TRUE(runUntil(io, [&] { return tcp.calls >= 2 && ping.calls >= 2; }));
  EXPECT_EQ(h.state(), ServerState::kDown);
  EXPECT_EQ(h.reason(), "System-Ping: timeout after 5ms");
}

TEST_F(ServerHealthTest, ProbesTheMonitorPortWhenSet) {
  auto def = fastMonitor("tcp-8080");
  def.port = 8080;
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  h.configure(server80(), {def});
  ASSERT_TRUE(runUntil(io, [&] { return tcp.calls >= 1; }));
  EXPECT_EQ(tcp.last_target.port, 8080);
}

TEST_F(ServerHealthTest, DisabledServerIsNotProbed) {
  auto spec = server80();
  spec.enabled = false;
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  h.configure(spec, {fastMonitor("System-TCP")});
  io.run_for(100ms);
  EXPECT_EQ(tcp.calls, 0);
  EXPECT_EQ(h.state(), ServerState::kDisabled);
}

TEST_F(ServerHealthTest, ServerWithoutMonitorsIsUp) {
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  h.configure(server80(), {});
  EXPECT_EQ(h.state(), ServerState::kUp);
}

TEST_F(ServerHealthTest, KeepsStateWhenReconfiguredWithTheSameMonitors) {
  tcp.script = {kOk};
  tcp.fallback = kRefused;
  ServerHealth h(io, {&tcp, &ping}, "web", rt);
  const auto def = fastMonitor("System-TCP", MonitorType::kTcp, 2, 5);
  h.configure(server80(), {def});
  ASSERT_TRUE(runUntil(io, [&] { return tcp.calls >= 2; }));
  ASSERT_EQ(h.state(), ServerState::kUp);
  h.configure(server80(), {def});
  EXPECT_EQ(h.state(), ServerState::kUp) << "not reset to UNKNOWN by an unchanged config";
}

TEST_F(ServerHealthTest, StopsProbingWhenDestroyed) {
  {
    ServerHealth h(io, {&tcp, &ping}, "web", rt);
    h.configure(server80(), {fastMonitor("System-TCP")});
    ASSERT_TRUE(runUntil(io, [&] { return tcp.calls >= 1; }));
  }
  const int calls = tcp.calls;
  io.run_for(100ms);
  EXPECT_EQ(tcp.calls, calls);
}

TEST_F(ServerHealthTest, LogsStateChangeWithReasonAndCount) {
  // logfmt, as floe-se --log-format logfmt writes it: the event and its fields are keys.
  testing::CapturedLog log(LogFormat::kLogfmt);

  tcp.script = {kOk, kRefused, kRefused};
  recordAfterEachProbe(tcp);
  {
    ServerHealth h(io, {&tcp, &ping}, "web", rt);
    h.configure(server80(), {fastMonitor("System-TCP")});
    runUntil(io, [&] { return seen.size() >= 3; });
  }
  EXPECT_NE(log.text().find("level=info program=floe-se se=se1 event=server_up pool=web "
                            "server=127.0.0.1:80 state=UP reason=\"connect ok, 1 consecutive "
                            "success\" msg=\"pool web server 127.0.0.1:80 UP (connect ok, 1 "
                            "consecutive success)\""),
            std::string::npos)
      << log.text();
  EXPECT_NE(log.text().find("level=warning program=floe-se se=se1 event=server_down pool=web "
                            "server=127.0.0.1:80 state=DOWN reason=\"connect refused, 2 "
                            "consecutive failures\""),
            std::string::npos)
      << log.text();
}

TEST(ServerHealthTcp, MarksServerDownWhenItStopsListening) {
  asio::io_context io;
  TcpProber tcp(io);
  auto rt = std::make_shared<ServerRuntime>();
  TestServer server(ip("127.0.0.1"), TestServer::echo());
  ServerSpec spec;
  spec.ip = server.endpoint().ip;
  spec.port = server.port();
  ServerHealth h(io, {&tcp, &tcp}, "web", rt);
  auto def = fastMonitor("System-TCP");
  def.interval = 20ms;
  def.timeout = 15ms;
  h.configure(spec, {def});
  ASSERT_TRUE(runUntil(io, [&] { return h.state() == ServerState::kUp; }));
  server.stop();
  ASSERT_TRUE(runUntil(io, [&] { return h.state() == ServerState::kDown; }));
  EXPECT_EQ(h.reason(), "connect refused");
}

TEST(MonitorDef, ConvertsSecondsAndKeepsChecks) {
  MonitorSpec spec;
  spec.name = "System-TCP";
  spec.send_interval_s = 10;
  spec.receive_timeout_s = 4;
  spec.successful_checks = 3;
  spec.failed_checks = 5;
  spec.port = 8443;
  const auto d = MonitorDef::from(spec);
  EXPECT_EQ(d.interval, 10000ms);
  EXPECT_EQ(d.timeout, 4000ms);
  EXPECT_EQ(d.successful_checks, 3U);
  EXPECT_EQ(d.failed_checks, 5U);
  EXPECT_EQ(d.port, 8443);
}

}  // namespace
}  // namespace floe::proxy
