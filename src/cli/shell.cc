#include "cli/shell.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/ip.h"

namespace floe::cli {
namespace {

using json = nlohmann::json;

const std::vector<std::string> kTopCommands = {"configure", "show", "switchover", "where",
                                               "help", "exit", "quit"};
const std::vector<std::string> kModeCommands = {"save", "cancel", "exit", "where", "show",
                                                "help", "no"};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// A ref as the API returns it ("/api/pool/pool-…#web") shown as its name.
std::string display(const json& v) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    const auto hash = s.rfind('#');
    if (s.rfind("/api/", 0) == 0 && hash != std::string::npos) return s.substr(hash + 1);
    return s;
  }
  return v.dump();
}

void flatten(const json& v, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& rows) {
  if (v.is_object()) {
    for (const auto& [k, item] : v.items()) {
      if (k == "url") continue;
      flatten(item, prefix.empty() ? k : prefix + "." + k, rows);
    }
  } else if (v.is_array()) {
    if (v.empty()) return;
    for (size_t i = 0; i < v.size(); ++i) {
      flatten(v[i], prefix + "[" + std::to_string(i + 1) + "]", rows);
    }
  } else {
    rows.emplace_back(prefix, display(v));
  }
}

std::vector<std::string> withPrefix(const std::vector<std::string>& all, const std::string& word) {
  std::vector<std::string> out;
  for (const auto& s : all) {
    if (s.rfind(word, 0) == 0) out.push_back(s);
  }
  return out;
}

std::vector<std::string> fieldNames(const ObjectSchema& schema) {
  std::vector<std::string> out;
  for (const auto& f : schema.fields) out.push_back(f.name);
  return out;
}

std::vector<std::string> typeNames() {
  std::vector<std::string> out;
  for (const auto* s : objectTypes()) out.push_back(s->name);
  return out;
}

std::string joined(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

}  // namespace

std::vector<std::string> Shell::tokenize(const std::string& line) {
  std::vector<std::string> tokens;
  std::string word;
  bool inWord = false;
  bool quoted = false;
  for (char c : line) {
    if (quoted) {
      if (c == '"') {
        quoted = false;
      } else {
        word += c;
      }
    } else if (c == '"') {
      quoted = true;
      inWord = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (inWord) tokens.push_back(word);
      word.clear();
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) tokens.push_back(word);
  return tokens;
}

bool Shell::fail(const std::string& message) {
  out_ << message << "\n";
  return false;
}

std::string Shell::prompt() const {
  if (!edit_) return ": > ";
  std::string p = ": " + edit_->type;
  for (size_t i = 1; i < edit_->frames.size(); ++i) p += ":" + edit_->frames[i].label;
  return p + "> ";
}

json& Shell::current() { return edit_->object[edit_->frames.back().pointer]; }

bool Shell::execute(const std::string& rawLine) {
  const std::string line = trim(rawLine);
  if (line.empty()) return true;
  const auto tokens = tokenize(line);
  if (tokens.empty()) return true;
  return edit_ ? inMode(tokens) : topLevel(tokens, line);
}

bool Shell::topLevel(const std::vector<std::string>& tokens, const std::string& line) {
  const std::string& command = tokens[0];
  if (command == "configure") {
    if (tokens.size() < 3) return fail("configure: usage: configure <type> <name>");
    if (!typeSchema(tokens[1])) {
      return fail("configure: unknown object type " + tokens[1] + "; types: " +
                  joined(typeNames()));
    }
    // The name is the rest of the line, blanks included ("SE group 1").
    std::string rest = trim(line.substr(line.find(tokens[1], command.size()) + tokens[1].size()));
    if (rest.size() >= 2 && rest.front() == '"' && rest.back() == '"') {
      rest = rest.substr(1, rest.size() - 2);
    }
    return configure(tokens[1], rest);
  }
  if (command == "show") return show(tokens);
  if (command == "switchover") return switchover(tokens);
  if (command == "where") {
    out_ << "top level\n";
    return true;
  }
  if (command == "exit" || command == "quit") {
    finished_ = true;
    return true;
  }
  if (command == "help" || command == "?") {
    printHelp();
    return true;
  }
  return fail("Unknown command: " + command + " (commands: " + joined(kTopCommands) + ")");
}

bool Shell::configure(const std::string& type, const std::string& name) {
  const Reply reply = client_.request("GET", "/api/" + type + "?name=" + urlEncode(name));
  if (reply.status != 200) return fail(describeFailure(reply));
  Edit edit;
  edit.type = type;
  edit.name = name;
  const json& results = reply.body["results"];
  if (!results.empty()) {
    edit.object = results[0];
    edit.uuid = edit.object["uuid"];
    out_ << "Updating an existing object. Currently, the object is:\n";
    printTable(edit.object);
  } else {
    edit.object = {{"name", name}};
  }
  edit.original = edit.object;
  edit.frames.push_back({type, json::json_pointer(), typeSchema(type), edit.object, false});
  edit_ = std::move(edit);
  return true;
}

bool Shell::show(const std::vector<std::string>& tokens) {
  if (edit_) {
    printTable(current());
    return true;
  }
  if (tokens.size() < 2) return fail("show: usage: show <type> [name]");
  if (!typeSchema(tokens[1])) {
    return fail("show: unknown object type " + tokens[1] + "; types: " + joined(typeNames()));
  }
  std::string name;
  for (size_t i = 2; i < tokens.size(); ++i) name += (i > 2 ? " " : "") + tokens[i];
  std::string path = "/api/" + tokens[1] + "?page_size=1000";
  if (!name.empty()) path += "&name=" + urlEncode(name);
  const Reply reply = client_.request("GET", path);
  if (reply.status != 200) return fail(describeFailure(reply));
  if (name.empty()) {
    out_ << reply.body["results"].dump(2) << "\n";
    return true;
  }
  if (reply.body["results"].empty()) return fail("show: no " + tokens[1] + " named " + name);
  out_ << reply.body["results"][0].dump(2) << "\n";
  return true;
}

bool Shell::switchover(const std::vector<std::string>& tokens) {
  if (tokens.size() < 3 || tokens[1] != "serviceengine") {
    return fail("switchover: usage: switchover serviceengine <name>");
  }
  std::string name;
  for (size_t i = 2; i < tokens.size(); ++i) name += (i > 2 ? " " : "") + tokens[i];
  const Reply found = client_.request("GET", "/api/serviceengine?name=" + urlEncode(name));
  if (found.status != 200) return fail(describeFailure(found));
  if (found.body["results"].empty()) return fail("switchover: no serviceengine named " + name);
  const std::string uuid = found.body["results"][0]["uuid"];
  const Reply reply = client_.request("POST", "/api/serviceengine/" + uuid + "/switchover",
                                      json::object());
  if (reply.status / 100 != 2) return fail(describeFailure(reply));
  out_ << "Switchover of serviceengine " << name << " requested\n";
  return true;
}

bool Shell::inMode(const std::vector<std::string>& tokens) {
  const std::string& command = tokens[0];
  if (tokens.size() == 1) {
    if (command == "save") return save();
    if (command == "cancel") {
      if (edit_->frames.size() > 1) {
        leaveSubMode(false);
      } else {
        edit_.reset();
      }
      return true;
    }
    if (command == "exit") {
      if (edit_->frames.size() > 1) {
        leaveSubMode(true);
      } else {
        if (edit_->object != edit_->original) {
          out_ << "Unsaved changes to " << edit_->type << " " << edit_->name << " discarded\n";
        }
        edit_.reset();
      }
      return true;
    }
    if (command == "where") {
      std::string path = edit_->type + " " + edit_->name;
      for (size_t i = 1; i < edit_->frames.size(); ++i) {
        const Frame& f = edit_->frames[i];
        path += " > " + f.label;
        const std::string last = f.pointer.back();
        if (!last.empty() && std::isdigit(static_cast<unsigned char>(last[0]))) {
          path += "[" + std::to_string(std::stoul(last) + 1) + "]";
        }
      }
      out_ << path << "\n";
      return true;
    }
    if (command == "show") return show(tokens);
    if (command == "help" || command == "?") {
      printHelp();
      return true;
    }
  }
  return applyFields(tokens, 0);
}

void Shell::enterMode(const std::string& label, json::json_pointer pointer,
                      const ObjectSchema* schema, bool created) {
  edit_->frames.push_back({label, pointer, schema, edit_->object[pointer], created});
}

void Shell::leaveSubMode(bool keep) {
  Frame frame = edit_->frames.back();
  edit_->frames.pop_back();
  if (keep) return;
  if (frame.created) {
    json& parent = edit_->object[frame.pointer.parent_pointer()];
    const std::string last = frame.pointer.back();
    if (parent.is_array()) {
      parent.erase(static_cast<size_t>(std::stoul(last)));
    } else {
      parent.erase(last);
    }
  } else {
    edit_->object[frame.pointer] = frame.backup;
  }
}

bool Shell::save() {
  if (edit_->frames.size() > 1) {
    leaveSubMode(true);
    return true;
  }
  json body = edit_->object;
  const std::string& type = edit_->type;
  const Reply reply = edit_->uuid.empty()
                          ? client_.request("POST", "/api/" + type, body)
                          : client_.request("PUT", "/api/" + type + "/" + edit_->uuid, body);
  if (reply.status != 200 && reply.status != 201) {
    // Stay in the mode with the edit, so that the user can fix it.
    return fail(describeFailure(reply));
  }
  printTable(reply.body);
  edit_.reset();
  return true;
}

std::optional<json> Shell::parseValue(const FieldSchema& f, const std::string& text) {
  switch (f.kind) {
    case Kind::kInteger: {
      uint64_t v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size()) {
        fail(f.name + ": \"" + text + "\" is not an integer");
        return std::nullopt;
      }
      return json(v);
    }
    case Kind::kEnum: {
      const std::string value = upper(text);
      if (std::find(f.enum_values.begin(), f.enum_values.end(), value) == f.enum_values.end()) {
        std::vector<std::string> accepted;
        for (const auto& v : f.enum_values) accepted.push_back(lower(v));
        fail(f.name + ": \"" + text + "\" is not one of " + joined(accepted));
        return std::nullopt;
      }
      return json(value);
    }
    case Kind::kIpAddress:
      if (!IpAddress::parse(text)) {
        fail(f.name + ": \"" + text + "\" is not an IP address (x.x.x.x)");
        return std::nullopt;
      }
      return json(text);
    case Kind::kPrefix:
    case Kind::kIfPrefix:
      if (!Prefix::parse(text)) {
        fail(f.name + ": \"" + text + "\" is not a prefix (x.x.x.x/n)");
        return std::nullopt;
      }
      return json(text);
    case Kind::kBool:
      if (text == "true" || text == "false") return json(text == "true");
      fail(f.name + ": \"" + text + "\" is not true or false");
      return std::nullopt;
    case Kind::kString:
    case Kind::kRef:
    case Kind::kObject:
      break;
  }
  return json(text);
}

bool Shell::applyFields(const std::vector<std::string>& tokens, size_t i) {
  while (i < tokens.size()) {
    const ObjectSchema& schema = *edit_->frames.back().schema;
    const std::string& word = tokens[i];
    json& cur = current();
    if (word == "no") {
      if (i + 1 >= tokens.size()) return fail("no: usage: no <field> [value]");
      const FieldSchema* f = schema.field(tokens[i + 1]);
      if (!f) {
        return fail("no: " + schema.name + " has no field " + tokens[i + 1] + "; fields: " +
                    joined(fieldNames(schema)));
      }
      if (f->list && f->kind != Kind::kObject && i + 2 < tokens.size()) {
        auto value = parseValue(*f, tokens[i + 2]);
        if (!value) return false;
        json& list = cur[f->name];
        auto it = list.is_array() ? std::find_if(list.begin(), list.end(),
                                                 [&](const json& v) {
                                                   return display(v) == value->get<std::string>();
                                                 })
                                  : list.end();
        if (!list.is_array() || it == list.end()) {
          return fail("no " + f->name + ": " + tokens[i + 2] + " is not in " + f->name);
        }
        list.erase(it);
        i += 3;
      } else {
        if (f->kind == Kind::kBool) {
          cur[f->name] = false;
        } else {
          cur.erase(f->name);  // the controller applies the default
        }
        i += 2;
      }
      continue;
    }
    const FieldSchema* f = schema.field(word);
    if (!f) {
      return fail("Unknown field " + word + " for " + schema.name + "; fields: " +
                  joined(fieldNames(schema)));
    }
    const auto pointer = edit_->frames.back().pointer / f->name;
    if (f->kind == Kind::kBool) {
      if (cur.contains(f->name)) {
        out_ << "Overwriting the previously entered value for " << f->name << "\n";
      }
      cur[f->name] = true;
      // DESIGN.md rule 5: preserve_client_ip excludes connection multiplexing; turning it on
      // in the shell turns multiplexing off, and says so.
      if (f->name == "preserve_client_ip" && edit_->type == "applicationprofile" &&
          edit_->frames.size() == 1 && cur.contains("http_profile") &&
          cur["http_profile"].is_object() &&
          cur["http_profile"].value("connection_multiplexing_enabled", true)) {
        cur["http_profile"]["connection_multiplexing_enabled"] = false;
        out_ << "Turning off http_profile.connection_multiplexing_enabled: preserve_client_ip "
                "excludes connection multiplexing\n";
      }
      ++i;
      continue;
    }
    if (f->kind == Kind::kObject && !f->list) {
      const bool created = !cur.contains(f->name) || !cur[f->name].is_object();
      if (created) cur[f->name] = json::object();
      enterMode(f->name, pointer, f->object, created);
      ++i;
      continue;
    }
    if (i + 1 >= tokens.size()) {  // a field without a value: its help
      out_ << "\n" << fieldHelp(*f) << "\n";
      ++i;
      continue;
    }
    if (f->kind == Kind::kObject) {  // a list of objects
      if (!cur.contains(f->name) || !cur[f->name].is_array()) cur[f->name] = json::array();
      json& list = cur[f->name];
      if (tokens[i + 1] == "index") {
        size_t n = 0;
        const std::string text = i + 2 < tokens.size() ? tokens[i + 2] : "";
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > list.size()) {
          return fail(f->name + " index: give 1-" + std::to_string(list.size()) + ", got \"" +
                      text + "\"");
        }
        enterMode(f->name, pointer / (n - 1), f->object, false);
        i += 3;
        continue;
      }
      if (tokens[i + 1] != f->key || i + 2 >= tokens.size()) {
        return fail(f->name + ": name an element with '" + f->name + " " + f->key +
                    " VALUE' or pick one with '" + f->name + " index N'");
      }
      const FieldSchema* key = f->object->field(f->key);
      auto value = parseValue(*key, tokens[i + 2]);
      if (!value) return false;
      size_t index = list.size();
      for (size_t k = 0; k < list.size(); ++k) {
        if (list[k].is_object() && list[k].contains(f->key) && list[k][f->key] == *value) index = k;
      }
      const bool created = index == list.size();
      if (created) {
        list.push_back({{f->key, *value}});
        out_ << "New object being created\n";
      }
      enterMode(f->name, pointer / index, f->object, created);
      i += 3;
      continue;
    }
    auto value = parseValue(*f, tokens[i + 1]);
    if (!value) return false;
    if (f->list) {
      if (!cur.contains(f->name) || !cur[f->name].is_array()) cur[f->name] = json::array();
      cur[f->name].push_back(*value);
    } else {
      if (cur.contains(f->name) && !cur[f->name].is_null()) {
        out_ << "Overwriting the previously entered value for " << f->name << "\n";
      }
      cur[f->name] = *value;
    }
    i += 2;
  }
  return true;
}

void Shell::printTable(const json& object) {
  std::vector<std::pair<std::string, std::string>> rows;
  flatten(object, "", rows);
  size_t w1 = 5;
  size_t w2 = 5;
  for (const auto& [k, v] : rows) {
    w1 = std::max(w1, k.size());
    w2 = std::max(w2, v.size());
  }
  const std::string rule = "+-" + std::string(w1, '-') + "-+-" + std::string(w2, '-') + "-+\n";
  auto row = [&](const std::string& a, const std::string& b) {
    out_ << "| " << a << std::string(w1 - a.size(), ' ') << " | " << b
         << std::string(w2 - b.size(), ' ') << " |\n";
  };
  out_ << rule;
  row("Field", "Value");
  out_ << rule;
  for (const auto& [k, v] : rows) row(k, v);
  out_ << rule;
}

void Shell::printHelp() {
  if (!edit_) {
    out_ << "configure <type> <name>   create or edit an object (types: " << joined(typeNames())
         << ")\n"
            "show <type> [name]        print objects as JSON\n"
            "switchover serviceengine <name>\n"
            "where, exit\n";
    return;
  }
  out_ << "<field> [value] ...       set fields (several per line); a boolean alone turns on\n"
          "no <field> [value]        turn off, clear, or remove one value of a list\n"
          "save, cancel, exit, where, show\nfields:";
  for (const auto& f : edit_->frames.back().schema->fields) out_ << " " << f.name;
  out_ << "\n";
}

std::vector<std::string> Shell::namesOf(const std::string& type) {
  const Reply reply = client_.request("GET", "/api/" + type + "?fields=name&page_size=1000");
  std::vector<std::string> out;
  if (reply.status != 200) return out;
  for (const auto& o : reply.body["results"]) {
    if (o.contains("name") && o["name"].is_string()) out.push_back(o["name"]);
  }
  return out;
}

std::vector<std::string> Shell::complete(const std::string& line) {
  auto tokens = tokenize(line);
  std::string word;
  if (!line.empty() && !std::isspace(static_cast<unsigned char>(line.back())) && !tokens.empty()) {
    word = tokens.back();
    tokens.pop_back();
  }
  if (!edit_) {
    if (tokens.empty()) return withPrefix(kTopCommands, word);
    if (tokens[0] == "configure" || tokens[0] == "show") {
      if (tokens.size() == 1) return withPrefix(typeNames(), word);
      if (tokens.size() == 2 && typeSchema(tokens[1])) return withPrefix(namesOf(tokens[1]), word);
    }
    if (tokens[0] == "switchover") {
      if (tokens.size() == 1) return withPrefix({"serviceengine"}, word);
      if (tokens.size() == 2) return withPrefix(namesOf("serviceengine"), word);
    }
    return {};
  }
  const ObjectSchema& schema = *edit_->frames.back().schema;
  if (!tokens.empty()) {
    const std::string& previous = tokens.back();
    if (previous == "no") return withPrefix(fieldNames(schema), word);
    if (const FieldSchema* f = schema.field(previous)) {
      if (f->kind == Kind::kEnum) {
        std::vector<std::string> values;
        for (const auto& v : f->enum_values) values.push_back(lower(v));
        return withPrefix(values, word);
      }
      if (f->kind == Kind::kRef) return withPrefix(namesOf(f->ref_type), word);
      if (f->kind == Kind::kObject && f->list) return withPrefix({f->key, "index"}, word);
      if (f->kind != Kind::kBool && f->kind != Kind::kObject) return {};  // a value follows
    }
  }
  std::vector<std::string> all = fieldNames(schema);
  if (tokens.empty()) all.insert(all.end(), kModeCommands.begin(), kModeCommands.end());
  return withPrefix(all, word);
}

}  // namespace floe::cli
