#include "metrics/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace floe::metrics {
namespace {

TEST(Exposition, EscapesBackslashQuoteAndNewlineInLabelValues) {
  EXPECT_EQ(escapeLabelValue(R"(a\b"c)"
                             "\n"
                             "d"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(escapeLabelValue("vs-1 ünïcode"), "vs-1 ünïcode");
}

TEST(Exposition, EscapesBackslashAndNewlineInHelpButNotQuotes) {
  EXPECT_EQ(escapeHelp("a \"b\" \\ c\nd"), "a \"b\" \\\\ c\\nd");
}

TEST(Exposition, FormatsIntegersPlainlyAndOthersShortest) {
  EXPECT_EQ(formatValue(0), "0");
  EXPECT_EQ(formatValue(42), "42");
  EXPECT_EQ(formatValue(-3), "-3");
  EXPECT_EQ(formatValue(0.25), "0.25");
  EXPECT_EQ(formatValue(1e20), "1e+20");
  EXPECT_EQ(formatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(formatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(formatValue(std::nan("")), "NaN");
}

TEST(Exposition, ChecksMetricAndLabelNames) {
  EXPECT_TRUE(isValidMetricName("floe_virtualservice_connections_total"));
  EXPECT_TRUE(isValidMetricName("a:b_c9"));
  EXPECT_FALSE(isValidMetricName("9abc"));
  EXPECT_FALSE(isValidMetricName("a-b"));
  EXPECT_FALSE(isValidMetricName(""));
  EXPECT_TRUE(isValidLabelName("virtualservice"));
  EXPECT_FALSE(isValidLabelName("__name__"));
  EXPECT_FALSE(isValidLabelName("a:b"));
  EXPECT_FALSE(isValidLabelName("1a"));
}

TEST(Exposition, RendersHelpTypeAndSamplesInOrder) {
  std::vector<MetricFamily> f;
  f.push_back({"floe_x_total", "Things\ncounted.", MetricType::kCounter, {}});
  f.back().add({{"virtualservice", "vs1"}}, 3).add({{"virtualservice", "v\"2"}}, 0);
  f.push_back({"floe_y", "A gauge.", MetricType::kGauge, {}});
  f.back().add({}, 0.5);
  f.push_back({"floe_empty", "No samples.", MetricType::kGauge, {}});
  EXPECT_EQ(render(f),
            "# HELP floe_x_total Things\\ncounted.\n"
            "# TYPE floe_x_total counter\n"
            "floe_x_total{virtualservice=\"vs1\"} 3\n"
            "floe_x_total{virtualservice=\"v\\\"2\"} 0\n"
            "# HELP floe_y A gauge.\n"
            "# TYPE floe_y gauge\n"
            "floe_y 0.5\n"
            "# HELP floe_empty No samples.\n"
            "# TYPE floe_empty gauge\n");
}

TEST(Exposition, SeparatesSeveralLabelsWithCommas) {
  std::vector<MetricFamily> f{{"m", "h", MetricType::kGauge, {}}};
  f[0].add({{"pool", "web"}, {"server", "[fd00::1]:80"}}, 1);
  EXPECT_NE(render(f).find("m{pool=\"web\",server=\"[fd00::1]:80\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace floe::metrics
