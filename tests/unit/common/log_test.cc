#include "common/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

namespace floe {
namespace {

// The default logger writes into `out` with the formatter of `format` while the test runs.
class CapturedLog {
 public:
  explicit CapturedLog(LogFormat format, const std::string& instance = "se1") {
    previous_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_formatter(makeLogFormatter(format, "floe-se", instance));
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(LogFormat, ParsesTheThreeNames) {
  EXPECT_EQ(parseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(parseLogFormat("logfmt"), LogFormat::kLogfmt);
  EXPECT_EQ(parseLogFormat("json"), LogFormat::kJson);
  EXPECT_FALSE(parseLogFormat("JSON"));
  EXPECT_FALSE(parseLogFormat(""));
}

TEST(LogFormat, TextKeepsTheHumanPatternAndAppendsEventFields) {
  CapturedLog log(LogFormat::kText);
  spdlog::info("plain message");
  logEvent(spdlog::level::warn, "server_down", {{"pool", "web"}, {"reason", "connect refused"}},
           "pool web server 10.10.20.21:80 DOWN");
  const std::regex want(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z floe-se\[se1\] info: plain message\n)"
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z floe-se\[se1\] warning: pool web server )"
      R"(10\.10\.20\.21:80 DOWN event=server_down pool=web reason="connect refused"\n)");
  EXPECT_TRUE(std::regex_match(log.text(), want)) << log.text();
}

TEST(LogFormat, LogfmtQuotesAndEscapesValues) {
  CapturedLog log(LogFormat::kLogfmt);
  logEvent(spdlog::level::info, "vs_down",
           {{"virtualservice", "vs1"}, {"reason", "no server \"up\"\nat all"}, {"empty", ""}});
  const std::string t = log.text();
  EXPECT_TRUE(std::regex_search(t, std::regex(R"(^ts=\d{4}-\d\d-\d\dT[\d:.]+Z level=info )"))) << t;
  EXPECT_NE(t.find(" program=floe-se se=se1 event=vs_down virtualservice=vs1 "
                   "reason=\"no server \\\"up\\\"\\nat all\" empty=\"\" msg=vs_down\n"),
            std::string::npos)
      << t;
}

TEST(LogFormat, JsonIsOneObjectPerLineWithTheFields) {
  CapturedLog log(LogFormat::kJson);
  logEvent(spdlog::level::info, "server_up", {{"pool", "web"}, {"server", "10.10.20.21:80"}},
           "server up");
  spdlog::error("bad \xff byte");
  std::istringstream lines(log.text());
  std::string first, second;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  const auto a = nlohmann::json::parse(first);
  EXPECT_EQ(a["level"], "info");
  EXPECT_EQ(a["program"], "floe-se");
  EXPECT_EQ(a["se"], "se1");
  EXPECT_EQ(a["event"], "server_up");
  EXPECT_EQ(a["pool"], "web");
  EXPECT_EQ(a["server"], "10.10.20.21:80");
  EXPECT_EQ(a["msg"], "server up");
  const auto b = nlohmann::json::parse(second);  // invalid UTF-8 replaced, not thrown
  EXPECT_EQ(b["level"], "error");
  EXPECT_FALSE(b.contains("event"));
  EXPECT_NE(b["msg"].get<std::string>().find("bad "), std::string::npos);
}

TEST(LogFormat, LeavesOutSeWithoutAnInstance) {
  CapturedLog log(LogFormat::kJson, "");
  spdlog::info("x");
  EXPECT_FALSE(nlohmann::json::parse(log.text()).contains("se"));
}

TEST(LogFormat, LimitedEventsReportWhatTheySuppressed) {
  CapturedLog log(LogFormat::kLogfmt);
  LogRateLimiter limiter(2, std::chrono::hours(1));
  for (int i = 0; i < 5; ++i) {
    logEventLimited(limiter, spdlog::level::warn, "connection_refused",
                    {{"virtualservice", "vs1"}});
  }
  logEventLimited(limiter, spdlog::level::warn, "connection_refused", {{"virtualservice", "vs2"}});
  const std::string t = log.text();
  size_t n = 0;
  for (size_t p = 0; (p = t.find("virtualservice=vs1", p)) != std::string::npos; ++p) ++n;
  EXPECT_EQ(n, 2u) << t;
  EXPECT_NE(t.find("virtualservice=vs2"), std::string::npos) << t;  // another key, own limit
  EXPECT_EQ(t.find("suppressed="), std::string::npos) << t;
}

TEST(LogFormat, TheFirstLineAfterSuppressedOnesSaysHowMany) {
  CapturedLog log(LogFormat::kLogfmt);
  LogRateLimiter limiter(1, std::chrono::milliseconds(100));
  for (int i = 0; i < 4; ++i) logEventLimited(limiter, spdlog::level::warn, "flap", {{"k", "v"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(120));  // the next window
  logEventLimited(limiter, spdlog::level::warn, "flap", {{"k", "v"}});
  EXPECT_NE(log.text().find("event=flap k=v suppressed=3 msg=flap\n"), std::string::npos)
      << log.text();
}

}  // namespace
}  // namespace floe
