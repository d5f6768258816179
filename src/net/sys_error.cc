#include "net/sys_error.h"

#include <cstring>

namespace floe::net {

std::string errnoText(int code) {
  const char* name = strerrordesc_np(code);
  const char* symbol = strerrorname_np(code);
  std::string out = name != nullptr ? name : "error " + std::to_string(code);
  if (symbol != nullptr) out += std::string(" (") + symbol + ")";
  return out;
}

Error sysError(const std::string& what, int code, const std::string& detail) {
  std::string message = what + ": " + errnoText(code);
  if (!detail.empty()) message += ": " + detail;
  return Error{std::move(message), code};
}

Error context(const std::string& what, const Error& e) {
  return Error{what + ": " + e.message, e.code};
}

}  // namespace floe::net
