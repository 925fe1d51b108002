#include "store/postgres/pg_leader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

#include "store/postgres/pg_db.h"
#include "testutil/postgres.h"

namespace cronium::store::postgres {
namespace {

class PgLeaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testutil::PostgresUrl().value_or("");
    if (url_.empty()) GTEST_SKIP() << "no PostgreSQL for tests (CRONIUM_TEST_POSTGRES is not set)";
    key_ = static_cast<int64_t>(std::random_device{}()) << 20 | 7;  // tests do not share keys
    auto admin = PgConnection::Open(url_);
    ASSERT_TRUE(admin);
    admin_ = std::move(*admin);
  }

  // Ends a backend as an administrator (or a failover) would.
  void Terminate(int pid) {
    auto end = admin_->Prepare("SELECT pg_terminate_backend(?1)");
    end->Bind(1, pid);
    ASSERT_TRUE(*end->Step());
    ASSERT_EQ(end->Int(0), 1);
  }

  std::string url_;
  int64_t key_ = 0;
  std::unique_ptr<PgConnection> admin_;
};

TEST_F(PgLeaderTest, OneNodeLeadsAtATimeAndAnotherTakesOverWhenItResigns) {
  PgLeaderLock a(url_, key_), b(url_, key_), other(url_, key_ + 1);
  EXPECT_TRUE(*a.TryLead());
  EXPECT_TRUE(*a.TryLead());  // still
  EXPECT_FALSE(*b.TryLead());
  EXPECT_TRUE(*other.TryLead());  // another key, another leadership
  EXPECT_TRUE(a.Verify());
  EXPECT_FALSE(b.Verify());
  a.Resign();
  EXPECT_FALSE(a.Leads());
  EXPECT_TRUE(*b.TryLead());
  EXPECT_TRUE(b.Verify());
  EXPECT_FALSE(*a.TryLead());
}

TEST_F(PgLeaderTest, WhenTheLeadersConnectionIsCutAnotherNodeTakesOver) {
  PgLeaderLock a(url_, key_), b(url_, key_);
  ASSERT_TRUE(*a.TryLead());
  ASSERT_FALSE(*b.TryLead());
  Terminate(a.BackendPid());
  // The server releases the lock as the backend exits: b takes over within a bounded wait.
  bool took_over = false;
  for (int round = 0; round < 5000 && !took_over; ++round) {
    took_over = *b.TryLead();
    if (!took_over) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(took_over);
  EXPECT_TRUE(b.Verify());
  // The old leader learns it lost: asking the server fails on its dead connection.
  EXPECT_FALSE(a.Verify());
  EXPECT_FALSE(a.Leads());
  EXPECT_FALSE(*a.TryLead());  // a new connection, but b holds the lock
}

TEST(PgLeaderOpenTest, NoServerMeansNoLeadership) {
  PgLeaderLock lock("postgresql://postgres@127.0.0.1:1/x?connect_timeout=2", 1);
  auto led = lock.TryLead();
  ASSERT_FALSE(led);
  EXPECT_EQ(led.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(lock.Leads());
}

}  // namespace
}  // namespace cronium::store::postgres
