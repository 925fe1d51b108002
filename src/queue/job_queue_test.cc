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
    auto opened = store::sqlite::OpenStore({.path = dir_.path() + "/c.db"});
    ASSERT_TRUE(opened);
    store_ = std::move(*opened);
    queue_ = std::make_unique<JobQueue>(*store_, clock_,
                                        QueueOptions{.random = [this] { return random_; }});
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
  double random_ = 0.5;

  // Claims the next job and marks it running; fails the test if there is none.
  store::ClaimedJob ClaimAndStart(const std::string& worker = "w1") {
    auto claimed = queue_->Claim(worker, milliseconds(30'000));
    EXPECT_TRUE(claimed && *claimed);
    if (!claimed || !*claimed) return {};
    EXPECT_TRUE(queue_->MarkRunning(**claimed));
    return std::move(**claimed);
  }

  store::ExecutionRecord Ended(const store::ClaimedJob& claimed, store::RunStatus status) {
    store::ExecutionRecord done = claimed.execution;
    done.status = status;
    done.end_reason = std::string(ToString(status));
    done.finished_at = clock_.Now();
    return done;
  }
};

TEST_F(JobQueueTest, EnqueueCreatesJobAndFirstExecution) {
  auto run = queue_->Enqueue(event_, {.trigger = "API", .input_json = R"({"x":1})"});
  ASSERT_TRUE(run);
  auto job = store_->GetJob(run->job_id);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->status, store::RunStatus::kQueued);
  EXPECT_EQ(job->timeout, milliseconds(12'000));
  EXPECT_EQ(job->kind, store::JobKind::kScript);
  EXPECT_EQ(job->priority, store::Priority::kNormal);
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
  auto claimed = ClaimAndStart();
  ASSERT_TRUE(queue_->Finish(claimed.job, Ended(claimed, store::RunStatus::kSucceeded), {}));
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
  auto outcome =
      queue_->Cancel(run->job_id, run->execution_id, "cancelled by user", store::Actor{});
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, store::CancelOutcome::kCancelledWhileQueued);
  EXPECT_TRUE(notified.get_future().get());
}

// What happens here is told to the other nodes; what they tell this node releases its waiters
// without being told back.
TEST_F(JobQueueTest, EndsAndNewWorkAreBroadcastAndRemoteEndsReleaseWaiters) {
  std::vector<std::string> finished;
  int queued = 0;
  queue_->SetBroadcast({.finished = [&](const std::string& id) { finished.push_back(id); },
                        .queued = [&] { ++queued; }});
  auto run = queue_->Enqueue(event_, {});
  ASSERT_TRUE(run);
  EXPECT_EQ(queued, 1);
  auto claimed = ClaimAndStart();
  ASSERT_TRUE(queue_->Finish(claimed.job, Ended(claimed, store::RunStatus::kSucceeded), {}));
  EXPECT_EQ(finished, std::vector<std::string>{run->execution_id});

  std::promise<bool> released;
  queue_->WhenFinished("exe_elsewhere", milliseconds(60'000),
                       [&](bool done) { released.set_value(done); });
  EXPECT_EQ(queue_->WaitedIds(), std::vector<std::string>{"exe_elsewhere"});
  queue_->ReleaseWaiters("exe_elsewhere");
  EXPECT_TRUE(released.get_future().get());
  EXPECT_TRUE(queue_->WaitedIds().empty());
  EXPECT_EQ(finished.size(), 1u);  // not echoed back
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

TEST(RetryDelayTest, DoublesFromTheBaseUpToTheCapWithEqualJitter) {
  const RetryPolicy policy{.base_delay = milliseconds(1'000), .max_delay = milliseconds(10'000)};
  EXPECT_EQ(RetryDelay(policy, 1, 0.0), milliseconds(500));
  EXPECT_EQ(RetryDelay(policy, 1, 0.999), milliseconds(999));
  EXPECT_EQ(RetryDelay(policy, 2, 0.0), milliseconds(1'000));
  EXPECT_EQ(RetryDelay(policy, 3, 1.0), milliseconds(4'000));
  EXPECT_EQ(RetryDelay(policy, 4, 0.0), milliseconds(4'000));
  EXPECT_EQ(RetryDelay(policy, 5, 1.0), milliseconds(10'000));   // capped
  EXPECT_EQ(RetryDelay(policy, 60, 1.0), milliseconds(10'000));  // no overflow
  EXPECT_EQ(RetryDelay({.base_delay = milliseconds(0)}, 3, 0.7), milliseconds(0));
}

TEST_F(JobQueueTest, ClaimsByPriorityThenRunAfterThenAge) {
  auto low = queue_->Enqueue(event_, {.priority = store::Priority::kLow});
  auto normal = queue_->Enqueue(event_, {});
  auto critical = queue_->Enqueue(event_, {.priority = store::Priority::kCritical});
  auto delayed = queue_->Enqueue(
      event_, {.priority = store::Priority::kCritical, .delay = milliseconds(5'000)});
  std::vector<std::string> order;
  for (int n = 0; n < 4; ++n) {
    auto claimed = queue_->Claim("w1", milliseconds(1'000));
    ASSERT_TRUE(claimed);
    if (!*claimed) break;
    order.push_back((*claimed)->job.id);
  }
  EXPECT_EQ(order, (std::vector<std::string>{critical->job_id, normal->job_id, low->job_id}));
  clock_.Advance(milliseconds(5'000));
  auto claimed = queue_->Claim("w1", milliseconds(1'000));
  ASSERT_TRUE(claimed && *claimed);
  EXPECT_EQ((*claimed)->job.id, delayed->job_id);
}

TEST_F(JobQueueTest, FailuresAreRetriedWithBackoffUntilAttemptsRunOut) {
  event_.retry_delay_ms = 1'000;
  event_.retry_max_delay_ms = 3'000;
  random_ = 0.0;                           // the shortest delay: half of the nominal one
  auto run = queue_->Enqueue(event_, {});  // retries = 2: three attempts
  ASSERT_TRUE(run);
  const RetryPolicy policy = RetryPolicyOf(event_);
  std::vector<milliseconds> waits;
  std::string execution_id = run->execution_id;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto claimed = ClaimAndStart();
    EXPECT_EQ(claimed.execution.id, execution_id);
    EXPECT_EQ(claimed.execution.attempt, attempt);
    EXPECT_EQ(claimed.job.attempts, attempt);
    ASSERT_TRUE(queue_->Finish(claimed.job, Ended(claimed, store::RunStatus::kFailed), policy));
    auto job = store_->GetJob(run->job_id);
    if (attempt == 3) {
      EXPECT_EQ(job->status, store::RunStatus::kFailed);
      EXPECT_EQ(job->last_error, "FAILED");
      break;
    }
    EXPECT_EQ(job->status, store::RunStatus::kQueued);
    waits.push_back(std::chrono::duration_cast<milliseconds>(job->run_after - clock_.Now()));
    execution_id = job->current_execution_id;
    // Nothing to claim before the backoff is over.
    auto early = queue_->Claim("w1", milliseconds(1'000));
    ASSERT_TRUE(early);
    EXPECT_FALSE(*early);
    clock_.Advance(waits.back());
  }
  EXPECT_EQ(waits, (std::vector<milliseconds>{milliseconds(500), milliseconds(1'000)}));
  EXPECT_EQ(store_->ListExecutions({.event_id = event_.id})->size(), 3u);
  EXPECT_EQ(store_->GetEvent(event_.id)->failure_count, 3);
}

TEST_F(JobQueueTest, OnlyStatusesThePolicyNamesAreRetried) {
  auto run = queue_->Enqueue(event_, {});
  auto claimed = ClaimAndStart();
  const RetryPolicy only_timeouts{.retry_on = {store::RunStatus::kTimedOut}};
  ASSERT_TRUE(
      queue_->Finish(claimed.job, Ended(claimed, store::RunStatus::kFailed), only_timeouts));
  EXPECT_EQ(store_->GetJob(run->job_id)->status, store::RunStatus::kFailed);

  auto second = queue_->Enqueue(event_, {});
  claimed = ClaimAndStart();
  ASSERT_TRUE(
      queue_->Finish(claimed.job, Ended(claimed, store::RunStatus::kTimedOut), only_timeouts));
  EXPECT_EQ(store_->GetJob(second->job_id)->status, store::RunStatus::kQueued);
}

TEST_F(JobQueueTest, CancelledRunsAreNeverRetried) {
  auto run = queue_->Enqueue(event_, {});
  auto claimed = ClaimAndStart();
  ASSERT_TRUE(queue_->Cancel(run->job_id, run->execution_id, "cancelled by alice", store::Actor{}));
  claimed.job.cancel_reason = "cancelled by alice";
  ASSERT_TRUE(queue_->Finish(claimed.job, Ended(claimed, store::RunStatus::kCancelled), {}));
  EXPECT_EQ(store_->GetJob(run->job_id)->status, store::RunStatus::kCancelled);
}

TEST_F(JobQueueTest, InterruptedAttemptsRunAgainAtOnceWithoutCounting) {
  event_.retries = 0;
  auto run = queue_->Enqueue(event_, {});
  auto claimed = ClaimAndStart();
  ASSERT_TRUE(queue_->Finish(claimed.job, Ended(claimed, store::RunStatus::kLost), {},
                             /*interrupted=*/true));
  auto job = store_->GetJob(run->job_id);
  EXPECT_EQ(job->status, store::RunStatus::kQueued);
  EXPECT_EQ(job->run_after, clock_.Now());
  EXPECT_EQ(job->max_attempts, 2);
  auto again = ClaimAndStart();
  EXPECT_EQ(again.execution.attempt, 2);
  ASSERT_TRUE(queue_->Finish(again.job, Ended(again, store::RunStatus::kSucceeded), {}));
  EXPECT_EQ(store_->GetJob(run->job_id)->status, store::RunStatus::kSucceeded);
}

TEST_F(JobQueueTest, TheReaperRecoversLapsedLeasesAndRetriesThem) {
  event_.retries = 1;
  ASSERT_TRUE(store_->UpdateEvent(event_, {}));
  auto run = queue_->Enqueue(event_, {});
  auto claimed = ClaimAndStart("dead/w0");  // lease: 30 s
  clock_.Advance(milliseconds(29'999));
  auto none = queue_->ReapLapsedLeases("", "lost");
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
  clock_.Advance(milliseconds(1));
  auto reaped = queue_->ReapLapsedLeases("", "lost: lease expired");
  ASSERT_TRUE(reaped);
  EXPECT_EQ(*reaped, 1);
  auto first = store_->GetExecution(run->execution_id);
  EXPECT_EQ(first->status, store::RunStatus::kLost);
  EXPECT_EQ(first->end_reason, "lost: lease expired");
  EXPECT_EQ(first->duration_ms, 30'000);
  auto job = store_->GetJob(run->job_id);
  EXPECT_EQ(job->status, store::RunStatus::kQueued);  // one retry left
  // The dead worker comes back and reports: it no longer owns the job.
  EXPECT_EQ(
      queue_->Finish(claimed.job, Ended(claimed, store::RunStatus::kSucceeded), {}).error().code,
      ErrorCode::kFailedPrecondition);

  // The second attempt's worker dies too: no attempts left, so the job fails as LOST.
  clock_.Advance(milliseconds(60'000));
  ClaimAndStart("node/w1");
  auto own = queue_->ReapLapsedLeases("node/", "the server restarted during the run");
  ASSERT_TRUE(own);
  EXPECT_EQ(*own, 1);  // a restarted node recovers its own leases at once
  job = store_->GetJob(run->job_id);
  EXPECT_EQ(job->status, store::RunStatus::kLost);
  EXPECT_EQ(job->attempts, 2);
  EXPECT_EQ(job->last_error, "the server restarted during the run");
}

TEST_F(JobQueueTest, HeartbeatsKeepLeasesAlive) {
  auto run = queue_->Enqueue(event_, {});
  auto claimed = ClaimAndStart("w1");
  for (int n = 0; n < 5; ++n) {
    clock_.Advance(milliseconds(20'000));
    auto states = queue_->Heartbeat({{run->job_id, "w1"}}, milliseconds(30'000));
    ASSERT_TRUE(states);
    ASSERT_EQ(states->size(), 1u);
    EXPECT_TRUE((*states)[0].held);
    auto reaped = queue_->ReapLapsedLeases("", "lost");
    ASSERT_TRUE(reaped);
    EXPECT_EQ(*reaped, 0);
  }
  EXPECT_EQ(store_->GetJob(run->job_id)->status, store::RunStatus::kRunning);
}

}  // namespace
}  // namespace cronium::queue

namespace cronium::queue {
namespace {

// A job-end hook that refuses the end of one job (as a broken follow-up would).
class RefusingHook final : public store::JobEndHook {
 public:
  explicit RefusingHook(std::string job_id) : job_id_(std::move(job_id)) {}
  Result<store::JobEndEffects> OnJobEnd(const store::JobEnd& end, store::JobEndReads&) override {
    if (end.job.id == job_id_) return Internal("refused");
    return store::JobEndEffects{};
  }
  void Committed(const store::JobEndEffects&) override {}

 private:
  std::string job_id_;
};

TEST_F(JobQueueTest, LeaseRecoveryGoesOnPastAJobItCannotRecover) {
  event_.retries = 0;
  ASSERT_TRUE(store_->UpdateEvent(event_, {}));
  auto first = queue_->Enqueue(event_, {});
  auto second = queue_->Enqueue(event_, {});
  ASSERT_TRUE(first && second);
  ClaimAndStart("node/w1");
  ClaimAndStart("node/w2");
  RefusingHook hook(first->job_id);
  store_->SetJobEndHook(&hook);
  auto recovered = queue_->ReapLapsedLeases("node/", "lost");
  store_->SetJobEndHook(nullptr);
  ASSERT_TRUE(recovered) << recovered.error().message;
  EXPECT_EQ(*recovered, 1);
  EXPECT_EQ(store_->GetJob(first->job_id)->status, store::RunStatus::kRunning);  // left held
  EXPECT_EQ(store_->GetJob(second->job_id)->status, store::RunStatus::kLost);
}

}  // namespace
}  // namespace cronium::queue
