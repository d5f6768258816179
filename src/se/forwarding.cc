#include "se/forwarding.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "net/netlink.h"

namespace floe::se {

namespace {

constexpr char kPrefix[] = "net/ipv4/conf/";
constexpr char kSuffix[] = "/forwarding";

std::string deviceOf(const std::string& path) {
  const size_t begin = sizeof kPrefix - 1;
  const size_t end = path.size() - (sizeof kSuffix - 1);
  return end > begin ? path.substr(begin, end - begin) : path;
}

std::string describe(const std::string& path, const std::string& from, const std::string& to) {
  return path + " " + from + " -> " + to;
}

}  // namespace

Result<std::string> KernelSysctl::read(const std::string& path) {
  const std::string file = "/proc/sys/" + path;
  std::ifstream in(file);
  if (!in) {
    const int e = errno;
    return makeError(file + ": " + std::strerror(e), e);
  }
  std::string value;
  std::getline(in, value);
  return value;
}

Status KernelSysctl::write(const std::string& path, const std::string& value) {
  auto previous = net::writeSysctl(path, value);
  if (!previous) return previous.error();
  return {};
}

std::string forwardingPath(const std::string& device) { return kPrefix + device + kSuffix; }

Result<std::vector<ForwardingChange>> parseForwardingState(const std::string& text,
                                                           const std::string& file) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("sysctls") || !j["sysctls"].is_array()) {
    return makeError(file +
                     ": not a floe forwarding state file (a JSON object with a \"sysctls\" "
                     "array); it records the host's values before floe changed them, so fix "
                     "or remove it by hand");
  }
  std::vector<ForwardingChange> out;
  for (const auto& s : j["sysctls"]) {
    if (!s.is_object() || !s.contains("path") || !s.contains("before") || !s.contains("set") ||
        !s["path"].is_string() || !s["before"].is_string() || !s["set"].is_string()) {
      return makeError(file + ": an entry lacks the strings path, before and set: " + s.dump());
    }
    const auto path = s["path"].get<std::string>();
    const std::string device =
        path.size() > sizeof kPrefix - 1 + sizeof kSuffix - 1 ? deviceOf(path) : std::string();
    const bool shaped =
        path.rfind(kPrefix, 0) == 0 && path.size() >= sizeof kSuffix - 1 &&
        path.compare(path.size() - (sizeof kSuffix - 1), std::string::npos, kSuffix) == 0;
    if (!shaped || device.empty() || device.find('/') != std::string::npos || device == "." ||
        device == "..") {
      return makeError(file + ": " + path + " is not a path floe changes");
    }
    out.push_back({path, s["before"].get<std::string>(), s["set"].get<std::string>()});
  }
  return out;
}

ForwardingOwner::ForwardingOwner(SysctlAccess& sysctl, std::filesystem::path stateFile)
    : sysctl_(sysctl), stateFile_(std::move(stateFile)) {}

Result<std::vector<std::string>> ForwardingOwner::restoreLeftovers() {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::exists(stateFile_, ec)) return out;
  const std::string file = stateFile_.string();
  std::ifstream in(stateFile_);
  if (!in) return makeError(file + ": " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parseForwardingState(text.str(), file);
  if (!parsed) return parsed.error();
  std::map<std::string, Change> left;
  for (const auto& c : *parsed) left[c.path] = Change{c.before, c.set};
  for (const auto& [path, change] : left) {
    auto now = sysctl_.read(path);
    if (!now) {
      out.push_back(path + ": left alone (" + now.error().message + ")");
    } else if (*now != change.set) {
      out.push_back(path + ": left alone, reads " + *now + ", not the " + change.set +
                    " floe wrote");
    } else if (auto st = sysctl_.write(path, change.before); !st) {
      return makeError("restoring " + path + ": " + st.error().message);
    } else {
      out.push_back(describe(path, change.set, change.before) + " (restored)");
    }
  }
  if (!std::filesystem::remove(stateFile_, ec) && ec) {
    return makeError(file + ": cannot remove: " + ec.message());
  }
  return out;
}

std::vector<Error> ForwardingOwner::converge(const std::vector<std::string>& devices) {
  std::vector<Error> errors;
  std::set<std::string> wanted;
  for (const auto& d : devices) wanted.insert(forwardingPath(d));

  // Put back what is no longer wanted.
  bool changed = false;
  for (auto it = changes_.begin(); it != changes_.end();) {
    if (wanted.count(it->first) != 0) {
      ++it;
      continue;
    }
    auto now = sysctl_.read(it->first);
    if (now && *now == it->second.set) {
      if (auto st = sysctl_.write(it->first, it->second.before); !st) {
        errors.push_back(st.error());
        ++it;
        continue;
      }
    }
    // Gone with its device, or changed by someone else since: no longer floe's.
    it = changes_.erase(it);
    changed = true;
  }

  // Turn on what is wanted.
  for (const auto& path : wanted) {
    auto now = sysctl_.read(path);
    if (!now) {
      if (now.error().code != ENOENT) errors.push_back(now.error());
      continue;  // the device is not there (yet)
    }
    if (*now == "1") continue;
    if (changes_.find(path) == changes_.end()) {
      changes_[path] = Change{*now, "1"};
      // Recorded before the write: a crash right after it still finds the record.
      if (auto st = save(); !st) {
        changes_.erase(path);
        errors.push_back(st.error());
        continue;
      }
    }
    if (auto st = sysctl_.write(path, "1"); !st) errors.push_back(st.error());
  }
  if (changed) {
    if (auto st = save(); !st) errors.push_back(st.error());
  }
  return errors;
}

std::vector<std::string> ForwardingOwner::owned() const {
  std::vector<std::string> out;
  for (const auto& [path, change] : changes_) out.push_back(deviceOf(path));
  return out;
}

Status ForwardingOwner::save() const {
  std::error_code ec;
  if (changes_.empty()) {
    std::filesystem::remove(stateFile_, ec);
    if (ec) return makeError(stateFile_.string() + ": cannot remove: " + ec.message());
    return {};
  }
  nlohmann::json j = {{"sysctls", nlohmann::json::array()}};
  for (const auto& [path, change] : changes_) {
    j["sysctls"].push_back({{"path", path}, {"before", change.before}, {"set", change.set}});
  }
  const auto tmp = stateFile_.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << '\n';
    out.flush();
    if (!out) return makeError(tmp + ": cannot write: " + std::strerror(errno));
  }
  std::filesystem::rename(tmp, stateFile_, ec);
  if (ec) return makeError(stateFile_.string() + ": cannot write: " + ec.message());
  return {};
}

}  // namespace floe::se
