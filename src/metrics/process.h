// Process metrics from /proc (proc(5)), named as Prometheus client libraries name them
// (process_cpu_seconds_total, process_resident_memory_bytes, ...), so the usual dashboards
// work.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "metrics/exposition.h"

namespace floe::metrics {

struct ProcessStats {
  double cpu_seconds = 0;       // user + system CPU time, s
  uint64_t resident_bytes = 0;  // RSS, bytes
  uint64_t virtual_bytes = 0;   // address space size, bytes
  uint64_t open_fds = 0;
  uint64_t max_fds = 0;           // soft RLIMIT_NOFILE
  double start_time_seconds = 0;  // process start, s since the Unix epoch
};

// Parses the text of /proc/PID/stat (proc(5): utime and stime are fields 14 and 15,
// starttime 22, all in clock ticks; vsize 23 in bytes; rss 24 in pages). The command name
// in field 2 may hold spaces and parentheses: parsing starts after its last ')'.
// `ticksPerSecond` is sysconf(_SC_CLK_TCK), `pageBytes` sysconf(_SC_PAGESIZE), `bootTime`
// the "btime" of /proc/stat (s since the epoch). Error: "/proc/self/stat: <reason>".
Result<ProcessStats> parseProcStat(std::string_view text, long ticksPerSecond, long pageBytes,
                                   double bootTime);

// The "btime" line of /proc/stat: boot time, s since the epoch.
Result<double> parseBootTime(std::string_view procStat);

// Reads /proc/self/stat, /proc/stat, /proc/self/fd and RLIMIT_NOFILE of the calling process.
Result<ProcessStats> readProcessStats();

// process_* families of `stats`.
std::vector<MetricFamily> processFamilies(const ProcessStats& stats);

}  // namespace floe::metrics
