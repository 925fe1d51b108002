#include "store/postgres/pg_listener.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

#include "store/postgres/pg_db.h"
#include "testutil/postgres.h"

namespace cronium::store::postgres {
namespace {

using std::chrono::milliseconds;

class PgListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testutil::PostgresUrl().value_or("");
    if (url_.empty()) GTEST_SKIP() << "no PostgreSQL for tests (CRONIUM_TEST_POSTGRES is not set)";
    channel_ = "live_" + std::to_string(std::random_device{}());
    auto sender = PgConnection::Open(url_);
    ASSERT_TRUE(sender);
    sender_ = std::move(*sender);
  }

  // Waits (bounded) until `count` notifications arrived.
  // Waits up to `rounds` times 100 ms for `count` notifications.
  std::vector<Notification> Collect(PgListener& listener, size_t count, bool* reconnected,
                                    int rounds = 100) {
    std::vector<Notification> got;
    for (int round = 0; round < rounds && got.size() < count; ++round) {
      auto waited = listener.Wait(milliseconds(100));
      if (!waited) continue;
      if (reconnected != nullptr && waited->reconnected) *reconnected = true;
      got.insert(got.end(), waited->notifications.begin(), waited->notifications.end());
    }
    return got;
  }

  std::string url_, channel_;
  std::unique_ptr<PgConnection> sender_;
};

TEST_F(PgListenerTest, NotificationsOfAnotherConnectionArriveInOrder) {
  PgListener listener(url_);
  ASSERT_TRUE(listener.Listen(channel_));
  ASSERT_TRUE(Notify(*sender_, channel_, "first"));
  ASSERT_TRUE(Notify(*sender_, channel_, std::string(7000, 'x')));
  ASSERT_TRUE(Notify(*sender_, channel_ + "_other", "not for us"));
  const auto got = Collect(listener, 2, nullptr);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].channel, channel_);
  EXPECT_EQ(got[0].payload, "first");
  EXPECT_EQ(got[1].payload.size(), 7000u);
  // Nothing more comes; an empty wait returns after its timeout.
  auto quiet = listener.Wait(milliseconds(20));
  ASSERT_TRUE(quiet);
  EXPECT_TRUE(quiet->notifications.empty());
}

// Many in one round trip, on two channels, in order, text of any kind kept exactly.
TEST_F(PgListenerTest, ABatchArrivesInOrderOnEveryChannel) {
  PgListener listener(url_);
  ASSERT_TRUE(listener.Listen(channel_));
  ASSERT_TRUE(listener.Listen(channel_ + "_b"));
  std::vector<Notification> batch;
  for (int i = 0; i < 200; ++i) {
    batch.push_back({i % 3 == 0 ? channel_ + "_b" : channel_,
                     std::to_string(i) + "\t\"é\\u0000\n" + std::string(i * 30, 'y')});
  }
  ASSERT_TRUE(Notify(*sender_, batch));
  const auto got = Collect(listener, batch.size(), nullptr);
  ASSERT_EQ(got.size(), batch.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].channel, batch[i].channel);
    EXPECT_EQ(got[i].payload, batch[i].payload);
  }
  batch.push_back({channel_, std::string(8000, 'x')});
  EXPECT_FALSE(Notify(*sender_, batch));
  EXPECT_FALSE(Notify(*sender_, {{"bad channel", "x"}}));
}

TEST_F(PgListenerTest, NotificationsInATransactionArriveWhenItCommits) {
  PgListener listener(url_);
  ASSERT_TRUE(listener.Listen(channel_));
  ASSERT_TRUE(sender_->Exec("BEGIN"));
  ASSERT_TRUE(Notify(*sender_, channel_, "in a transaction"));
  auto before = listener.Wait(milliseconds(50));
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->notifications.empty());
  ASSERT_TRUE(sender_->Exec("COMMIT"));
  EXPECT_EQ(Collect(listener, 1, nullptr).size(), 1u);
  ASSERT_TRUE(sender_->Exec("BEGIN"));
  ASSERT_TRUE(Notify(*sender_, channel_, "rolled back"));
  ASSERT_TRUE(sender_->Exec("ROLLBACK"));
  auto after = listener.Wait(milliseconds(50));
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->notifications.empty());
}

TEST_F(PgListenerTest, AListenerWhoseConnectionWasEndedListensAgainAndSaysSo) {
  PgListener listener(url_);
  ASSERT_TRUE(listener.Listen(channel_));
  const int pid = listener.BackendPid();
  ASSERT_GT(pid, 0);
  auto end = sender_->Prepare("SELECT pg_terminate_backend(?1)");
  end->Bind(1, pid);
  ASSERT_TRUE(*end->Step());
  // Send until the new connection has it: what was sent while it was away is lost, and the
  // listener says it reconnected, so a caller knows to read what it may have missed.
  bool reconnected = false;
  std::vector<Notification> got;
  for (int round = 0; round < 200 && got.empty(); ++round) {
    ASSERT_TRUE(Notify(*sender_, channel_, "after"));
    got = Collect(listener, 1, &reconnected, /*rounds=*/3);  // a lost one never comes
  }
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0].payload, "after");
  EXPECT_TRUE(reconnected);
  EXPECT_NE(listener.BackendPid(), pid);
}

TEST_F(PgListenerTest, BadChannelsAndPayloadsAreRefused) {
  PgListener listener(url_);
  EXPECT_EQ(listener.Listen("x; DROP TABLE y").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(listener.Listen("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Notify(*sender_, "a\"b", "x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Notify(*sender_, channel_, std::string(8000, 'x')).error().code,
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cronium::store::postgres
