// The controller's durable object store: SQLite in WAL mode, one transaction per write, a
// versioned schema with forward migrations (PRAGMA user_version). No HTTP here.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace floe::controller {

// One configuration object as stored: its type ("pool"), uuid ("pool-<uuid4>"), name and the
// object's JSON text in config-document form (refs as names).
struct StoredObject {
  std::string type;
  std::string uuid;
  std::string name;
  std::string body;
};

// A user account; the password is kept only as a PBKDF2 hash (see password.h).
struct StoredUser {
  std::string name;
  std::string passwordHash;  // password.h's encoded form
};

// One write: objects to insert or replace (by uuid) and uuids to delete, applied atomically.
struct WriteBatch {
  std::vector<StoredObject> upserts;
  std::vector<std::string> deletes;
};

class Store {
 public:
  // Opens (creating if absent) the database at `path` (":memory:" for an in-memory store),
  // turns on WAL and synchronous=FULL, and migrates the schema to kSchemaVersion.
  // Errors: "FILE: reason" when the file cannot be opened or is not a floe database, or has a
  // schema newer than this program knows.
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  static constexpr int kSchemaVersion = 1;
  int schemaVersion() const;

  Result<std::vector<StoredObject>> loadObjects() const;
  // Applies the batch in one transaction (all or nothing). Returns only after COMMIT, i.e. once
  // SQLite says it is durable.
  Status write(const WriteBatch& batch);

  Result<std::vector<StoredUser>> loadUsers() const;
  Status putUser(const StoredUser& user);

 private:
  explicit Store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status exec(const char* sql);
  Status migrate();
  Error sqlError(const std::string& what) const;

  sqlite3* db_;
  std::string path_;
};

}  // namespace floe::controller
