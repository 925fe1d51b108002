#include "store/postgres/pg_db.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "testutil/postgres.h"

namespace cronium::store::postgres {
namespace {

TEST(TranslatePlaceholdersTest, NumberedAndBarePlaceholdersBecomeDollars) {
  EXPECT_EQ(TranslatePlaceholders("SELECT a FROM t WHERE b = ?1 AND (?2 IS NULL OR c < ?2)"),
            "SELECT a FROM t WHERE b = $1 AND ($2 IS NULL OR c < $2)");
  EXPECT_EQ(TranslatePlaceholders("INSERT INTO t VALUES (?, ?, ?12)"),
            "INSERT INTO t VALUES ($1, $2, $12)");
}

TEST(TranslatePlaceholdersTest, QuotedTextNamesAndCommentsAreLeftAlone) {
  EXPECT_EQ(TranslatePlaceholders("SELECT '?1', 'it''s ?', \"odd?name\" FROM t -- why?\n"
                                  "WHERE x = ?1 /* ?2 */ AND y = ?2"),
            "SELECT '?1', 'it''s ?', \"odd?name\" FROM t -- why?\n"
            "WHERE x = $1 /* ?2 */ AND y = $2");
}

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = testutil::PostgresUrl();
    if (!url) GTEST_SKIP() << "no PostgreSQL for tests (CRONIUM_TEST_POSTGRES is not set)";
    auto opened = PgConnection::Open(*url);
    ASSERT_TRUE(opened) << opened.error().message;
    conn_ = std::move(*opened);
    // Temporary tables live and die with this connection: tests share nothing.
    ASSERT_TRUE(conn_->Exec(
        "CREATE TEMP TABLE parent (id TEXT PRIMARY KEY);"
        "CREATE TEMP TABLE item (id TEXT PRIMARY KEY, parent TEXT REFERENCES parent(id), "
        "n BIGINT, x DOUBLE PRECISION, flag INTEGER, data BYTEA, note TEXT, "
        "CONSTRAINT item_note_unique UNIQUE (note))"));
    ASSERT_TRUE(conn_->Exec("INSERT INTO parent VALUES ('p1')"));
  }

  std::unique_ptr<PgConnection> conn_;
};

TEST_F(PgConnectionTest, ValuesOfEveryKindRoundTrip) {
  auto insert = conn_->Prepare(
      "INSERT INTO item (id, parent, n, x, flag, data, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  ASSERT_TRUE(insert) << insert.error().message;
  const std::string bytes("a\0b\xff\x01", 5);
  insert->Bind(1, "i1")
      .Bind(2, "p1")
      .Bind(3, int64_t{-9'000'000'000'000})
      .Bind(4, 0.1)
      .Bind(5, true)
      .BindBlob(6, bytes)
      .Bind(7, std::optional<std::string>());
  auto changed = insert->Run();
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_EQ(*changed, 1);

  auto select = conn_->Prepare("SELECT id, n, x, flag, data, note, n > 0 FROM item WHERE id = ?1");
  ASSERT_TRUE(select);
  select->Bind(1, "i1");
  auto found = select->Step();
  ASSERT_TRUE(found && *found) << (found ? "" : found.error().message);
  EXPECT_EQ(select->Text(0), "i1");
  EXPECT_EQ(select->Int(1), -9'000'000'000'000);
  EXPECT_DOUBLE_EQ(select->Real(2), 0.1);
  EXPECT_EQ(select->Int(3), 1);
  EXPECT_EQ(select->Blob(4), bytes);
  EXPECT_TRUE(select->IsNull(5));
  EXPECT_FALSE(select->OptionalInt(5));
  EXPECT_EQ(select->Int(6), 0);  // a boolean 'f'
  auto more = select->Step();
  ASSERT_TRUE(more);
  EXPECT_FALSE(*more);
}

// Types come from where a parameter is used; a use that says nothing of its type (`? IS NULL`)
// needs a CAST, which SQLite reads the same way.
TEST_F(PgConnectionTest, NullableParametersTakeTheirTypeFromACast) {
  ASSERT_TRUE(conn_->Exec("INSERT INTO item (id, n) VALUES ('a', 1), ('b', 2), ('c', 3)"));
  auto untyped = conn_->Prepare("SELECT id FROM item WHERE (?1 IS NULL OR id < ?1)");
  ASSERT_FALSE(untyped);
  EXPECT_NE(untyped.error().message.find("could not determine data type"), std::string::npos);
  auto page = conn_->Prepare(
      "SELECT id FROM item WHERE (CAST(?1 AS TEXT) IS NULL OR id < ?1) ORDER BY id DESC LIMIT "
      "?2");
  ASSERT_TRUE(page) << page.error().message;
  page->BindNull(1).Bind(2, 2);
  std::vector<std::string> ids;
  while (*page->Step()) ids.push_back(page->Text(0));
  EXPECT_EQ(ids, (std::vector<std::string>{"c", "b"}));
  // The cached statement runs again with other values.
  auto again = conn_->Prepare(
      "SELECT id FROM item WHERE (CAST(?1 AS TEXT) IS NULL OR id < ?1) ORDER BY id DESC LIMIT "
      "?2");
  again->Bind(1, "b").Bind(2, 10);
  ids.clear();
  while (*again->Step()) ids.push_back(again->Text(0));
  EXPECT_EQ(ids, (std::vector<std::string>{"a"}));
}

TEST_F(PgConnectionTest, ChangesAndReturningRows) {
  ASSERT_TRUE(conn_->Exec("INSERT INTO item (id, n) VALUES ('a', 1), ('b', 2), ('c', 3)"));
  auto bump = conn_->Prepare("UPDATE item SET n = n + 10 WHERE n >= ?1");
  bump->Bind(1, 2);
  EXPECT_EQ(*bump->Run(), 2);
  auto returning = conn_->Prepare("UPDATE item SET n = n + 1 WHERE id = ?1 RETURNING n");
  returning->Bind(1, "c");
  ASSERT_TRUE(*returning->Step());
  EXPECT_EQ(returning->Int(0), 14);
  auto none = conn_->Prepare("DELETE FROM item WHERE id = ?1");
  none->Bind(1, "zzz");
  EXPECT_EQ(*none->Run(), 0);
}

TEST_F(PgConnectionTest, ConstraintViolationsAreClearErrorsAndTheConnectionGoesOn) {
  auto insert = conn_->Prepare("INSERT INTO item (id, parent, note) VALUES (?1, ?2, ?3)");
  insert->Bind(1, "i1").Bind(2, "p1").Bind(3, "same");
  ASSERT_TRUE(insert->Run());
  insert->Bind(1, "i2").Bind(2, "p1").Bind(3, "same");
  auto duplicate = insert->Run();
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(duplicate.error().message.find("item_note_unique"), std::string::npos)
      << duplicate.error().message;
  EXPECT_EQ(conn_->last_sqlstate(), "23505");
  insert->Bind(1, "i3").Bind(2, "nope").Bind(3, "other");
  auto orphan = insert->Run();
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(orphan.error().message.find("FOREIGN KEY"), std::string::npos);
  // A bad statement is an error at prepare time, naming the problem.
  auto bad = conn_->Prepare("SELECT nope FROM item");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("nope"), std::string::npos);
  EXPECT_TRUE(conn_->Healthy());
  auto count = conn_->Prepare("SELECT COUNT(*) FROM item");
  ASSERT_TRUE(*count->Step());
  EXPECT_EQ(count->Int(0), 1);
}

int64_t CountItems(PgConnection& conn) {
  auto count = conn.Prepare("SELECT COUNT(*) FROM item");
  EXPECT_TRUE(count) << count.error().message;
  if (!count || !*count->Step()) return -1;
  return count->Int(0);
}

// Commands sent without waiting run in order, and are read with the next command that waits:
// a SELECT sees what they wrote. The connection is idle again after.
TEST_F(PgConnectionTest, SentCommandsRunInOrderAndAreReadWithTheNextThatWaits) {
  ASSERT_TRUE(conn_->Defer("INSERT INTO item (id, n) VALUES ('a', 1)"));
  auto insert = conn_->Prepare("INSERT INTO item (id, n) VALUES (?1, ?2)");
  ASSERT_TRUE(insert) << insert.error().message;
  ASSERT_TRUE(insert->Bind(1, "b").Bind(2, 2).Send());
  ASSERT_TRUE(conn_->Defer("UPDATE item SET n = n * 10"));
  EXPECT_FALSE(conn_->Healthy());  // results are pending: not to be lent out like this
  auto sum = conn_->Prepare("SELECT SUM(n), COUNT(*) FROM item");
  ASSERT_TRUE(sum) << sum.error().message;
  ASSERT_TRUE(*sum->Step());
  EXPECT_EQ(sum->Int(0), 30);
  EXPECT_EQ(sum->Int(1), 2);
  EXPECT_TRUE(conn_->Healthy());
  // A sent statement has nothing to read (reading does not run it again); Run runs it again.
  EXPECT_EQ(insert->Step().error().code, ErrorCode::kInternal);
  // Nothing sent: a statement waits alone, as before.
  insert->Bind(1, "c").Bind(2, 3);
  EXPECT_EQ(*insert->Run(), 1);
  EXPECT_EQ(CountItems(*conn_), 3);
}

// A sent write that fails is the error of the next command that waits; the server skipped what
// came after it in the transaction, which rolls back whole.
TEST_F(PgConnectionTest, ASentWriteThatFailsIsTheErrorOfTheCommandThatWaits) {
  ASSERT_TRUE(conn_->Exec("INSERT INTO item (id, note) VALUES ('a', 'taken')"));
  ASSERT_TRUE(conn_->Defer("BEGIN"));
  auto insert = conn_->Prepare("INSERT INTO item (id, note) VALUES (?1, ?2)");
  ASSERT_TRUE(insert->Bind(1, "b").Bind(2, "fine").Send());
  ASSERT_TRUE(insert->Bind(1, "c").Bind(2, "taken").Send());  // a unique violation
  ASSERT_TRUE(insert->Bind(1, "d").Bind(2, "never").Send());
  auto committed = conn_->Exec("COMMIT");
  ASSERT_FALSE(committed);
  EXPECT_EQ(committed.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(committed.error().message.find("item_note_unique"), std::string::npos)
      << committed.error().message;
  EXPECT_EQ(conn_->last_sqlstate(), "23505");
  EXPECT_TRUE(conn_->LastCommandSkipped());
  // The COMMIT was skipped: the transaction is still open, failed, until rolled back.
  EXPECT_FALSE(conn_->Healthy());
  ASSERT_TRUE(conn_->Exec("ROLLBACK"));
  EXPECT_TRUE(conn_->Healthy());
  EXPECT_EQ(CountItems(*conn_), 1);
}

// A statement first prepared while commands are pending is prepared in the same round trip; one
// whose preparation failed is not kept, and a good one is.
TEST_F(PgConnectionTest, StatementsPreparedWhileSendingAreKeptOnlyIfTheyWereMade) {
  ASSERT_TRUE(conn_->Defer("INSERT INTO item (id, n) VALUES ('a', 1)"));
  auto bad = conn_->Prepare("SELECT nope FROM item WHERE id = ?1");
  ASSERT_TRUE(bad);  // its outcome comes with the next command that waits
  ASSERT_TRUE(bad->Bind(1, "a").Send());
  auto failed = conn_->Exec("SELECT 1");
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("nope"), std::string::npos) << failed.error().message;
  EXPECT_TRUE(conn_->Healthy());
  // Not taken from the cache: prepared again, it fails again, now at once.
  auto again = conn_->Prepare("SELECT nope FROM item WHERE id = ?1");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("nope"), std::string::npos);

  ASSERT_TRUE(conn_->Defer("INSERT INTO item (id, n) VALUES ('b', 2)"));
  auto good = conn_->Prepare("SELECT n FROM item WHERE id = ?1");
  ASSERT_TRUE(good);
  good->Bind(1, "b");
  ASSERT_TRUE(*good->Step());
  EXPECT_EQ(good->Int(0), 2);
  auto reused = conn_->Prepare("SELECT n FROM item WHERE id = ?1");  // from the cache
  ASSERT_TRUE(reused);
  reused->Bind(1, "b");
  ASSERT_TRUE(*reused->Step());
  EXPECT_EQ(reused->Int(0), 2);
  // Outside a transaction, what went in one round trip was one implicit transaction: the
  // failure took the first insert with it.
  EXPECT_EQ(CountItems(*conn_), 1);
}

// Operators see which connection is whose in pg_stat_activity; a name in the URL wins.
TEST(PgConnectionOpenTest, ConnectionsAreNamedUnlessTheUrlNamesThem) {
  auto url = testutil::PostgresUrl();
  if (!url) GTEST_SKIP() << "no PostgreSQL for tests (CRONIUM_TEST_POSTGRES is not set)";
  auto name_of = [](PgConnection& conn) {
    auto stmt = conn.Prepare("SELECT current_setting('application_name')");
    EXPECT_TRUE(stmt && stmt->Step());
    return stmt ? stmt->Text(0) : std::string();
  };
  auto plain = PgConnection::Open(*url);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(name_of(**plain), "cronium");
  auto named = PgConnection::Open(*url, "cronium listener a");
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_EQ(name_of(**named), "cronium listener a");
  const std::string own =
      *url + (url->find('?') == std::string::npos ? "?" : "&") + "application_name=mine";
  auto chosen = PgConnection::Open(own, "cronium listener a");
  ASSERT_TRUE(chosen) << chosen.error().message;
  EXPECT_EQ(name_of(**chosen), "mine");
}

TEST(PgConnectionOpenTest, AnUnreachableServerIsUnavailable) {
  auto opened = PgConnection::Open("postgresql://postgres@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(opened.error().message.find("cannot connect to PostgreSQL"), std::string::npos);
}

}  // namespace
}  // namespace cronium::store::postgres
