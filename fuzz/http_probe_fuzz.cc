// HEALTH_MONITOR_HTTP's response judge (proxy/http_probe.h) on arbitrary server bytes: never
// crashes, and a maintenance verdict is never also a success.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "proxy/http_probe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  floe::proxy::HttpCheckSpec check;
  check.http_response = "ok";
  check.maintenance_code = {503};
  check.maintenance_response = "maintenance";
  const floe::proxy::ProbeResult r = floe::proxy::judgeProbeResponse(check, bytes);
  if (r.ok && r.maintenance) std::abort();
  if (r.detail.empty()) std::abort();
  return 0;
}
