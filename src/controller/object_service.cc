#include "controller/object_service.h"

#include <algorithm>
#include <set>

#include "config/document.h"
#include "controller/password.h"

namespace floe::controller {
namespace {

using json = nlohmann::json;

ApiError problem(int status, std::string message) { return ApiError{status, {std::move(message)}}; }

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Fields the API adds to an object and strips from a request body.
void stripApiFields(json& body) {
  for (const char* key : {"uuid", "url", "_last_modified"}) body.erase(key);
}

// "/api/TYPE/ID" (after an optional scheme and host) with neither "?name=" nor "#NAME": the id.
std::optional<std::string> uuidOfRef(const std::string& ref, const std::string& type) {
  const auto api = ref.find("/api/" + type + "/");
  if (api == std::string::npos) return std::nullopt;
  if (ref.find_first_of("?#") != std::string::npos) return std::nullopt;
  if (api != 0 && ref.find("://") == std::string::npos) return std::nullopt;
  std::string id = ref.substr(api + 6 + type.size());
  if (id.empty() || id.find('/') != std::string::npos) return std::nullopt;
  return id;
}

}  // namespace

std::string newUuid(const std::string& type) {
  std::string hex = randomHex(16);
  hex[12] = '4';                                              // version 4
  hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];  // variant 10xx
  return type + "-" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

const std::map<std::string, std::string>& refFields(const std::string& type) {
  static const std::map<std::string, std::map<std::string, std::string>> kRefs = {
      {"serviceengine", {{"se_group_ref", "serviceenginegroup"}}},
      {"pool", {{"health_monitor_refs", "healthmonitor"}}},
      {"virtualservice",
       {{"pool_ref", "pool"},
        {"application_profile_ref", "applicationprofile"},
        {"network_profile_ref", "networkprofile"},
        {"se_group_ref", "serviceenginegroup"},
        {"vrf_context_ref", "vrfcontext"}}}};
  static const std::map<std::string, std::string> kNone;
  const auto it = kRefs.find(type);
  return it == kRefs.end() ? kNone : it->second;
}

const std::vector<std::string>& ObjectService::types() {
  static const std::vector<std::string> kTypes = {
      "serviceenginegroup", "serviceengine", "vrfcontext",    "healthmonitor",
      "pool",               "applicationprofile", "networkprofile", "virtualservice"};
  return kTypes;
}

bool ObjectService::isType(const std::string& type) {
  const auto& t = types();
  return std::find(t.begin(), t.end(), type) != t.end();
}

Result<std::unique_ptr<ObjectService>> ObjectService::open(Store& store) {
  std::unique_ptr<ObjectService> service(new ObjectService(store));
  auto stored = store.loadObjects();
  if (!stored) return stored.error();
  for (auto& o : *stored) {
    json body = json::parse(o.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) {
      return makeError("stored object " + o.uuid + " is not a JSON object; the database is damaged");
    }
    service->entries_.push_back({o.type, o.uuid, o.name, std::move(body)});
  }
  // Built-ins missing from the store (first start, or a newer release added one).
  const json builtins = config::encodeDocument(config::builtinObjects());
  std::vector<Entry> next = service->entries_;
  bool added = false;
  for (const auto& type : types()) {
    for (const auto& o : builtins[type]) {
      const std::string name = o["name"];
      if (service->findByName(type, name)) continue;
      next.push_back({type, newUuid(type), name, o});
      added = true;
    }
  }
  if (added) {
    if (auto s = service->commit(std::move(next)); !s) return s.error();
  }
  return service;
}

const ObjectService::Entry* ObjectService::find(const std::string& type,
                                                const std::string& uuid) const {
  for (const auto& e : entries_) {
    if (e.type == type && e.uuid == uuid) return &e;
  }
  return nullptr;
}

const ObjectService::Entry* ObjectService::findByName(const std::string& type,
                                                      const std::string& name) const {
  for (const auto& e : entries_) {
    if (e.type == type && e.name == name) return &e;
  }
  return nullptr;
}

std::optional<std::string> ObjectService::uuidOf(const std::string& type,
                                                 const std::string& name) const {
  if (const Entry* e = findByName(type, name)) return e->uuid;
  return std::nullopt;
}

bool ObjectService::isBuiltin(const std::string& type, const std::string& name) const {
  static const json kBuiltins = config::encodeDocument(config::builtinObjects());
  for (const auto& o : kBuiltins[type]) {
    if (o["name"] == name) return true;
  }
  return false;
}

json ObjectService::toApi(const Entry& e) const {
  json out = e.body;
  auto url = [&](const std::string& refType, const json& v) -> json {
    if (!v.is_string()) return v;
    const std::string name = v;
    const Entry* target = findByName(refType, name);
    if (!target) return v;
    return "/api/" + refType + "/" + target->uuid + "#" + name;
  };
  for (const auto& [field, refType] : refFields(e.type)) {
    if (!out.contains(field)) continue;
    json& v = out[field];
    if (v.is_array()) {
      for (auto& item : v) item = url(refType, item);
    } else {
      v = url(refType, v);
    }
  }
  out["uuid"] = e.uuid;
  out["url"] = "/api/" + e.type + "/" + e.uuid;
  return out;
}

std::vector<json> ObjectService::list(const std::string& type) const {
  std::vector<json> out;
  for (const auto& e : entries_) {
    if (e.type == type) out.push_back(toApi(e));
  }
  return out;
}

std::optional<json> ObjectService::get(const std::string& type, const std::string& uuid) const {
  if (const Entry* e = find(type, uuid)) return toApi(*e);
  return std::nullopt;
}

json ObjectService::exportDocument() const {
  json doc = json::object();
  for (const auto& type : types()) doc[type] = json::array();
  for (const auto& e : entries_) doc[e.type].push_back(e.body);
  return doc;
}

void ObjectService::resolveUuidRefs(const std::string& type, json& body,
                                    std::vector<std::string>& errors) const {
  if (!body.is_object()) return;
  for (const auto& entry : refFields(type)) {
    // Named copies: lambdas cannot capture structured bindings before C++20's clang 16.
    const std::string& field = entry.first;
    const std::string& refType = entry.second;
    if (!body.contains(field)) continue;
    auto resolve = [&](json& v, const std::string& path) {
      if (!v.is_string()) return;  // the decoder reports the type error
      const auto id = uuidOfRef(v.get<std::string>(), refType);
      if (!id) return;
      if (const Entry* target = find(refType, *id)) {
        v = target->name;
      } else {
        errors.push_back(path + ": no " + refType + " has uuid " + quoted(*id));
      }
    };
    json& v = body[field];
    if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) resolve(v[i], field + "[" + std::to_string(i) + "]");
    } else {
      resolve(v, field);
    }
  }
}

std::vector<std::string> ObjectService::referrers(const std::string& type,
                                                  const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& e : entries_) {
    for (const auto& [field, refType] : refFields(e.type)) {
      if (refType != type || !e.body.contains(field)) continue;
      const json& v = e.body[field];
      const bool refers = v.is_array() ? std::find(v.begin(), v.end(), json(name)) != v.end()
                                       : v == json(name);
      if (refers) out.push_back(e.type + " " + quoted(e.name) + " (" + field + ")");
    }
  }
  return out;
}

std::variant<std::vector<ObjectService::Entry>, ApiError> ObjectService::validateAll(
    std::vector<Entry> candidate) const {
  json doc = json::object();
  for (const auto& type : types()) doc[type] = json::array();
  for (const auto& e : candidate) doc[e.type].push_back(e.body);
  const config::Decoded decoded = config::decodeDocument(doc);
  if (!decoded.report.ok()) {
    ApiError error{400, {}};
    for (const auto& d : decoded.report.errors) error.errors.push_back(d.toString());
    return error;
  }
  // Canonical bodies: every field written out, addresses as strings.
  const json canonical = config::encodeDocument(decoded.document);
  for (auto& e : candidate) {
    for (const auto& o : canonical[e.type]) {
      if (o["name"] == e.name) {
        e.body = o;
        break;
      }
    }
  }
  return candidate;
}

Status ObjectService::commit(std::vector<Entry> next) {
  WriteBatch batch;
  for (const auto& e : entries_) {
    const bool kept = std::any_of(next.begin(), next.end(),
                                  [&](const Entry& n) { return n.uuid == e.uuid; });
    if (!kept) batch.deletes.push_back(e.uuid);
  }
  for (const auto& n : next) {
    const Entry* old = nullptr;
    for (const auto& e : entries_) {
      if (e.uuid == n.uuid) old = &e;
    }
    if (old && old->body == n.body && old->name == n.name) continue;
    batch.upserts.push_back({n.type, n.uuid, n.name, n.body.dump()});
  }
  if (batch.upserts.empty() && batch.deletes.empty()) return {};
  if (auto s = store_.write(batch); !s) return s;
  entries_ = std::move(next);
  ++generation_;
  return {};
}

std::variant<ApiReply, ApiError> ObjectService::write(std::vector<Entry> candidate,
                                                      const std::string& type,
                                                      const std::string& uuid, int status) {
  auto validated = validateAll(std::move(candidate));
  if (auto* error = std::get_if<ApiError>(&validated)) return *error;
  if (auto s = commit(std::get<std::vector<Entry>>(std::move(validated))); !s) {
    return problem(500, "store: " + s.error().message);
  }
  return ApiReply{status, toApi(*find(type, uuid))};
}

namespace {

// The object's name as the request gives it, or the problem.
std::variant<std::string, ApiError> nameOf(const json& body) {
  if (!body.is_object()) return problem(400, "body: must be a JSON object");
  if (!body.contains("name")) return problem(400, "name: is required; give the object a name");
  if (!body["name"].is_string() || body["name"].get_ref<const std::string&>().empty()) {
    return problem(400, "name: must be a non-empty string");
  }
  return body["name"].get<std::string>();
}

}  // namespace

std::variant<ApiReply, ApiError> ObjectService::create(const std::string& type, json body) {
  auto name = nameOf(body);
  if (auto* error = std::get_if<ApiError>(&name)) return *error;
  const std::string& n = std::get<std::string>(name);
  if (const Entry* existing = findByName(type, n)) {
    return problem(409, type + "[" + n + "]: a " + type + " named " + quoted(n) +
                            " exists already (" + existing->uuid + "); PUT or PATCH it instead");
  }
  stripApiFields(body);
  std::vector<std::string> errors;
  resolveUuidRefs(type, body, errors);
  if (!errors.empty()) return ApiError{400, errors};
  std::vector<Entry> candidate = entries_;
  const std::string uuid = newUuid(type);
  candidate.push_back({type, uuid, n, std::move(body)});
  return write(std::move(candidate), type, uuid, 201);
}

std::variant<ApiReply, ApiError> ObjectService::replace(const std::string& type,
                                                        const std::string& uuid, json body) {
  const Entry* current = find(type, uuid);
  if (!current) return problem(404, "no " + type + " has uuid " + quoted(uuid));
  auto name = nameOf(body);
  if (auto* error = std::get_if<ApiError>(&name)) return *error;
  const std::string& n = std::get<std::string>(name);
  if (n != current->name) {
    if (const Entry* other = findByName(type, n)) {
      return problem(409, type + "[" + current->name + "].name: a " + type + " named " +
                              quoted(n) + " exists already (" + other->uuid + ")");
    }
    if (isBuiltin(type, current->name)) {
      return problem(409, type + "[" + current->name + "].name: " + quoted(current->name) +
                              " is built in; it cannot be renamed");
    }
    const auto refs = referrers(type, current->name);
    if (!refs.empty()) {
      return problem(409, type + "[" + current->name + "].name: cannot rename; referred to by " +
                              joined(refs));
    }
  }
  stripApiFields(body);
  std::vector<std::string> errors;
  resolveUuidRefs(type, body, errors);
  if (!errors.empty()) return ApiError{400, errors};
  std::vector<Entry> candidate = entries_;
  for (auto& e : candidate) {
    if (e.uuid == uuid) {
      e.name = n;
      e.body = std::move(body);
      break;
    }
  }
  return write(std::move(candidate), type, uuid, 200);
}

std::variant<ApiReply, ApiError> ObjectService::patch(const std::string& type,
                                                      const std::string& uuid, const json& body) {
  const Entry* current = find(type, uuid);
  if (!current) return problem(404, "no " + type + " has uuid " + quoted(uuid));
  if (!body.is_object()) return problem(400, "body: must be a JSON object");
  std::vector<std::string> errors;
  for (const auto& [op, value] : body.items()) {
    if (op != "add" && op != "replace" && op != "delete") {
      errors.push_back(op + ": unknown PATCH operation; use add, replace or delete");
    } else if (!value.is_object()) {
      errors.push_back(op + ": must be an object of fields");
    }
  }
  if (!errors.empty()) return ApiError{400, errors};
  json next = current->body;
  auto apply = [&](const std::string& op) {
    if (!body.contains(op)) return;
    json fields = body[op];
    stripApiFields(fields);
    resolveUuidRefs(type, fields, errors);
    for (const auto& [field, value] : fields.items()) {
      const std::string path = op + "." + field;
      if (op == "replace") {
        next[field] = value;
      } else if (op == "add") {
        if (next.contains(field) && next[field].is_array()) {
          if (value.is_array()) {
            for (const auto& v : value) next[field].push_back(v);
          } else {
            next[field].push_back(value);
          }
        } else {
          next[field] = value;
        }
      } else if (next.contains(field) && next[field].is_array() && !value.is_null()) {
        json& list = next[field];
        const json gone = value.is_array() ? value : json::array({value});
        for (const auto& v : gone) {
          const auto it = std::find(list.begin(), list.end(), v);
          if (it == list.end()) {
            errors.push_back(path + ": " + v.dump() + " is not in " + field);
          } else {
            list.erase(it);
          }
        }
      } else {
        next.erase(field);  // back to the default
      }
    }
  };
  apply("delete");
  apply("replace");
  apply("add");
  if (!errors.empty()) return ApiError{400, errors};
  return replace(type, uuid, std::move(next));
}

std::variant<ApiReply, ApiError> ObjectService::remove(const std::string& type,
                                                       const std::string& uuid) {
  const Entry* current = find(type, uuid);
  if (!current) return problem(404, "no " + type + " has uuid " + quoted(uuid));
  const std::string path = type + "[" + current->name + "]";
  if (isBuiltin(type, current->name)) {
    return problem(409, path + ": is built in; it can be edited but not deleted");
  }
  const auto refs = referrers(type, current->name);
  if (!refs.empty()) {
    ApiError error{409, {}};
    for (const auto& r : refs) {
      error.errors.push_back(path + ": cannot delete; referred to by " + r +
                             "; change or delete that first");
    }
    return error;
  }
  std::vector<Entry> candidate;
  for (const auto& e : entries_) {
    if (e.uuid != uuid) candidate.push_back(e);
  }
  auto validated = validateAll(std::move(candidate));
  if (auto* error = std::get_if<ApiError>(&validated)) return *error;
  if (auto s = commit(std::get<std::vector<Entry>>(std::move(validated))); !s) {
    return problem(500, "store: " + s.error().message);
  }
  return ApiReply{204, nullptr};
}

std::variant<ApiReply, ApiError> ObjectService::importDocument(const json& document) {
  if (!document.is_object()) return problem(400, "body: must be a config document (JSON object)");
  const config::Decoded decoded = config::decodeDocument(document);
  if (!decoded.report.ok()) {
    ApiError error{400, {}};
    for (const auto& d : decoded.report.errors) error.errors.push_back(d.toString());
    return error;
  }
  const json canonical = config::encodeDocument(decoded.document);
  std::vector<Entry> next;
  for (const auto& type : types()) {
    for (const auto& o : canonical[type]) {
      const std::string name = o["name"];
      const Entry* old = findByName(type, name);
      next.push_back({type, old ? old->uuid : newUuid(type), name, o});
    }
  }
  const size_t count = next.size();
  if (auto s = commit(std::move(next)); !s) return problem(500, "store: " + s.error().message);
  return ApiReply{200, {{"count", count}}};
}

}  // namespace floe::controller
