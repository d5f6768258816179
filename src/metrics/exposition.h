// Prometheus text exposition format, version 0.0.4 (prometheus.io "Exposition formats"):
// metric families with HELP and TYPE lines, samples with escaped label values. A small writer
// of floe's own: Debian 12 packages no C++ Prometheus client.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace floe::metrics {

// The Content-Type an HTTP server sends with render()'s output.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// A histogram's samples carry their own suffix: "_bucket" (with an "le" label), "_sum",
// "_count".
enum class MetricType { kCounter, kGauge, kHistogram };

struct Label {
  std::string name;   // [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__"
  std::string value;  // any UTF-8; escaped by render()
};

struct Sample {
  std::vector<Label> labels;
  double value = 0;
  std::string suffix;  // appended to the family name (histograms: "_bucket", "_sum", "_count")
};

// One metric family: every sample of one metric name. A counter's name ends in "_total"
// (Prometheus naming conventions); values are in base units (seconds, bytes).
struct MetricFamily {
  std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<Sample> samples;

  MetricFamily& add(std::vector<Label> labels, double value) {
    samples.push_back({std::move(labels), value, {}});
    return *this;
  }
};

bool isValidMetricName(std::string_view name);
bool isValidLabelName(std::string_view name);

// Label value escaping of the text format: backslash, double quote and line feed become
// \\, \" and \n.
std::string escapeLabelValue(std::string_view value);
// HELP text escaping: backslash and line feed become \\ and \n.
std::string escapeHelp(std::string_view help);
// A sample value: integers without exponent or fraction ("42"), others shortest round-trip
// ("0.25"), and "+Inf", "-Inf", "NaN".
std::string formatValue(double value);

// The exposition text of `families`, in the given order, ending with a line feed. A family
// without samples still gets its HELP and TYPE lines. Names are not checked here (the callers
// use constants; the unit tests check them).
std::string render(const std::vector<MetricFamily>& families);

}  // namespace floe::metrics
