// Logging goes through spdlog; this header fixes the formats floe uses everywhere and adds
// structured events (an event name plus the names of the objects it is about) and a rate
// limiter for events that can flood.
#pragma once

#include <spdlog/spdlog.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/rate_limit.h"

namespace floe {

// --log-format: "text" (default, for people), "logfmt" or "json" (one object per line,
// for log collectors).
enum class LogFormat { kText, kLogfmt, kJson };
std::optional<LogFormat> parseLogFormat(std::string_view name);

// Call once from main(). Text: "2026-11-21T18:58:35.123Z floe-se[se1] info: message" (an
// event's name and fields follow as " event=NAME key=value ...").
// logfmt: ts=2026-11-21T18:58:35.123Z level=info program=floe-se se=se1 event=... msg="..."
// JSON:   {"ts":"...","level":"info","program":"floe-se","se":"se1","event":...,"msg":"..."}
// Timestamps are UTC with milliseconds. `se` is left out when `instance` is empty.
void initLogging(const std::string& program, const std::string& instance, bool verbose,
                 LogFormat format = LogFormat::kText);

// The formatter initLogging() installs, for tests and other sinks.
std::unique_ptr<spdlog::formatter> makeLogFormatter(LogFormat format, const std::string& program,
                                                    const std::string& instance);

struct LogField {
  std::string_view key;  // snake_case: "virtualservice", "pool", "server", "reason", ...
  std::string value;
};

// Logs one event a user must know of, e.g.
//   logEvent(info, "server_down", {{"pool", "web"}, {"server", "10.10.20.21:80"},
//            {"reason", "connect refused"}});
// `event` is a snake_case name; without `message` the event name is the message.
// Structured formats carry event and fields as keys; text appends them as key=value.
void logEvent(spdlog::level::level_enum level, std::string_view event,
              std::initializer_list<LogField> fields, std::string_view message = {});

// logEvent() through `limiter`, keyed by the event and its field values: for events that can
// flood. The first line let through after suppressed ones carries suppressed=N.
void logEventLimited(LogRateLimiter& limiter, spdlog::level::level_enum level,
                     std::string_view event, std::initializer_list<LogField> fields,
                     std::string_view message = {});

}  // namespace floe
