// The forwarding state file (RUN_DIR/NAME.forwarding) decoder: any bytes give a list or an
// error, never a crash, and every path it accepts is a forwarding flag.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "se/forwarding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto r = floe::se::parseForwardingState(text, "state");
  if (r) {
    for (const auto& c : *r) {
      if (c.path.rfind("net/ipv4/conf/", 0) != 0 || c.path.find("/../") != std::string::npos) {
        std::abort();
      }
    }
  }
  return 0;
}
