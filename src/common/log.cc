#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace floe {

void initLogging(const std::string& program, const std::string& instance, bool verbose) {
  auto logger = spdlog::stderr_logger_mt(program);
  const std::string tag = instance.empty() ? program : program + "[" + instance + "]";
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ " + tag + " %l: %v", spdlog::pattern_time_type::utc);
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace floe
