#include "controller/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

namespace floe::controller {
namespace {

class TempDb : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("floe-store-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "floe.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(TempDb, MigratesANewDatabaseToTheCurrentSchema) {
  auto store = Store::open(path_);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->schemaVersion(), Store::kSchemaVersion);
}

TEST_F(TempDb, RefusesADatabaseWithANewerSchema) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = Store::open(path_);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("schema version 99 is newer"), std::string::npos)
      << store.error().message;
}

TEST_F(TempDb, RefusesAFileThatIsNotADatabase) {
  {
    std::FILE* f = std::fopen(path_.c_str(), "w");
    std::fputs("this is not sqlite, just text long enough to fill a header page......", f);
    std::fclose(f);
  }
  auto store = Store::open(path_);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().message.rfind(path_ + ":", 0), 0u) << store.error().message;
}

TEST_F(TempDb, WritesSurviveReopening) {
  {
    auto store = Store::open(path_);
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->write({{{"pool", "pool-1", "web", "{\"name\":\"web\"}"}}, {}}));
    ASSERT_TRUE((*store)->putUser({"admin", "hash"}));
  }
  auto store = Store::open(path_);
  ASSERT_TRUE(store);
  auto objects = (*store)->loadObjects();
  ASSERT_TRUE(objects);
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_EQ((*objects)[0].uuid, "pool-1");
  EXPECT_EQ((*objects)[0].body, "{\"name\":\"web\"}");
  auto users = (*store)->loadUsers();
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0].passwordHash, "hash");
}

TEST_F(TempDb, AFailedBatchChangesNothing) {
  auto store = Store::open(path_);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->write({{{"pool", "pool-1", "web", "{}"}}, {}}));
  // The second upsert breaks UNIQUE(type, name): the delete before it must be rolled back.
  WriteBatch bad{{{"pool", "pool-2", "api", "{}"}, {"pool", "pool-3", "api", "{}"}}, {"pool-1"}};
  EXPECT_FALSE((*store)->write(bad));
  auto objects = (*store)->loadObjects();
  ASSERT_TRUE(objects);
  ASSERT_EQ(objects->size(), 1u);
  EXPECT_EQ((*objects)[0].uuid, "pool-1");
}

TEST_F(TempDb, UsesWriteAheadLogging) {
  auto store = Store::open(path_);
  ASSERT_TRUE(store);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace floe::controller
