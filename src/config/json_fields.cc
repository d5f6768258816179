#include "config/json_fields.h"

#include <cctype>
#include <cmath>

namespace floe::config::detail {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string quote(std::string_view s) {
  constexpr size_t kMaxShown = 60;
  if (s.size() <= kMaxShown) return "\"" + std::string(s) + "\"";
  size_t cut = kMaxShown;  // not inside a UTF-8 sequence: diagnostics must stay valid text
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return "\"" + std::string(s.substr(0, cut)) + "…\"";
}

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case json::value_t::string:
      return "the string " + quote(v.get_ref<const std::string&>());
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    case json::value_t::binary:
      return "binary data";
    case json::value_t::discarded:
      return "nothing";
    default:
      return v.dump();  // a number
  }
}

// nlohmann's parse-error text quotes the input it last read, bytes as they were: escape what is
// not valid UTF-8 or is a control character, so that the diagnostic stays valid text.
std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    if (c >= 0x20 && c != 0x7F &&
        (c < 0x80 || (i + length <= text.size() && !checkUtf8(text.substr(i, length))))) {
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
    ++i;
  }
  return out;
}

namespace {

// Percent-decodes a URL query value (RFC 3986 §2.1); nullopt on a malformed escape.
std::optional<std::string> percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      return std::nullopt;
    }
    out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

std::optional<IpAddress> parseAddressText(Decoder& d, const std::string& s,
                                          const std::string& path) {
  if (auto a = IpAddress::parse(s)) return a;
  if (s.find('/') != std::string::npos) {
    return d.fail(path, quote(s) + " is a prefix; give an address without /length, e.g. " +
                            quote(s.substr(0, s.find('/'))));
  }
  return d.fail(path, quote(s) +
                          " is not an IPv4 or IPv6 address; e.g. \"10.10.1.100\" or "
                          "\"2001:db8::100\"");
}

}  // namespace

std::optional<IpAddress> Decoder::address(const json& v, const std::string& path) {
  if (v.is_string()) return parseAddressText(*this, v.get_ref<const std::string&>(), path);
  if (!v.is_object()) {
    return fail(path,
                "must be an address such as \"10.10.1.100\" or {\"addr\": \"10.10.1.100\", "
                "\"type\": \"V4\"}, got " +
                    describe(v));
  }
  Fields f(*this, v, path, "address");
  std::optional<IpAddress> a;
  std::optional<std::string> type;
  f.required("addr", "e.g. {\"addr\": \"10.10.1.100\", \"type\": \"V4\"}",
             [&](const json& x, const std::string& p) {
               if (auto s = text(x, p, "\"10.10.1.100\"")) a = parseAddressText(*this, *s, p);
             });
  f.optional("type", [&](const json& x, const std::string& p) {
    auto s = text(x, p, "\"V4\"");
    if (!s) return;
    if (!iequals(*s, "V4") && !iequals(*s, "V6")) {
      error(p, quote(*s) + " is not an address type floe accepts; accepted: V4, V6");
      return;
    }
    type = upper(*s);
  });
  f.finish();
  if (!a) return std::nullopt;
  if (type && *type != (a->isV4() ? "V4" : "V6")) {
    return fail(fieldPath(path, "type"),
                *type + " does not match the " + (a->isV4() ? "IPv4" : "IPv6") + " address " +
                    a->toString() + "; use type " + (a->isV4() ? "V4" : "V6"));
  }
  return a;
}

std::optional<Prefix> Decoder::prefix(const json& v, const std::string& path) {
  auto lengthRange = [](const IpAddress& a) {
    return a.isV4() ? Range{0, 32, false, "IPv4 prefix lengths are 0-32"}
                    : Range{0, 128, false, "IPv6 prefix lengths are 0-128"};
  };
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    const auto slash = s.find('/');
    if (slash == std::string::npos) {
      return fail(path, quote(s) +
                            " has no prefix length; give address/length, e.g. "
                            "\"10.10.1.0/24\"");
    }
    auto a = parseAddressText(*this, s.substr(0, slash), path);
    if (!a) return std::nullopt;
    const std::string lengthText = s.substr(slash + 1);
    const bool digits = !lengthText.empty() && lengthText.size() <= 3 &&
                        std::all_of(lengthText.begin(), lengthText.end(),
                                    [](char c) { return c >= '0' && c <= '9'; });
    const Range range = lengthRange(*a);
    if (!digits)
      return fail(
          path, "length " + quote(lengthText) + " is not a number; " + std::string(range.accepted));
    const auto length = static_cast<uint64_t>(std::stoul(lengthText));
    if (auto bad = checkRange(length, range)) return fail(path, "length " + *bad);
    return Prefix(*a, static_cast<uint8_t>(length));
  }
  if (!v.is_object()) {
    return fail(path,
                "must be a prefix such as \"10.10.1.0/24\" or {\"ip_addr\": {\"addr\": "
                "\"10.10.1.0\", \"type\": \"V4\"}, \"mask\": 24}, got " +
                    describe(v));
  }
  Fields f(*this, v, path, "prefix");
  std::optional<IpAddress> a;
  std::optional<uint64_t> mask;
  const json* maskValue = nullptr;
  f.required("ip_addr",
             "e.g. {\"ip_addr\": {\"addr\": \"10.10.1.0\", \"type\": \"V4\"}, "
             "\"mask\": 24}",
             [&](const json& x, const std::string& p) { a = address(x, p); });
  f.required("mask", "the prefix length, e.g. 24",
             [&](const json& x, const std::string&) { maskValue = &x; });
  f.finish();
  if (!a || maskValue == nullptr) return std::nullopt;
  mask = number(*maskValue, fieldPath(path, "mask"), lengthRange(*a));
  if (!mask) return std::nullopt;
  return Prefix(*a, static_cast<uint8_t>(*mask));
}

std::optional<std::string> Decoder::ref(const json& v, const std::string& path,
                                        std::string_view type) {
  const std::string t(type);
  const std::string example = "\"NAME\" or \"/api/" + t + "?name=NAME\"";
  if (!v.is_string()) {
    return fail(path, "must name a " + t + ": " + example + ", got " + describe(v));
  }
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty()) return fail(path, "must not be empty; name a " + t + ": " + example);
  if (auto bad = checkUtf8(s)) return fail(path, *bad);
  if (s[0] != '/' && s.find("://") == std::string::npos) {  // a bare name
    if (auto bad = checkName(s)) return fail(path, "the name " + *bad);
    return s;
  }

  const auto api = s.find("/api/");
  if (api == std::string::npos) {
    return fail(path, quote(s) + " is not a ref; name a " + t + ": " + example);
  }
  std::string_view rest(s);
  rest.remove_prefix(api + 5);
  const auto typeEnd = rest.find_first_of("/?#");
  const std::string refType(rest.substr(0, typeEnd));
  if (refType != t) {
    return fail(path, quote(s) + " refers to a " + (refType.empty() ? "?" : refType) +
                          "; this field refers to a " + t + ": " + example);
  }
  std::string_view fragment;
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  std::optional<std::string_view> encodedName;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto param = query.substr(0, amp);
      if (param.substr(0, 5) == "name=") encodedName = param.substr(5);
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  if (!encodedName && !fragment.empty()) encodedName = fragment;  // "/api/pool/UUID#web"
  if (!encodedName) {
    return fail(path, quote(s) + " names no " + t +
                          "; refs by uuid cannot be resolved in a config document: use " + example);
  }
  auto name = percentDecode(*encodedName);
  if (!name) return fail(path, quote(s) + " has a malformed %-escape in its name");
  if (name->empty()) return fail(path, quote(s) + " has an empty name; " + example);
  if (auto bad = checkName(*name)) return fail(path, "the name in the ref " + *bad);
  return name;
}

}  // namespace floe::config::detail
