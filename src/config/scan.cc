#include "config/scan.h"

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "config/json_fields.h"

namespace floe::config::detail {
namespace {

// A key as it appears in a path: printable, and short (a path is repeated in every diagnostic
// below it, so a megabyte-long key must not be).
std::string pathKey(std::string_view key) {
  constexpr size_t kMaxShown = 60;
  if (key.size() <= kMaxShown) return printable(key);
  size_t cut = kMaxShown;
  while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xC0) == 0x80) --cut;
  return printable(key.substr(0, cut)) + "…";
}

// nlohmann's SAX events (its names: overrides). Returning false stops the parse at once.
class Scanner : public nlohmann::json::json_sax_t {
 public:
  using json = nlohmann::json;

  explicit Scanner(std::vector<Diagnostic>& errors) : errors_(errors) {}

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(json::number_integer_t) override { return value(); }
  bool number_unsigned(json::number_unsigned_t) override { return value(); }
  bool number_float(json::number_float_t, const std::string&) override { return value(); }
  bool string(std::string&) override { return value(); }
  bool binary(json::binary_t&) override { return value(); }

  bool start_object(size_t) override { return open(false); }
  bool start_array(size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(std::string& key) override {
    Frame& f = frames_.back();  // the parser only reports keys inside an object
    f.key = key;
    if (!f.keys.insert(key).second) {
      ++duplicates_;
      if (duplicates_ <= kMaxDuplicateKeyErrors) {
        errors_.push_back(Diagnostic{position(frames_.size()),
                                     "is given twice in one object; give each field once"});
      } else if (duplicates_ == kMaxDuplicateKeyErrors + 1) {
        errors_.push_back(Diagnostic{"document", "more keys are given twice; only the first " +
                                                     std::to_string(kMaxDuplicateKeyErrors) +
                                                     " are listed"});
      }
    }
    return true;
  }

  bool parse_error(size_t byte, const std::string&, const nlohmann::detail::exception& e) override {
    std::string what = e.what();
    if (auto close = what.find("] ");
        what.rfind("[json.exception", 0) == 0 && close != std::string::npos) {
      what = what.substr(close + 2);
    }
    errors_.push_back(Diagnostic{
        "document", "not valid JSON at byte " + std::to_string(byte) + ": " + printable(what)});
    return false;
  }

  bool overLimit() const { return overLimit_; }

 private:
  struct Frame {
    bool isArray = false;
    size_t count = 0;            // elements so far (arrays)
    std::string key;             // the current key (objects)
    std::set<std::string> keys;  // ordered: no hash an input could make collide
  };

  // A value (scalar, object or array) begins inside the innermost frame.
  bool value() {
    if (frames_.empty() || !frames_.back().isArray) return true;
    Frame& f = frames_.back();
    if (++f.count <= kMaxArrayLength) return true;
    return limit(position(frames_.size() - 1),
                 "has more than " + std::to_string(kMaxArrayLength) + " elements; at most " +
                     std::to_string(kMaxArrayLength) +
                     " are accepted in one array (split the document)");
  }

  bool open(bool isArray) {
    if (!value()) return false;
    if (frames_.size() >= kMaxNestingDepth) {
      return limit(position(frames_.size()), "nesting deeper than " +
                                                 std::to_string(kMaxNestingDepth) +
                                                 " levels; a config document needs at most 8");
    }
    frames_.emplace_back().isArray = isArray;
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  bool limit(std::string path, std::string reason) {
    errors_.push_back(Diagnostic{std::move(path), std::move(reason)});
    overLimit_ = true;
    return false;
  }

  // The path of the value being read in frames_[0 .. levels): keys and indices.
  std::string position(size_t levels) const {
    std::string out;
    for (size_t i = 0; i < levels && i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      if (f.isArray) {
        out += "[" + std::to_string(f.count == 0 ? 0 : f.count - 1) + "]";
      } else {
        out += (out.empty() ? "" : ".") + pathKey(f.key);
      }
    }
    return out.empty() ? "document" : out;
  }

  std::vector<Diagnostic>& errors_;
  std::vector<Frame> frames_;
  size_t duplicates_ = 0;
  bool overLimit_ = false;
};

}  // namespace

ScanResult scanDocument(std::string_view text, std::vector<Diagnostic>& errors) {
  if (text.size() > kMaxDocumentBytes) {
    errors.push_back(
        Diagnostic{"document", "is " + std::to_string(text.size()) + " bytes; at most " +
                                   std::to_string(kMaxDocumentBytes) + " (4 MiB) are accepted"});
    return ScanResult::kDontParse;
  }
  Scanner scanner(errors);
  const bool parsed = nlohmann::json::sax_parse(text.begin(), text.end(), &scanner);
  return parsed && !scanner.overLimit() ? ScanResult::kParse : ScanResult::kDontParse;
}

}  // namespace floe::config::detail
