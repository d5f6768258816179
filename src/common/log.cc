#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

namespace floe {

namespace {

// The event of the line being logged: set by logEvent() around its spdlog call. The logger
// is synchronous, so the formatter runs on the same thread.
struct PendingEvent {
  std::string_view event;
  std::span<const LogField> fields;
};
thread_local PendingEvent tPending;

std::string utcMillis(spdlog::log_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

// logfmt: a value with a space, '=', '"', a control character or nothing is quoted, with
// backslash, quote and line breaks escaped.
void appendLogfmtValue(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (const char c : v) {
    if (c == ' ' || c == '=' || c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      quote = true;
    }
  }
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (const char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  out += '"';
}

class StructuredFormatter final : public spdlog::formatter {
 public:
  StructuredFormatter(LogFormat format, std::string program, std::string instance)
      : format_(format), program_(std::move(program)), instance_(std::move(instance)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    const auto lv = spdlog::level::to_string_view(msg.level);
    const std::string_view level(lv.data(), lv.size());
    std::string line;
    if (format_ == LogFormat::kJson) {
      nlohmann::ordered_json j;
      j["ts"] = utcMillis(msg.time);
      j["level"] = std::string(level.data(), level.size());
      j["program"] = program_;
      if (!instance_.empty()) j["se"] = instance_;
      if (!tPending.event.empty()) j["event"] = std::string(tPending.event);
      for (const auto& f : tPending.fields) j[std::string(f.key)] = f.value;
      j["msg"] = std::string(text);
      // Invalid UTF-8 in a message (a peer's bytes) is replaced, never thrown.
      line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else if (format_ == LogFormat::kText) {
      line = utcMillis(msg.time) + " " + program_;
      if (!instance_.empty()) line += "[" + instance_ + "]";
      line += " " + std::string(level.data(), level.size()) + ": ";
      line += text;
      appendPairs(line);
    } else {
      line = "ts=" + utcMillis(msg.time) + " level=" + std::string(level.data(), level.size());
      line += " program=";
      appendLogfmtValue(line, program_);
      if (!instance_.empty()) {
        line += " se=";
        appendLogfmtValue(line, instance_);
      }
      appendPairs(line);
      line += " msg=";
      appendLogfmtValue(line, text);
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  // " event=NAME key=value ..." of the pending event, if any.
  static void appendPairs(std::string& line) {
    if (!tPending.event.empty()) {
      line += " event=";
      appendLogfmtValue(line, tPending.event);
    }
    for (const auto& f : tPending.fields) {
      line += ' ';
      line += f.key;
      line += '=';
      appendLogfmtValue(line, f.value);
    }
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<StructuredFormatter>(format_, program_, instance_);
  }

 private:
  LogFormat format_;
  std::string program_;
  std::string instance_;
};

}  // namespace

std::optional<LogFormat> parseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "logfmt") return LogFormat::kLogfmt;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

std::unique_ptr<spdlog::formatter> makeLogFormatter(LogFormat format, const std::string& program,
                                                    const std::string& instance) {
  return std::make_unique<StructuredFormatter>(format, program, instance);
}

void initLogging(const std::string& program, const std::string& instance, bool verbose,
                 LogFormat format) {
  auto logger = spdlog::stderr_logger_mt(program);
  logger->set_formatter(makeLogFormatter(format, program, instance));
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

namespace {

void logPending(spdlog::level::level_enum level, std::string_view event,
                std::span<const LogField> fields, std::string_view message) {
  auto* logger = spdlog::default_logger_raw();
  tPending = {event, fields};
  logger->log(level, "{}", message.empty() ? event : message);
  tPending = {};
}

}  // namespace

void logEvent(spdlog::level::level_enum level, std::string_view event,
              std::initializer_list<LogField> fields, std::string_view message) {
  if (!spdlog::default_logger_raw()->should_log(level)) return;
  logPending(level, event, {fields.begin(), fields.size()}, message);
}

void logEventLimited(LogRateLimiter& limiter, spdlog::level::level_enum level,
                     std::string_view event, std::initializer_list<LogField> fields,
                     std::string_view message) {
  if (!spdlog::default_logger_raw()->should_log(level)) return;
  std::string key(event);
  for (const auto& f : fields) {
    key += '\x1f';
    key += f.value;
  }
  const auto d = limiter.check(key, LogRateLimiter::Clock::now());
  if (!d.emit) return;
  std::vector<LogField> all(fields);
  if (d.suppressed > 0) all.push_back({"suppressed", std::to_string(d.suppressed)});
  logPending(level, event, all, message);
}

}  // namespace floe
