#include "store/postgres/pg_migrate.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>
#include <set>
#include <string>
#include <thread>

#include "store/postgres/pg_db.h"
#include "store/sqlite/sqlite_store.h"
#include "testutil/postgres.h"
#include "testutil/temp_dir.h"

namespace cronium::store::postgres {
namespace {

// Each test works in a schema of its own on the test cluster.
class PgMigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testutil::PostgresUrl().value_or("");
    if (url_.empty()) GTEST_SKIP() << "no PostgreSQL for tests (CRONIUM_TEST_POSTGRES is not set)";
    schema_ = "mig_" + std::to_string(std::random_device{}()) + "_" +
              std::to_string(std::random_device{}());
    conn_ = Connect();
    ASSERT_TRUE(conn_);
    ASSERT_TRUE(conn_->Exec("CREATE SCHEMA " + schema_));
    ASSERT_TRUE(conn_->Exec("SET search_path TO " + schema_));
  }
  void TearDown() override {
    if (conn_) (void)conn_->Exec("DROP SCHEMA " + schema_ + " CASCADE");
  }

  std::unique_ptr<PgConnection> Connect() {
    auto opened = PgConnection::Open(url_);
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  std::set<std::string> Strings(const std::string& sql) {
    std::set<std::string> out;
    auto stmt = conn_->Prepare(sql);
    EXPECT_TRUE(stmt) << stmt.error().message;
    if (!stmt) return out;
    stmt->Bind(1, schema_);
    while (*stmt->Step()) out.insert(stmt->Text(0));
    return out;
  }

  std::string url_;
  std::string schema_;
  std::unique_ptr<PgConnection> conn_;
};

// What the SQLite store's migrations make: "table.column" and index names.
std::pair<std::set<std::string>, std::set<std::string>> SqliteShape() {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/shape.db";
  EXPECT_TRUE(sqlite::OpenStore({.path = path}));
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  std::set<std::string> columns, indexes;
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT m.name, p.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) "
                     "AS p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
                     -1, &stmt, nullptr);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    columns.insert(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) + "." +
                   reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
  }
  sqlite3_finalize(stmt);
  sqlite3_prepare_v2(db,
                     "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE "
                     "'sqlite_autoindex_%'",
                     -1, &stmt, nullptr);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    indexes.insert(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return {columns, indexes};
}

TEST_F(PgMigrateTest, TheSchemaHasSqlitesTablesColumnsAndIndexes) {
  ASSERT_TRUE(ApplyPgMigrations(*conn_));
  const auto [columns, indexes] = SqliteShape();
  EXPECT_EQ(Strings("SELECT table_name || '.' || column_name FROM information_schema.columns "
                    "WHERE table_schema = ?1"),
            columns);
  // PostgreSQL names the indexes of primary keys and unique constraints itself (SQLite's
  // sqlite_autoindex_*, left out above).
  EXPECT_EQ(Strings("SELECT indexname FROM pg_indexes WHERE schemaname = ?1 AND indexname NOT "
                    "IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))"),
            indexes);
  EXPECT_EQ(LatestPgSchemaVersion(), sqlite::LatestSchemaVersion());
}

TEST_F(PgMigrateTest, MigratingTwiceOrTogetherAppliesEachMigrationOnce) {
  auto other = Connect();
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->Exec("SET search_path TO " + schema_));
  Status first, second;
  std::thread a([&] { first = ApplyPgMigrations(*conn_); });
  std::thread b([&] { second = ApplyPgMigrations(*other); });
  a.join();
  b.join();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_TRUE(ApplyPgMigrations(*conn_));
  auto count = conn_->Prepare("SELECT COUNT(*), MAX(version) FROM schema_migrations");
  ASSERT_TRUE(*count->Step());
  EXPECT_EQ(count->Int(0), 1);
  EXPECT_EQ(count->Int(1), LatestPgSchemaVersion());
}

TEST_F(PgMigrateTest, ASchemaNewerThanTheBinaryIsRefused) {
  ASSERT_TRUE(ApplyPgMigrations(*conn_));
  ASSERT_TRUE(conn_->Exec("INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 0)"));
  auto refused = ApplyPgMigrations(*conn_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("newer than this cronium binary"), std::string::npos);
}

TEST_F(PgMigrateTest, TheAuditLogIsAppendOnlyAndForeignKeysCascade) {
  ASSERT_TRUE(ApplyPgMigrations(*conn_));
  ASSERT_TRUE(conn_->Exec(
      "INSERT INTO audit_log (id, at, actor_type, action, outcome) VALUES ('a1', 1, 'system', "
      "'x', 'success')"));
  auto changed = conn_->Exec("UPDATE audit_log SET action = 'y'");
  ASSERT_FALSE(changed);
  EXPECT_NE(changed.error().message.find("append-only"), std::string::npos);
  ASSERT_TRUE(conn_->Exec(
      "INSERT INTO events (id, name, type, status, timeout_seconds, created_at, updated_at) "
      "VALUES ('evt_1', 'e', 'BASH', 'ACTIVE', 30, 1, 1);"
      "INSERT INTO schedules (target_id, event_id, spec, updated_at) VALUES ('evt_1', 'evt_1', "
      "'{}', 1);"
      "INSERT INTO schedule_ledger (id, target_id, planned_at, fate) VALUES ('led_1', 'evt_1', 1, "
      "'FIRED');"
      "DELETE FROM events WHERE id = 'evt_1'"));
  auto left = conn_->Prepare(
      "SELECT (SELECT COUNT(*) FROM schedules) + (SELECT COUNT(*) FROM "
      "schedule_ledger)");
  ASSERT_TRUE(*left->Step());
  EXPECT_EQ(left->Int(0), 0);
}

}  // namespace
}  // namespace cronium::store::postgres
