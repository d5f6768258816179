#include "metrics/process.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace floe::metrics {

namespace {

Result<std::string> readFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(std::string(path) + ": cannot read");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool parseNumber(std::string_view s, uint64_t& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

Result<ProcessStats> parseProcStat(std::string_view text, long ticksPerSecond, long pageBytes,
                                   double bootTime) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return makeError("/proc/self/stat: no ')' after comm");
  // Fields from 3 (state) on, separated by single spaces.
  std::vector<std::string_view> fields;
  std::string_view rest = text.substr(close + 1);
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\n')) rest.remove_prefix(1);
    if (rest.empty()) break;
    const auto end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  // fields[0] is field 3; field N is fields[N - 3].
  constexpr size_t kRss = 24;
  if (fields.size() < kRss - 2) {
    return makeError("/proc/self/stat: " + std::to_string(fields.size() + 2) +
                     " fields, expected at least 24");
  }
  uint64_t utime = 0, stime = 0, start = 0, vsize = 0, rss = 0;
  if (!parseNumber(fields[14 - 3], utime) || !parseNumber(fields[15 - 3], stime) ||
      !parseNumber(fields[22 - 3], start) || !parseNumber(fields[23 - 3], vsize) ||
      !parseNumber(fields[24 - 3], rss)) {
    return makeError(
        "/proc/self/stat: a field of utime, stime, starttime, vsize, rss is not a "
        "number");
  }
  if (ticksPerSecond <= 0 || pageBytes <= 0) {
    return makeError("/proc/self/stat: clock ticks per second and page size must be > 0");
  }
  ProcessStats s;
  const auto tps = static_cast<double>(ticksPerSecond);
  s.cpu_seconds = static_cast<double>(utime + stime) / tps;
  s.start_time_seconds = bootTime + static_cast<double>(start) / tps;
  s.virtual_bytes = vsize;
  s.resident_bytes = rss * static_cast<uint64_t>(pageBytes);
  return s;
}

Result<double> parseBootTime(std::string_view procStat) {
  size_t pos = 0;
  while (pos < procStat.size()) {
    auto end = procStat.find('\n', pos);
    if (end == std::string_view::npos) end = procStat.size();
    const auto line = procStat.substr(pos, end - pos);
    if (line.starts_with("btime ")) {
      uint64_t t = 0;
      if (!parseNumber(line.substr(6), t)) return makeError("/proc/stat: btime is not a number");
      return static_cast<double>(t);
    }
    pos = end + 1;
  }
  return makeError("/proc/stat: no btime line");
}

Result<ProcessStats> readProcessStats() {
  auto stat = readFile("/proc/stat");
  if (!stat) return stat.error();
  auto boot = parseBootTime(*stat);
  if (!boot) return boot.error();
  auto self = readFile("/proc/self/stat");
  if (!self) return self.error();
  auto s = parseProcStat(*self, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE), *boot);
  if (!s) return s;
  std::error_code ec;
  uint64_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  if (ec) return makeError("/proc/self/fd: " + ec.message());
  s->open_fds = fds > 0 ? fds - 1 : 0;  // the iterator's own descriptor is not the process's
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) s->max_fds = lim.rlim_cur;
  return s;
}

std::vector<MetricFamily> processFamilies(const ProcessStats& s) {
  std::vector<MetricFamily> f;
  f.push_back({"process_cpu_seconds_total",
               "User and system CPU time spent, in seconds.",
               MetricType::kCounter,
               {{{}, s.cpu_seconds}}});
  f.push_back({"process_resident_memory_bytes",
               "Resident memory size, in bytes.",
               MetricType::kGauge,
               {{{}, static_cast<double>(s.resident_bytes)}}});
  f.push_back({"process_virtual_memory_bytes",
               "Virtual memory size, in bytes.",
               MetricType::kGauge,
               {{{}, static_cast<double>(s.virtual_bytes)}}});
  f.push_back({"process_open_fds",
               "Open file descriptors.",
               MetricType::kGauge,
               {{{}, static_cast<double>(s.open_fds)}}});
  f.push_back({"process_max_fds",
               "Limit of open file descriptors (soft RLIMIT_NOFILE).",
               MetricType::kGauge,
               {{{}, static_cast<double>(s.max_fds)}}});
  f.push_back({"process_start_time_seconds",
               "Start time of the process since the Unix epoch, in seconds.",
               MetricType::kGauge,
               {{{}, s.start_time_seconds}}});
  return f;
}

}  // namespace floe::metrics
