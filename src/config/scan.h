// Internal to src/config: the first pass over a config document's text. It enforces the
// documented limits (size, nesting depth, array length) and finds duplicate keys with
// nlohmann's SAX interface, before any DOM is built, so that decoding is bounded in time and
// memory on any input (docs/configuration.md, "Limits").
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "config/document.h"

namespace floe::config::detail {

using config::kMaxDocumentBytes;  // document.h: 4 MiB of JSON text
// The deepest a valid document goes is 8 (a peer's subnet as an Avi prefix object); the rest
// is room for mistakes that still deserve a field-level error rather than a limit error.
inline constexpr size_t kMaxNestingDepth = 32;
inline constexpr size_t kMaxArrayLength = 10000;  // elements of any one array
// Duplicate keys beyond this many are summed up in one line, not listed.
inline constexpr size_t kMaxDuplicateKeyErrors = 20;

enum class ScanResult {
  kParse,      // JSON within the limits (duplicate keys, if any, are reported): build the DOM
  kDontParse,  // not JSON, or past a limit: reported; building a DOM is not safe or useful
};

// Scans `text` once, in time linear in its size and memory bounded by it. Appends to `errors`:
//   document: is N bytes; at most 4194304 (4 MiB) are accepted
//   document: not valid JSON at byte N: <nlohmann's reason, non-UTF-8 bytes escaped>
//   <path>: nesting deeper than 32 levels; ...
//   <path>: more than 10000 elements; ...
//   <path>.<key>: is given twice in one object; give each field once
// where <path> is the position by keys and indices (`pool[0].servers[3]`).
ScanResult scanDocument(std::string_view text, std::vector<Diagnostic>& errors);

}  // namespace floe::config::detail
