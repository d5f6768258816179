#include "controller/store.h"

namespace floe::controller {
namespace {

// Migrations: kMigrations[i] takes the schema from version i to i + 1. Append, never edit.
constexpr const char* kMigrations[] = {
    "CREATE TABLE objects ("
    "  uuid TEXT PRIMARY KEY,"
    "  type TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  UNIQUE (type, name));"
    "CREATE TABLE users ("
    "  name TEXT PRIMARY KEY,"
    "  password_hash TEXT NOT NULL);",
};
static_assert(std::size(kMigrations) == Store::kSchemaVersion);

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  void bind(int i, const std::string& text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  int step() { return sqlite3_step(stmt_); }
  std::string column(int i) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return text ? std::string(text, sqlite3_column_bytes(stmt_, i)) : std::string();
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return makeError(path + ": cannot open the database: " + reason);
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<Store> store(new Store(db, path));
  // WAL: readers never block the writer; FULL: a COMMIT that returned survives power loss.
  if (auto s = store->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !s) {
    return s.error();
  }
  if (auto s = store->migrate(); !s) return s.error();
  return store;
}

Store::~Store() { sqlite3_close(db_); }

Error Store::sqlError(const std::string& what) const {
  return makeError(path_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

Status Store::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string reason = message ? message : "unknown error";
    sqlite3_free(message);
    return makeError(path_ + ": " + reason);
  }
  return {};
}

int Store::schemaVersion() const {
  Statement st(db_, "PRAGMA user_version");
  if (!st.ok() || st.step() != SQLITE_ROW) return -1;
  return std::stoi(st.column(0));
}

Status Store::migrate() {
  const int version = schemaVersion();
  if (version < 0) return sqlError("cannot read the schema version (not a SQLite database?)");
  if (version > kSchemaVersion) {
    return makeError(path_ + ": schema version " + std::to_string(version) +
                     " is newer than this floe-controller knows (" +
                     std::to_string(kSchemaVersion) + "); run a newer floe-controller");
  }
  for (int v = version; v < kSchemaVersion; ++v) {
    const std::string sql = std::string("BEGIN IMMEDIATE;") + kMigrations[v] +
                            "PRAGMA user_version=" + std::to_string(v + 1) + ";COMMIT;";
    if (auto s = exec(sql.c_str()); !s) {
      (void)exec("ROLLBACK");
      return makeError(s.error().message + " (migrating the schema to version " +
                       std::to_string(v + 1) + ")");
    }
  }
  return {};
}

Result<std::vector<StoredObject>> Store::loadObjects() const {
  Statement st(db_, "SELECT type, uuid, name, body FROM objects ORDER BY rowid");
  if (!st.ok()) return sqlError("cannot read objects");
  std::vector<StoredObject> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    out.push_back({st.column(0), st.column(1), st.column(2), st.column(3)});
  }
  if (rc != SQLITE_DONE) return sqlError("cannot read objects");
  return out;
}

Status Store::write(const WriteBatch& batch) {
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
  auto fail = [&](const std::string& what) -> Status {
    Error e = sqlError(what);
    (void)exec("ROLLBACK");
    return e;
  };
  {
    // UPDATE keeps the row (and its position in listings); INSERT adds a new one.
    Statement update(db_, "UPDATE objects SET type=?1, name=?3, body=?4 WHERE uuid=?2");
    Statement insert(db_, "INSERT INTO objects (type, uuid, name, body) VALUES (?1, ?2, ?3, ?4)");
    Statement remove(db_, "DELETE FROM objects WHERE uuid=?1");
    if (!update.ok() || !insert.ok() || !remove.ok()) return fail("cannot prepare a write");
    // Deletes first, so that a batch may delete one object and create another of its name.
    for (const auto& uuid : batch.deletes) {
      remove.bind(1, uuid);
      if (remove.step() != SQLITE_DONE) return fail("cannot delete " + uuid);
      remove.reset();
    }
    for (const auto& o : batch.upserts) {
      for (Statement* st : {&update, &insert}) {
        st->bind(1, o.type);
        st->bind(2, o.uuid);
        st->bind(3, o.name);
        st->bind(4, o.body);
      }
      if (update.step() != SQLITE_DONE) return fail("cannot write " + o.uuid);
      if (sqlite3_changes(db_) == 0 && insert.step() != SQLITE_DONE) {
        return fail("cannot write " + o.uuid);
      }
      update.reset();
      insert.reset();
    }
  }
  if (auto s = exec("COMMIT"); !s) {
    (void)exec("ROLLBACK");
    return s;
  }
  return {};
}

Result<std::vector<StoredUser>> Store::loadUsers() const {
  Statement st(db_, "SELECT name, password_hash FROM users ORDER BY name");
  if (!st.ok()) return sqlError("cannot read users");
  std::vector<StoredUser> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back({st.column(0), st.column(1)});
  if (rc != SQLITE_DONE) return sqlError("cannot read users");
  return out;
}

Status Store::putUser(const StoredUser& user) {
  Statement st(db_,
               "INSERT INTO users (name, password_hash) VALUES (?1, ?2) "
               "ON CONFLICT (name) DO UPDATE SET password_hash=excluded.password_hash");
  if (!st.ok()) return sqlError("cannot write user");
  st.bind(1, user.name);
  st.bind(2, user.passwordHash);
  if (st.step() != SQLITE_DONE) return sqlError("cannot write user " + user.name);
  return {};
}

}  // namespace floe::controller
