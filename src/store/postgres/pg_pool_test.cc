#include "store/postgres/pg_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "testutil/postgres.h"

namespace cronium::store::postgres {
namespace {

class PgPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testutil::PostgresUrl().value_or("");
    if (url_.empty()) GTEST_SKIP() << "no PostgreSQL for tests (CRONIUM_TEST_POSTGRES is not set)";
    schema_ = "pool_" + std::to_string(std::random_device{}());
    auto admin = PgConnection::Open(url_);
    ASSERT_TRUE(admin);
    admin_ = std::move(*admin);
    ASSERT_TRUE(admin_->Exec("CREATE SCHEMA " + schema_));
    auto pool = PgPool::Open({.conninfo = url_, .schema = schema_, .size = 4});
    ASSERT_TRUE(pool) << pool.error().message;
    pool_ = std::move(*pool);
  }
  void TearDown() override {
    pool_.reset();
    if (admin_) (void)admin_->Exec("DROP SCHEMA " + schema_ + " CASCADE");
  }

  // Ends the backend of `conn` as an administrator or a failover would, and waits until it is
  // gone, so the next use of `conn` finds it cut.
  void Cut(PgConnection& conn) {
    auto me = conn.Prepare("SELECT pg_backend_pid()");
    ASSERT_TRUE(me);
    ASSERT_TRUE(*me->Step());
    const int64_t pid = me->Int(0);
    auto end = admin_->Prepare("SELECT pg_terminate_backend(?1)");
    end->Bind(1, pid);
    ASSERT_TRUE(*end->Step());
    ASSERT_EQ(end->Int(0), 1);
    for (int round = 0; round < 10000; ++round) {  // bounded: the backend exits at once
      auto alive = admin_->Prepare("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?1");
      alive->Bind(1, pid);
      ASSERT_TRUE(*alive->Step());
      if (alive->Int(0) == 0) return;
    }
    FAIL() << "backend " << pid << " outlived pg_terminate_backend";
  }

  // Runs SQL (a table to work on) on a connection of the pool.
  void Setup(const std::string& sql) {
    auto conn = pool_->Acquire();
    ASSERT_TRUE(conn);
    ASSERT_TRUE((*conn)->Exec(sql));
  }
  // The ids in table t, in order, comma-separated.
  std::string Ids() {
    auto conn = pool_->Acquire();
    auto ids = (*conn)->Prepare("SELECT string_agg(id, ',' ORDER BY id) FROM t");
    if (!ids || !*ids->Step()) return "?";
    return ids->Text(0);
  }

  std::string url_, schema_;
  std::unique_ptr<PgConnection> admin_;
  std::unique_ptr<PgPool> pool_;
};

// Eight threads increment one counter through four connections in serializable transactions
// that read, then write: PostgreSQL refuses the losers of each race, Transact runs them again,
// and no increment is lost.
TEST_F(PgPoolTest, SerializableTransactionsRetryAndLoseNothing) {
  {
    auto conn = pool_->Acquire();
    ASSERT_TRUE(conn);
    ASSERT_TRUE(
        (*conn)->Exec("CREATE TABLE counter (n BIGINT NOT NULL); "
                      "INSERT INTO counter VALUES (0)"));
  }
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::atomic<int> failures{0};
  std::atomic<int> retried{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        auto conn = pool_->Acquire();
        if (!conn) {
          ++failures;
          continue;
        }
        int runs = 0;
        auto done = Transact(
            **conn, Isolation::kSerializable,
            [&]() -> Result<int> {
              ++runs;
              CRONIUM_ASSIGN_OR_RETURN(auto read, (*conn)->Prepare("SELECT n FROM counter"));
              CRONIUM_ASSIGN_OR_RETURN(bool found, read.Step());
              if (!found) return Internal("no counter");
              const int64_t n = read.Int(0);
              CRONIUM_ASSIGN_OR_RETURN(auto write, (*conn)->Prepare("UPDATE counter SET n = ?1"));
              write.Bind(1, n + 1);
              CRONIUM_RETURN_IF_ERROR(write.Run());
              return 1;
            },
            /*attempts=*/1000);
        if (!done) ++failures;
        if (runs > 1) ++retried;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(retried.load(), 0);  // the races happened, and were retried
  auto conn = pool_->Acquire();
  auto total = (*conn)->Prepare("SELECT n FROM counter");
  ASSERT_TRUE(*total->Step());
  EXPECT_EQ(total->Int(0), kThreads * kEach);
}

TEST_F(PgPoolTest, AnErrorInTheTransactionRollsItBackAndIsNotRetried) {
  auto conn = pool_->Acquire();
  ASSERT_TRUE((*conn)->Exec("CREATE TABLE t (id TEXT PRIMARY KEY)"));
  int runs = 0;
  auto failed = Transact(**conn, Isolation::kReadCommitted, [&]() -> Result<int> {
    ++runs;
    CRONIUM_RETURN_IF_ERROR((*conn)->Exec("INSERT INTO t VALUES ('a')"));
    return tl::unexpected(Error{ErrorCode::kInvalidArgument, "changed my mind"});
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "changed my mind");
  EXPECT_EQ(runs, 1);
  auto count = (*conn)->Prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(*count->Step());
  EXPECT_EQ(count->Int(0), 0);
}

TEST_F(PgPoolTest, ConnectionsWhoseBackendWasEndedAreReplaced) {
  int pid = 0;
  {
    auto conn = pool_->Acquire();
    ASSERT_TRUE(conn);
    auto me = (*conn)->Prepare("SELECT pg_backend_pid()");
    ASSERT_TRUE(*me->Step());
    pid = static_cast<int>(me->Int(0));
  }
  // An administrator (or a failover) ends that backend while the connection sits in the pool.
  auto end = admin_->Prepare("SELECT pg_terminate_backend(?1)");
  end->Bind(1, pid);
  ASSERT_TRUE(*end->Step());
  ASSERT_EQ(end->Int(0), 1);
  // The pool replaces the connection when it sees it closed; should the server's goodbye not
  // have arrived yet, that one use fails as unavailable and the next gets a new connection.
  for (int use = 0; use < 2; ++use) {
    auto conn = pool_->Acquire();
    ASSERT_TRUE(conn) << conn.error().message;
    auto me = (*conn)->Prepare("SELECT pg_backend_pid(), current_schema()");
    if (!me) {
      EXPECT_EQ(use, 0) << me.error().message;
      EXPECT_EQ(me.error().code, ErrorCode::kUnavailable) << me.error().message;
      continue;
    }
    ASSERT_TRUE(*me->Step());
    EXPECT_NE(me->Int(0), pid);
    EXPECT_EQ(me->Text(1), schema_);  // the new connection has the schema too
    break;
  }
}

// The server's goodbye can arrive after the pool lent the connection: the work fails on it, and
// Read runs it again on a new connection instead of failing the caller.
TEST_F(PgPoolTest, AReadWhoseConnectionIsCutWhileLentRunsAgainOnANewOne) {
  int runs = 0;
  auto schema = pool_->Read([&](PgConnection& conn) -> Result<std::string> {
    if (++runs == 1) Cut(conn);
    CRONIUM_ASSIGN_OR_RETURN(auto read, conn.Prepare("SELECT current_schema()"));
    CRONIUM_ASSIGN_OR_RETURN(bool found, read.Step());
    if (!found) return Internal("no row");
    return read.Text(0);
  });
  ASSERT_TRUE(schema) << schema.error().message;
  EXPECT_EQ(*schema, schema_);
  EXPECT_EQ(runs, 2);
}

// Cut before COMMIT, the server rolled the transaction back: it runs again, and its writes are
// there exactly once.
TEST_F(PgPoolTest, ATransactionCutBeforeCommitRunsAgainOnANewConnection) {
  Setup("CREATE TABLE t (id TEXT PRIMARY KEY)");
  int runs = 0;
  auto done = pool_->InTransaction(Isolation::kSerializable, [&](PgConnection& conn) -> Status {
    CRONIUM_RETURN_IF_ERROR(conn.Exec("INSERT INTO t VALUES ('a')"));
    if (++runs == 1) Cut(conn);
    return conn.Exec("INSERT INTO t VALUES ('b')");
  });
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(Ids(), "a,b");
}

// A transaction whose writes were all sent without waiting, cut before its COMMIT: the server
// said the first command failed, so the COMMIT did not run, and the transaction runs again.
TEST_F(PgPoolTest, ATransactionOfSentWritesCutBeforeCommitRunsAgain) {
  Setup("CREATE TABLE t (id TEXT PRIMARY KEY)");
  int runs = 0, sent = 0;
  auto done = pool_->InTransaction(Isolation::kSerializable, [&](PgConnection& conn) -> Status {
    for (const char* id : {"a", "b"}) {
      CRONIUM_ASSIGN_OR_RETURN(auto insert, conn.Prepare("INSERT INTO t VALUES (?1)"));
      CRONIUM_RETURN_IF_ERROR(insert.Bind(1, id).Send());
      // Cut after the first insert went (with the BEGIN, in the round trip of Cut's read): the
      // second goes with the COMMIT, to a backend that is gone.
      if (++sent == 1) Cut(conn);
    }
    ++runs;
    return OkStatus();
  });
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(Ids(), "a,b");
}

// A sent write that fails rolls its transaction back, though the COMMIT sent with it was
// skipped (the server left the transaction open, failed, for Transact to roll back).
TEST_F(PgPoolTest, ASentWriteThatFailsRollsItsTransactionBack) {
  Setup("CREATE TABLE t (id TEXT PRIMARY KEY); INSERT INTO t VALUES ('x')");
  auto failed = pool_->InTransaction(Isolation::kReadCommitted, [&](PgConnection& conn) -> Status {
    for (const char* id : {"a", "x", "b"}) {
      CRONIUM_ASSIGN_OR_RETURN(auto insert, conn.Prepare("INSERT INTO t VALUES (?1)"));
      CRONIUM_RETURN_IF_ERROR(insert.Bind(1, id).Send());
    }
    return OkStatus();
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kAlreadyExists) << failed.error().message;
  EXPECT_EQ(Ids(), "x");
}

// Other failures are the caller's: they are returned at once, not run again.
TEST_F(PgPoolTest, FailuresOtherThanACutConnectionAreNotRunAgain) {
  int runs = 0;
  auto failed = pool_->Read([&](PgConnection& conn) -> Status {
    ++runs;
    return conn.Exec("SELECT * FROM no_such_table");
  });
  ASSERT_FALSE(failed);
  EXPECT_EQ(runs, 1);
  runs = 0;
  auto refused = pool_->InTransaction(Isolation::kReadCommitted, [&](PgConnection&) -> Status {
    ++runs;
    return tl::unexpected(Error{ErrorCode::kInvalidArgument, "no"});
  });
  ASSERT_FALSE(refused);
  EXPECT_EQ(runs, 1);
}

TEST(PgPoolOpenTest, NoServerIsUnavailable) {
  auto pool = PgPool::Open({.conninfo = "postgresql://postgres@127.0.0.1:1/x?connect_timeout=2"});
  ASSERT_FALSE(pool);
  EXPECT_EQ(pool.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace cronium::store::postgres
