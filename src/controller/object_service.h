// The controller's configuration objects: the REST API's verbs on them, each write validated
// against the WHOLE stored configuration with the one validation library (src/config), then
// made durable in the Store before it is acknowledged. Not thread-safe: the caller serialises.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "controller/store.h"

namespace floe::controller {

// A refused request: the HTTP status a REST client expects (400 invalid, 404 no such object,
// 409 conflict) and every problem as "path: reason".
struct ApiError {
  int status;
  std::vector<std::string> errors;
};

// An accepted request: the HTTP status (200, 201, 204) and the JSON to return.
struct ApiReply {
  int status;
  nlohmann::json body;
};

class ObjectService {
 public:
  // Loads every object from `store` (kept in memory; the store is written through) and adds the
  // built-in objects (DESIGN.md) that are missing, so that they exist from the first start.
  static Result<std::unique_ptr<ObjectService>> open(Store& store);

  // The object types of the configuration contract, in document order.
  static const std::vector<std::string>& types();
  static bool isType(const std::string& type);

  // Objects as the API returns them: the stored fields plus "uuid" and "url"
  // ("/api/TYPE/UUID"); refs as "/api/TYPE/UUID#NAME".
  std::vector<nlohmann::json> list(const std::string& type) const;
  std::optional<nlohmann::json> get(const std::string& type, const std::string& uuid) const;
  // The uuid of the object of this type and name, if any.
  std::optional<std::string> uuidOf(const std::string& type, const std::string& name) const;

  // POST /api/TYPE: 201 and the object; 400 invalid, 409 the name exists.
  std::variant<ApiReply, ApiError> create(const std::string& type, nlohmann::json body);
  // PUT /api/TYPE/UUID: 200 and the object; 400, 404, 409 (rename onto an existing name, rename
  // of a built-in or of an object that others refer to).
  std::variant<ApiReply, ApiError> replace(const std::string& type, const std::string& uuid,
                                           nlohmann::json body);
  // PATCH /api/TYPE/UUID with Avi's body {"add": {...}, "replace": {...}, "delete": {...}}:
  // add appends to list fields (sets other fields), replace sets fields, delete removes the
  // given elements from list fields and resets other fields to their defaults.
  std::variant<ApiReply, ApiError> patch(const std::string& type, const std::string& uuid,
                                         const nlohmann::json& body);
  // DELETE /api/TYPE/UUID: 204; 404; 409 for a built-in or an object another refers to.
  std::variant<ApiReply, ApiError> remove(const std::string& type, const std::string& uuid);

  // GET /api/configuration/export: the whole configuration as a config document (refs as names).
  nlohmann::json exportDocument() const;
  // POST /api/configuration/import: replaces the whole configuration by the document's (objects
  // keep their uuid when type and name match); refused whole when the document is invalid.
  std::variant<ApiReply, ApiError> importDocument(const nlohmann::json& document);

  // Counts the writes that changed the configuration since this process started (watchers
  // compare it to know when to fetch again).
  uint64_t generation() const { return generation_; }

 private:
  struct Entry {
    std::string type;
    std::string uuid;
    std::string name;
    nlohmann::json body;  // config-document form, refs as names
  };

  explicit ObjectService(Store& store) : store_(store) {}
  const Entry* find(const std::string& type, const std::string& uuid) const;
  const Entry* findByName(const std::string& type, const std::string& name) const;
  nlohmann::json toApi(const Entry& e) const;
  // Replaces refs given as "/api/TYPE/UUID" (no name) by the name; errors for unknown uuids.
  void resolveUuidRefs(const std::string& type, nlohmann::json& body,
                       std::vector<std::string>& errors) const;
  // "virtualservice vs1 (pool_ref)" for every object that refers to type/name.
  std::vector<std::string> referrers(const std::string& type, const std::string& name) const;
  bool isBuiltin(const std::string& type, const std::string& name) const;
  // Validates `candidate` as the whole configuration; on success returns it with every body in
  // canonical form (defaults filled in), else the errors.
  std::variant<std::vector<Entry>, ApiError> validateAll(std::vector<Entry> candidate) const;
  // Makes `next` the configuration: writes the difference to the store, then adopts it.
  Status commit(std::vector<Entry> next);
  std::variant<ApiReply, ApiError> write(std::vector<Entry> candidate, const std::string& type,
                                         const std::string& uuid, int status);

  Store& store_;
  std::vector<Entry> entries_;
  uint64_t generation_ = 1;
};

// "TYPE-" followed by a random (version 4) UUID, RFC 9562 §5.4.
std::string newUuid(const std::string& type);

// The ref fields of each type: field → referenced type (for lists of refs too).
const std::map<std::string, std::string>& refFields(const std::string& type);

}  // namespace floe::controller
