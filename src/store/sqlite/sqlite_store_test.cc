#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "base/time_format.h"
#include "testutil/temp_dir.h"

namespace cronium::store::sqlite {
namespace {

int QueryInt(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  int value = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

void ExecSql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

TEST(SqliteStoreTest, RecordsAppliedMigrationsOnce) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/c.db";
  ASSERT_TRUE(SqliteStore::Open({.path = path}));
  ASSERT_TRUE(SqliteStore::Open({.path = path}));
  EXPECT_EQ(QueryInt(path, "SELECT COUNT(*) FROM schema_migrations"),
            SqliteStore::LatestSchemaVersion());
  EXPECT_EQ(QueryInt(path, "SELECT MAX(version) FROM schema_migrations"),
            SqliteStore::LatestSchemaVersion());
}

TEST(SqliteStoreTest, UsesWalMode) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/c.db";
  ASSERT_TRUE(SqliteStore::Open({.path = path}));
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(SqliteStoreTest, RefusesSchemaNewerThanBinary) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/c.db";
  ASSERT_TRUE(SqliteStore::Open({.path = path}));
  ExecSql(path, "INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 0)");
  auto reopened = SqliteStore::Open({.path = path});
  ASSERT_FALSE(reopened);
  EXPECT_EQ(reopened.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(reopened.error().message.find("9999"), std::string::npos);
}

TEST(SqliteStoreTest, DataSurvivesReopen) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/c.db";
  EventRecord event;
  event.id = "evt_keep";
  event.name = "keep me";
  event.created_at = event.updated_at = FromUnixMillis(1);
  {
    auto store = SqliteStore::Open({.path = path});
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->InsertEvent(event, {}));
  }
  auto store = SqliteStore::Open({.path = path});
  ASSERT_TRUE(store);
  auto loaded = (*store)->GetEvent("evt_keep");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->name, "keep me");
}

TEST(SqliteStoreTest, StoresVariableValuesAsBlobs) {
  // Ciphertext is bytes, not text: as TEXT, SQLite's string functions would stop at a NUL and
  // a conversion to another encoding would alter it.
  testutil::TempDir dir;
  const std::string path = dir.path() + "/c.db";
  {
    auto store = SqliteStore::Open({.path = path});
    ASSERT_TRUE(store);
    UserRecord user{.id = "usr_blob", .email = "b@example.test", .username = "b"};
    ASSERT_TRUE((*store)->InsertUser(user, {}));
    ASSERT_TRUE((*store)->PutVariable({.user_id = user.id,
                                       .key = "K",
                                       .sealed_value = std::string("a\0b", 3),
                                       .updated_at = FromUnixMillis(1)},
                                      10, {}));
  }
  EXPECT_EQ(QueryInt(path,
                     "SELECT COUNT(*) FROM variables WHERE typeof(value) = 'blob' AND "
                     "length(value) = 3 AND created_at = 1"),
            1);
}

TEST(SqliteStoreTest, UnopenablePathIsUnavailable) {
  auto store = SqliteStore::Open({.path = "/proc/definitely/not/here.db"});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace cronium::store::sqlite
