// Logging goes through spdlog; this header fixes the one pattern floe uses everywhere.
#pragma once

#include <spdlog/spdlog.h>

namespace floe {

// Call once from main(): "2026-11-21T18:58:35.123Z floe-se[se1] info: message".
void initLogging(const std::string& program, const std::string& instance, bool verbose);

}  // namespace floe
