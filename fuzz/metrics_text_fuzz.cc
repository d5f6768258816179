// libFuzzer target for the text decoders of src/metrics (/proc/self/stat and /proc/stat
// parsing, the --metrics ADDR:PORT parser) and the exposition writer's escaping: any input
// must parse or be rejected, never crash; an object name with any bytes must render as
// exactly one sample line.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "metrics/exposition.h"
#include "metrics/http_server.h"
#include "metrics/process.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace floe::metrics;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto s = parseProcStat(text, 100, 4096, 0); s.ok() && s->cpu_seconds < 0) __builtin_trap();
  (void)parseBootTime(text);
  if (auto a = parseListenAddress(text); a.ok() && a->port == 0) __builtin_trap();

  std::vector<MetricFamily> f{{"floe_x", "help", MetricType::kGauge, {}}};
  f[0].add({{"virtualservice", std::string(text)}}, 1);
  const std::string out = render(f);
  // HELP, TYPE and one sample: a label value never breaks a line.
  if (std::count(out.begin(), out.end(), '\n') != 3) __builtin_trap();
  return 0;
}
