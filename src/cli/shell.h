// The floe shell: Avi's CLI grammar (configure, field assignment, sub-modes, save, cancel, …)
// generated from the object schema (schema.h), talking to the controller through a Client.
// One line in, output out; the terminal (readline) and script mode are in repl.h.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/client.h"
#include "cli/schema.h"

namespace floe::cli {

class Shell {
 public:
  Shell(Client& client, std::ostream& out) : client_(client), out_(out) {}

  // Runs one line. Returns false when the command failed (unknown command or field, bad value,
  // a save the controller refused, …); script mode exits non-zero after any such line.
  bool execute(const std::string& line);
  // `exit` (or `quit`) at the top level was typed.
  bool finished() const { return finished_; }
  // ": > " at the top level; ": vrfcontext:bgp_profile:peers> " in a sub-mode.
  std::string prompt() const;
  // An object is being edited (configure … without save or cancel yet).
  bool editing() const { return edit_.has_value(); }
  // Candidates for the last word of `line` (all words when it ends in a space).
  std::vector<std::string> complete(const std::string& line);

  // Tokens of a line: words separated by blanks; "double quotes" keep blanks in a word.
  static std::vector<std::string> tokenize(const std::string& line);

 private:
  struct Frame {
    std::string label;                       // field name shown in the prompt
    nlohmann::json::json_pointer pointer;    // into Edit::object
    const ObjectSchema* schema;
    nlohmann::json backup;                   // the sub-object when the mode was entered
    bool created = false;                    // the mode created it (cancel removes it)
  };
  struct Edit {
    std::string type;
    std::string uuid;  // "" for a new object
    std::string name;
    nlohmann::json original;
    nlohmann::json object;
    std::vector<Frame> frames;
  };

  bool topLevel(const std::vector<std::string>& tokens, const std::string& line);
  bool inMode(const std::vector<std::string>& tokens);
  bool configure(const std::string& type, const std::string& name);
  bool show(const std::vector<std::string>& tokens);
  bool switchover(const std::vector<std::string>& tokens);
  bool save();
  void leaveSubMode(bool keep);
  bool applyFields(const std::vector<std::string>& tokens, size_t i);
  std::optional<nlohmann::json> parseValue(const FieldSchema& field, const std::string& text);
  void enterMode(const std::string& label, nlohmann::json::json_pointer pointer,
                 const ObjectSchema* schema, bool created);
  nlohmann::json& current();
  void printTable(const nlohmann::json& object);
  void printHelp();
  bool fail(const std::string& message);
  std::vector<std::string> namesOf(const std::string& type);

  Client& client_;
  std::ostream& out_;
  std::optional<Edit> edit_;
  bool finished_ = false;
};

}  // namespace floe::cli
