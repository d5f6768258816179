#include "proxy/probe.h"

namespace floe::proxy {

std::string describeTimeout(std::chrono::milliseconds timeout) {
  const auto ms = timeout.count();
  if (ms >= 1000 && ms % 1000 == 0) return "timeout after " + std::to_string(ms / 1000) + "s";
  return "timeout after " + std::to_string(ms) + "ms";
}

}  // namespace floe::proxy
