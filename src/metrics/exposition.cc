#include "metrics/exposition.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace floe::metrics {

namespace {

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool isValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!(isAlpha(c) || c == '_' || c == ':' || (i > 0 && isDigit(c)))) return false;
  }
  return true;
}

bool isValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;  // "__" is reserved
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!(isAlpha(c) || c == '_' || (i > 0 && isDigit(c)))) return false;
  }
  return true;
}

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string escapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Exact integers up to 2^53 print as integers: counters read naturally.
  constexpr double kExact = 9007199254740992.0;
  if (value == std::trunc(value) && std::fabs(value) <= kExact) {
    return std::to_string(static_cast<long long>(value));
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);  // shortest round-trip
  return std::string(buf, r.ptr);
}

std::string render(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const auto& f : families) {
    out += "# HELP " + f.name + " " + escapeHelp(f.help) + "\n";
    out += "# TYPE " + f.name +
           (f.type == MetricType::kCounter     ? " counter\n"
            : f.type == MetricType::kHistogram ? " histogram\n"
                                               : " gauge\n");
    for (const auto& s : f.samples) {
      out += f.name + s.suffix;
      if (!s.labels.empty()) {
        out += '{';
        for (size_t i = 0; i < s.labels.size(); ++i) {
          if (i > 0) out += ',';
          out += s.labels[i].name + "=\"" + escapeLabelValue(s.labels[i].value) + "\"";
        }
        out += '}';
      }
      out += ' ' + formatValue(s.value) + '\n';
    }
  }
  return out;
}

}  // namespace floe::metrics
