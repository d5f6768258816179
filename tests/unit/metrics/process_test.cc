#include "metrics/process.h"

#include <gtest/gtest.h>

namespace floe::metrics {
namespace {

// proc(5) /proc/PID/stat; comm "(floe se) x)" holds a space and a ')'.
constexpr const char* kStat =
    "4242 (floe se) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 5 0 123400 "
    "104857600 2560 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessStats, ParsesCpuRssVsizeAndStartFromProcStat) {
  auto s = parseProcStat(kStat, 100, 4096, 1700000000);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 3.0);  // (250 + 50) ticks / 100
  EXPECT_EQ(s->resident_bytes, 2560u * 4096u);
  EXPECT_EQ(s->virtual_bytes, 104857600u);
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1700000000 + 1234.0);
}

TEST(ProcessStats, RejectsTruncatedStat) {
  auto s = parseProcStat("1 (x) S 1 2 3", 100, 4096, 0);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("/proc/self/stat: "), std::string::npos);
}

TEST(ProcessStats, RejectsStatWithoutComm) { EXPECT_FALSE(parseProcStat("garbage", 100, 4096, 0)); }

TEST(ProcessStats, RejectsNonNumericFields) {
  std::string bad = kStat;
  bad.replace(bad.find(" 250 "), 5, " x50 ");
  EXPECT_FALSE(parseProcStat(bad, 100, 4096, 0));
}

TEST(ProcessStats, FindsBootTime) {
  auto b = parseBootTime("cpu  1 2 3\nintr 5\nbtime 1700000123\nprocesses 9\n");
  ASSERT_TRUE(b);
  EXPECT_DOUBLE_EQ(*b, 1700000123);
  EXPECT_FALSE(parseBootTime("cpu 1 2 3\n"));
}

TEST(ProcessStats, ReadsThisProcess) {
  auto s = readProcessStats();
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_GT(s->resident_bytes, 0u);
  EXPECT_GE(s->open_fds, 3u);  // stdin, stdout, stderr
  EXPECT_GT(s->max_fds, 0u);
  EXPECT_GT(s->start_time_seconds, 1.6e9);
}

TEST(ProcessStats, NamesFamiliesAsPrometheusClientsDo) {
  ProcessStats s;
  s.cpu_seconds = 1.5;
  s.open_fds = 7;
  const auto text = render(processFamilies(s));
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.5\n"),
            std::string::npos);
  EXPECT_NE(text.find("process_open_fds 7\n"), std::string::npos);
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
}

}  // namespace
}  // namespace floe::metrics
