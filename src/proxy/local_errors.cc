#include "proxy/local_errors.h"

#include <cerrno>

#include "common/log.h"
#include "proxy/socket_util.h"

namespace floe::proxy {

std::optional<LocalCause> localCause(int err) {
  switch (err) {
    case EMFILE:
      return LocalCause::kEmfile;
    case ENFILE:
      return LocalCause::kEnfile;
    case EADDRNOTAVAIL:
      return LocalCause::kEaddrnotavail;
    case ENOBUFS:
      return LocalCause::kEnobufs;
    case ENOMEM:
      return LocalCause::kEnomem;
    default:
      return std::nullopt;
  }
}

const char* toString(LocalCause c) {
  switch (c) {
    case LocalCause::kEmfile:
      return "EMFILE";
    case LocalCause::kEnfile:
      return "ENFILE";
    case LocalCause::kEaddrnotavail:
      return "EADDRNOTAVAIL";
    case LocalCause::kEnobufs:
      return "ENOBUFS";
    case LocalCause::kEnomem:
      return "ENOMEM";
  }
  return "?";
}

void LocalErrors::note(int err, std::string_view where) {
  const auto cause = localCause(err);
  if (!cause) return;
  const auto i = static_cast<size_t>(*cause);
  const uint64_t n = counts_[i].fetch_add(1, std::memory_order_relaxed) + 1;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_log_ms_[i].load(std::memory_order_relaxed);
  const int64_t every = std::chrono::duration_cast<std::chrono::milliseconds>(kLogEvery).count();
  if (last != 0 && now - last < every) return;
  // One thread wins the right to log this period.
  if (!last_log_ms_[i].compare_exchange_strong(last, now, std::memory_order_relaxed)) return;
  spdlog::warn("local error {} ({}) in {}; not held against any server ({} since start)",
               toString(*cause), errnoText(err), where, n);
}

}  // namespace floe::proxy
