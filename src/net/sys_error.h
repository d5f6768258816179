// Errors from system calls and the kernel, worded the same way everywhere in src/net:
// "<what failed>: <strerror> (<ERRNO NAME>)[: <kernel's extended ack text>]".
#pragma once

#include <string>

#include "common/result.h"

namespace floe::net {

// "Cannot assign requested address (EADDRNOTAVAIL)".
std::string errnoText(int code);
// Error{code, "what: errnoText(code)[: detail]"}.
Error sysError(const std::string& what, int code, const std::string& detail = "");
// Prefixes an error from a lower layer with the object it concerns; keeps the code.
Error context(const std::string& what, const Error& e);

}  // namespace floe::net
