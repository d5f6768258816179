// The object schema the shell's grammar is generated from: one table describing every field of
// every type of the configuration contract (DESIGN.md): its kind, enum values, help text,
// nested objects and lists, and the key field that names a list element. The shell, its help
// and its tab completion read only this table; validation stays in src/config (the controller
// runs it on save).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace floe::cli {

enum class Kind {
  kBool,      // JSON boolean; typed alone it turns on
  kInteger,   // JSON number
  kString,    // JSON string
  kEnum,      // JSON string, one of enum_values (typed in any case)
  kIpAddress, // "10.10.1.100"
  kPrefix,    // network "10.10.40.0/24"
  kIfPrefix,  // interface address with length "10.10.1.11/24"
  kRef,       // name of an object of ref_type
  kObject,    // nested object: typing the field enters its sub-mode
};

struct ObjectSchema;

struct FieldSchema {
  std::string name;
  Kind kind;
  bool list = false;      // a JSON array of this kind; typing the field appends
  bool required = false;  // the object is invalid without it
  std::string help;       // one line, what the field means
  std::vector<std::string> enum_values;  // kEnum: Avi's spellings
  std::string ref_type;                  // kRef: the referenced object type
  const ObjectSchema* object = nullptr;  // kObject
  std::string key;  // kObject lists: the field that names an element ("peers peer_ip X")
};

struct ObjectSchema {
  std::string name;  // type name, or the field name for nested objects
  std::vector<FieldSchema> fields;
  // nullptr when the object has no such field.
  const FieldSchema* field(std::string_view name) const;
};

// The top-level object types in document order ("serviceenginegroup", …).
const std::vector<const ObjectSchema*>& objectTypes();
// The schema of a top-level type; nullptr for an unknown type.
const ObjectSchema* typeSchema(std::string_view type);

// What typing a field without a value prints: its format (e.g. "IP4 Prefix format" and
// "<x.x.x.x/n>"), whether it is required, and its description.
std::string fieldHelp(const FieldSchema& field);

}  // namespace floe::cli
