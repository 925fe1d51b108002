#include "queue/job_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "base/time_format.h"
#include "store/sqlite/sqlite_store.h"
#include "testutil/fake_clock.h"
#include "testutil/temp_dir.h"

namespace cronium::queue {
namespace {

using std::chrono::milliseconds;

class JobQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::sqlite::SqliteStore::Open({.path = dir_.path() + "/c.db"});
    ASSERT_TRUE(opened);
    store_ = std::move(*opened);
    queue_ = std::make_unique<JobQueue>(*store_, clock_);
    event_.id = "evt_1";
    event_.name = "e";
    event_.status = store::EventStatus::kActive;
    event_.timeout_seconds = 12;
    event_.retries = 2;
    event_.created_at = event_.updated_at = clock_.Now();
    ASSERT_TRUE(store_->InsertEvent(event_, {}));
  }

  testutil::TempDir dir_;
  testutil::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<JobQueue> queue_;
  store::EventRecord event_;
};

TEST_F(JobQueueTest, EnqueueCreatesJobAndFirstExecution) {
  auto run = queue_->Enqueue(event_, {.trigger = "API", .input_json = R"({"x":1})"});
  ASSERT_TRUE(run);
  auto job = store_->GetJob(run->job_id);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->status, store::RunStatus::kQueued);
  EXPECT_EQ(job->timeout_ms, 12'000);
  EXPECT_EQ(job->max_attempts, 3);
  EXPECT_EQ(job->trigger, "API");
  EXPECT_EQ(job->input_json, R"({"x":1})");
  auto exec = store_->GetExecution(run->execution_id);
  ASSERT_TRUE(exec);
  EXPECT_EQ(exec->status, store::RunStatus::kQueued);
  EXPECT_EQ(exec->attempt, 1);
  EXPECT_EQ(exec->trigger, "API");
}

TEST_F(JobQueueTest, ArchivedEventsDoNotRun) {
  event_.status = store::EventStatus::kArchived;
  EXPECT_EQ(queue_->Enqueue(event_, {}).error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(JobQueueTest, EnqueueWakesAWaitingWorker) {
  const uint64_t seen = queue_->WorkGeneration();
  auto waiter = std::async(std::launch::async, [&] {
    queue_->WaitForWork(seen, milliseconds(3'600'000));
    return true;
  });
  ASSERT_TRUE(queue_->Enqueue(event_, {}));
  EXPECT_TRUE(waiter.get());
}

TEST_F(JobQueueTest, AWakeBeforeTheWaitIsNotLost) {
  const uint64_t seen = queue_->WorkGeneration();
  queue_->Wake();
  queue_->WaitForWork(seen, milliseconds(3'600'000));  // returns at once
  SUCCEED();
}

TEST_F(JobQueueTest, FinishNotifiesWaiters) {
  auto run = queue_->Enqueue(event_, {});
  ASSERT_TRUE(run);
  std::promise<bool> notified;
  queue_->WhenFinished(run->execution_id, milliseconds(60'000),
                       [&](bool finished) { notified.set_value(finished); });
  auto claimed = queue_->Claim("w1", milliseconds(1000));
  ASSERT_TRUE(claimed && *claimed);
  store::ExecutionRecord done = (*claimed)->execution;
  done.status = store::RunStatus::kSucceeded;
  ASSERT_TRUE(queue_->Finish(done));
  EXPECT_TRUE(notified.get_future().get());
  auto audit = store_->ListAudit({.target_id = run->execution_id});
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].action, "run.end");
  EXPECT_EQ((*audit)[1].action, "run.start");
}

TEST_F(JobQueueTest, CancellingAQueuedJobNotifiesWaiters) {
  auto run = queue_->Enqueue(event_, {});
  ASSERT_TRUE(run);
  std::promise<bool> notified;
  queue_->WhenFinished(run->execution_id, milliseconds(60'000),
                       [&](bool finished) { notified.set_value(finished); });
  auto outcome = queue_->Cancel(run->job_id, "cancelled by user", store::Actor{});
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, store::CancelOutcome::kCancelledWhileQueued);
  EXPECT_TRUE(notified.get_future().get());
}

TEST_F(JobQueueTest, WaitersGiveUpAtTheirDeadline) {
  std::promise<bool> notified;
  queue_->WhenFinished("exe_never", milliseconds(0),
                       [&](bool finished) { notified.set_value(finished); });
  EXPECT_FALSE(notified.get_future().get());
}

TEST_F(JobQueueTest, ShutdownReleasesWaiters) {
  std::promise<bool> notified;
  queue_->WhenFinished("exe_never", milliseconds(3'600'000),
                       [&](bool finished) { notified.set_value(finished); });
  queue_->Shutdown();
  EXPECT_FALSE(notified.get_future().get());
  std::atomic<bool> after{true};
  queue_->WhenFinished("exe_x", milliseconds(1000), [&](bool finished) { after = finished; });
  EXPECT_FALSE(after.load());
}

}  // namespace
}  // namespace cronium::queue
