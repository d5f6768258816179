// Internal to src/config: reading JSON values and objects for the decoder, with every problem
// reported as `path: reason` and decoding going on. Decoder reads one value; Fields walks one
// JSON object's fields and reports the ones nobody asked for as unknown.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip.h"
#include "config/checks.h"
#include "config/document.h"

namespace floe::config::detail {

using json = nlohmann::json;

bool iequals(std::string_view a, std::string_view b);
std::string upper(std::string s);
// `"text"`, shortened to 60 bytes (on a UTF-8 boundary) with an ellipsis.
std::string quote(std::string_view s);
// `text` with bytes that are not valid UTF-8, and control characters, escaped as \xNN: for
// echoing input (nlohmann's parse errors quote raw input; keys of a json built in code).
std::string printable(std::string_view text);
// What the user wrote, briefly, for "got …" (never dumps a whole subtree: it may be deep).
std::string describe(const json& v);

class Fields;

// Reads scalar values; reports and returns nullopt when a value is unacceptable.
class Decoder {
 public:
  explicit Decoder(std::vector<Diagnostic>& errors) : errors_(errors) {}

  // Past kMaxDecodeErrors errors are counted, not kept: a document may hold a million mistakes.
  void error(std::string path, std::string reason) {
    if (errors_.size() >= kMaxDecodeErrors) {
      ++dropped_;
      return;
    }
    errors_.push_back(Diagnostic{std::move(path), std::move(reason)});
  }
  size_t dropped() const { return dropped_; }

  std::optional<std::string> text(const json& v, const std::string& path,
                                  std::string_view example) {
    if (!v.is_string()) {
      error(path, "must be a string such as " + std::string(example) + ", got " + describe(v));
      return std::nullopt;
    }
    const auto& s = v.get_ref<const std::string&>();
    if (auto bad = checkUtf8(s)) return fail(path, *bad);
    return s;
  }

  template <class Check>
  std::optional<std::string> checkedText(const json& v, const std::string& path,
                                         std::string_view example, Check check) {
    auto s = text(v, path, example);
    if (!s) return std::nullopt;
    if (auto bad = check(*s)) return fail(path, *bad);
    return s;
  }

  // vip_id / route_id: a string as Avi spells them; a non-negative integer is taken as its digits.
  std::optional<std::string> id(const json& v, const std::string& path) {
    if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
    auto s = text(v, path, "\"1\"");
    if (s && s->empty()) return fail(path, "must not be empty; give an id such as \"1\"");
    if (s) {
      if (auto bad = checkControlCharacters(*s)) return fail(path, *bad);
    }
    return s;
  }

  std::optional<bool> boolean(const json& v, const std::string& path) {
    if (v.is_boolean()) return v.get<bool>();
    error(path, "must be true or false, got " + describe(v));
    return std::nullopt;
  }

  std::optional<uint64_t> number(const json& v, const std::string& path, const Range& range) {
    if (v.is_number_unsigned()) {
      const auto n = v.get<uint64_t>();
      if (auto bad = checkRange(n, range)) return fail(path, *bad);
      return n;
    }
    if (v.is_number_integer()) {  // negative (non-negative integers parse as unsigned)
      const auto n = v.get<int64_t>();
      if (n >= 0) return number(json(static_cast<uint64_t>(n)), path, range);
      return fail(path, outOfRange(std::to_string(n), range));
    }
    if (v.is_number_float()) {
      const double x = v.get<double>();
      if (std::isfinite(x) && std::floor(x) == x && (x < 0 || x > 1e18)) {
        return fail(path, outOfRange(v.dump(), range));
      }
      return fail(path,
                  "must be a whole number, got " + v.dump() + "; " + std::string(range.accepted));
    }
    return fail(path, "must be a number, got " + describe(v) + "; " + std::string(range.accepted));
  }

  // An address as a string ("10.10.1.100", "2001:db8::1") or Avi's {"addr", "type"} object.
  std::optional<IpAddress> address(const json& v, const std::string& path);
  // A unicast address (everything the model holds as an address, except inside prefixes).
  std::optional<IpAddress> hostAddress(const json& v, const std::string& path) {
    auto a = address(v, path);
    if (!a) return std::nullopt;
    if (auto bad = checkUnicast(*a)) return fail(path, *bad);
    return a;
  }
  // A prefix as "a/len" or Avi's {"ip_addr": address, "mask": len}; host bits kept as given.
  std::optional<Prefix> prefix(const json& v, const std::string& path);
  std::optional<Prefix> networkPrefix(const json& v, const std::string& path) {
    auto p = prefix(v, path);
    if (!p) return std::nullopt;
    if (auto bad = checkNetworkPrefix(*p)) return fail(path, *bad);
    return p;
  }
  std::optional<Prefix> interfacePrefix(const json& v, const std::string& path) {
    auto p = prefix(v, path);
    if (!p) return std::nullopt;
    if (auto bad = checkInterfaceAddress(*p)) return fail(path, *bad);
    return p;
  }

  // A ref to an object of `type`: its name, or Avi's "/api/TYPE?name=NAME" (also with a
  // scheme and host, or "/api/TYPE/UUID#NAME"). Returns the bare name.
  std::optional<std::string> ref(const json& v, const std::string& path, std::string_view type);

  template <class E>
  std::optional<E> enumeration(const json& v, const std::string& path, std::string_view field,
                               std::initializer_list<E> all) {
    std::vector<std::string> names;
    for (E e : all) names.emplace_back(toString(e));
    const std::string accepted = "; accepted (any case): " + join(names);
    if (!v.is_string()) return fail(path, "must be a string" + accepted + ", got " + describe(v));
    const auto& s = v.get_ref<const std::string&>();
    for (E e : all) {
      if (iequals(s, toString(e))) return e;
    }
    return fail(
        path, quote(s) + " is not a valid " + std::string(field) + didYouMean(s, names) + accepted);
  }

  // Arrays: `read(element, elementPath, index)` for each element.
  template <class F>
  void array(const json& v, const std::string& path, std::string_view example, F&& read) {
    if (!v.is_array()) {
      error(path, "must be an array such as " + std::string(example) + ", got " + describe(v));
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) read(v[i], indexPath(path, i), i);
  }

  std::nullopt_t fail(const std::string& path, std::string reason) {
    error(path, std::move(reason));
    return std::nullopt;
  }

 private:
  std::vector<Diagnostic>& errors_;
  size_t dropped_ = 0;
};

// The fields of one JSON object. Each read names a known field; whatever the object holds
// beyond them is reported as unknown by finish(), with the accepted names.
class Fields {
 public:
  Fields(Decoder& d, const json& object, std::string path, std::string kind)
      : d_(d), object_(object), path_(std::move(path)), kind_(std::move(kind)) {}
  Fields(const Fields&) = delete;
  Fields& operator=(const Fields&) = delete;

  Decoder& decoder() { return d_; }
  const std::string& path() const { return path_; }

  // Calls read(value, path) when the field is present; `null` counts as a wrong type.
  template <class F>
  bool optional(std::string_view key, F&& read) {
    known_.emplace_back(key);
    auto it = object_.find(key);
    if (it == object_.end()) return false;
    read(*it, fieldPath(path_, key));
    return true;
  }

  template <class F>
  void required(std::string_view key, std::string_view hint, F&& read) {
    if (!optional(key, std::forward<F>(read))) {
      d_.error(fieldPath(path_, key), "is required; " + std::string(hint));
    }
  }

  // Typed shorthands, each storing into `out` only when the value is acceptable.
  void name(std::string& out) {
    required("name", "give the object a name", [&](const json& v, const std::string& p) {
      store(out, d_.checkedText(v, p, "\"web\"", checkName));
    });
  }
  bool boolean(std::string_view key, bool& out) {
    return optional(key,
                    [&](const json& v, const std::string& p) { store(out, d_.boolean(v, p)); });
  }
  void number(std::string_view key, uint32_t& out, const Range& range) {
    optional(key, [&](const json& v, const std::string& p) {
      if (auto n = d_.number(v, p, range)) out = static_cast<uint32_t>(*n);
    });
  }
  void number(std::string_view key, std::optional<uint32_t>& out, const Range& range) {
    optional(key, [&](const json& v, const std::string& p) {
      if (auto n = d_.number(v, p, range)) out = static_cast<uint32_t>(*n);
    });
  }
  void port(std::string_view key, uint16_t& out) {
    optional(key, [&](const json& v, const std::string& p) {
      if (auto n = d_.number(v, p, kPort)) out = static_cast<uint16_t>(*n);
    });
  }
  void port(std::string_view key, std::optional<uint16_t>& out) {
    optional(key, [&](const json& v, const std::string& p) {
      if (auto n = d_.number(v, p, kPort)) out = static_cast<uint16_t>(*n);
    });
  }
  void ref(std::string_view key, std::string& out, std::string_view type) {
    optional(key, [&](const json& v, const std::string& p) { store(out, d_.ref(v, p, type)); });
  }
  void addresses(std::string_view key, std::vector<IpAddress>& out) {
    optional(key, [&](const json& v, const std::string& p) {
      d_.array(v, p, "[\"10.10.1.100\"]", [&](const json& e, const std::string& ep, size_t) {
        if (auto a = d_.hostAddress(e, ep)) out.push_back(*a);
      });
    });
  }
  void secret(std::string_view key, std::optional<std::string>& out, size_t maxLength) {
    optional(key, [&](const json& v, const std::string& p) {
      auto check = [&](const std::string& s) { return checkSecret(s, maxLength); };
      if (auto s = d_.checkedText(v, p, "\"s3cret\"", check)) out = *s;
    });
  }
  // A nested object: read(Fields&) for its fields.
  template <class F>
  void object(std::string_view key, std::string_view kind, F&& read) {
    optional(key, [&](const json& v, const std::string& p) {
      if (!v.is_object()) {
        d_.error(p, "must be an object, got " + describe(v));
        return;
      }
      Fields nested(d_, v, p, std::string(kind));
      read(nested);
      nested.finish();
    });
  }
  // An array of objects: read(Fields&, index) for each element's fields.
  template <class F>
  void objects(std::string_view key, std::string_view kind, std::string_view example, F&& read) {
    optional(key, [&](const json& v, const std::string& p) {
      d_.array(v, p, example, [&](const json& e, const std::string& ep, size_t i) {
        if (!e.is_object()) {
          d_.error(ep, "must be an object such as " +
                           std::string(example.substr(1, example.size() - 2)) + ", got " +
                           describe(e));
          return;
        }
        Fields nested(d_, e, ep, std::string(kind));
        read(nested, i);
        nested.finish();
      });
    });
  }

  void finish() {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (std::find(known_.begin(), known_.end(), it.key()) != known_.end()) continue;
      d_.error(fieldPath(path_, printable(it.key())), "unknown field" +
                                                          didYouMean(it.key(), known_) + "; " +
                                                          kind_ + " fields are " + join(known_));
    }
  }

  template <class T, class U>
  static void store(T& out, const std::optional<U>& value) {
    if (value) out = *value;
  }

 private:
  Decoder& d_;
  const json& object_;
  std::string path_;
  std::string kind_;
  std::vector<std::string> known_;
};

}  // namespace floe::config::detail
