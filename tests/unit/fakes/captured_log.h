// Captures what floe logs through spdlog's default logger while alive, in one of floe's line
// formats (common/log.h), for tests that check a log line; restores the previous logger.
#pragma once

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

#include "common/log.h"

namespace floe::testing {

class CapturedLog {
 public:
  // kText here means spdlog's "%l: %v" ("info: message"), the shortest to match against.
  explicit CapturedLog(LogFormat format = LogFormat::kText) : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    if (format == LogFormat::kText) {
      logger->set_pattern("%l: %v");
    } else {
      logger->set_formatter(makeLogFormatter(format, "floe-se", "se1"));
    }
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  std::string text() const { return out_.str(); }
  // How many times `needle` occurs in what was logged.
  size_t count(const std::string& needle) const {
    const std::string s = out_.str();
    size_t n = 0;
    for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace floe::testing
