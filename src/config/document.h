// Decoding, encoding and validating config documents. No I/O: the caller reads the file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/model.h"

namespace floe::config {

// One problem with a document: "path: reason", e.g.
// "serviceenginegroup[Default-Group].enable_routing: requires ha_mode HA_MODE_LEGACY_ACTIVE_STANDBY".
struct Diagnostic {
  std::string path;
  std::string reason;
  std::string toString() const { return path + ": " + reason; }
};

// Everything decode + validate found. `errors` non-empty means the document is rejected whole.
// `notices` are things the operator must do outside floe (e.g. the static route the next-hop
// router needs, rule 7) or should know (unauthenticated heartbeats).
struct Report {
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> notices;
  bool ok() const { return errors.empty(); }
};

struct Decoded {
  Document document;  // meaningful only when report.ok()
  Report report;
};

// The largest config document accepted, in bytes of JSON text (docs/configuration.md,
// "Limits"); a reader need not read more than one byte past it.
inline constexpr size_t kMaxDocumentBytes = size_t{4} << 20;

// Parses JSON text, decodes every object (unknown fields, wrong types and out-of-range values
// are errors), adds the built-in objects, resolves refs and runs every validation rule. All
// errors are collected, not only the first.
Decoded decodeDocument(std::string_view jsonText);
Decoded decodeDocument(const nlohmann::json& json);
// Text as std::string or a literal. Without these, such a call is ambiguous between the two
// overloads above wherever nlohmann/json.hpp is included (json converts from strings).
Decoded decodeDocument(const std::string& jsonText);
Decoded decodeDocument(const char* jsonText);

// Validation alone, on an already decoded document (used after an edit in the controller/CLI).
Report validate(const Document& doc);

// The built-in objects DESIGN.md names, with Avi's defaults.
Document builtinObjects();

// Encodes to a config document; addresses as strings. decode(encode(d)) == d.
nlohmann::json encodeDocument(const Document& doc);

}  // namespace floe::config
