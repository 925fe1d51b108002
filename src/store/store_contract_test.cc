// The store contract, written once and run against every backend.

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "base/time_format.h"
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "testutil/postgres.h"
#include "testutil/temp_dir.h"

namespace cronium::store {
namespace {

using std::chrono::milliseconds;

struct Backend {
  std::string name;
  // Opens an empty store for the test whose temp dir is `dir` (nullptr: skip the test).
  std::function<std::unique_ptr<Store>(const std::string& dir)> open;
  // Removes what `open` made outside `dir` (may be empty).
  std::function<void(const std::string& dir)> drop;
};

void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    store_ = GetParam().open(dir_.path());
    if (store_ == nullptr) GTEST_SKIP() << GetParam().name << " is not available";
  }
  void TearDown() override {
    store_.reset();
    if (GetParam().drop) GetParam().drop(dir_.path());
  }

  EventRecord MakeEvent(const std::string& name, int64_t created_ms = 1'000) {
    EventRecord e;
    e.id = NewId("evt", FromUnixMillis(created_ms + counter_++));
    e.owner_id = "usr_1";
    e.name = name;
    e.description = "does " + name;
    e.type = EventType::kPython;
    e.content = "print('hi')";
    e.status = EventStatus::kActive;
    e.timeout_seconds = 45;
    e.retries = 2;
    e.priority = Priority::kHigh;
    e.retry_delay_ms = 1'500;
    e.retry_max_delay_ms = 60'000;
    e.retry_on = {RunStatus::kTimedOut, RunStatus::kLost};
    e.env_vars = {{"API_KEY", "v1.sealed"}};
    e.tags = {"nightly", "db"};
    e.shared = true;
    e.created_at = FromUnixMillis(created_ms);
    e.updated_at = FromUnixMillis(created_ms + 5);
    return e;
  }

  // Enqueues a job (and its first execution) for `event_id`; returns the job.
  // A job of the event, due at `now`, with its first execution.
  static std::pair<JobRecord, ExecutionRecord> NewJobFor(const std::string& event_id,
                                                         TimePoint now) {
    JobRecord job;
    job.id = NewId("job", now);
    job.event_id = event_id;
    job.created_at = job.updated_at = job.run_after = now;
    ExecutionRecord exec;
    exec.id = NewId("exe", now);
    exec.job_id = job.id;
    exec.event_id = event_id;
    exec.created_at = now;
    job.current_execution_id = exec.id;
    return {job, exec};
  }

  // An event of `owner`, stored.
  EventRecord OwnedEvent(const std::string& name, const std::string& owner, bool shared) {
    EventRecord event = MakeEvent(name);
    event.owner_id = owner;
    event.shared = shared;
    EXPECT_TRUE(store_->InsertEvent(event, {}));
    return event;
  }

  JobRecord Enqueue(const std::string& event_id, int priority = 1, int64_t run_after_ms = 0) {
    auto [job, exec] = NewJobFor(event_id, FromUnixMillis(10'000 + counter_++));
    job.priority = static_cast<Priority>(priority);
    job.run_after = FromUnixMillis(run_after_ms);
    job.input_json = R"({"a":1})";
    exec.trigger = "MANUAL";
    EXPECT_TRUE(store_->EnqueueJob(job, exec, {}));
    return job;
  }

  testutil::TempDir dir_;
  std::unique_ptr<Store> store_;
  int counter_ = 0;
};

TEST_P(StoreContractTest, EventRoundTrip) {
  EventRecord event = MakeEvent("backup");
  event.http_request_json = R"({"url":"http://x"})";
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  auto loaded = store_->GetEvent(event.id);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->name, "backup");
  EXPECT_EQ(loaded->description, "does backup");
  EXPECT_EQ(loaded->type, EventType::kPython);
  EXPECT_EQ(loaded->content, "print('hi')");
  EXPECT_EQ(loaded->status, EventStatus::kActive);
  EXPECT_EQ(loaded->timeout_seconds, 45);
  EXPECT_EQ(loaded->retries, 2);
  EXPECT_EQ(loaded->priority, Priority::kHigh);
  EXPECT_EQ(loaded->retry_delay_ms, 1'500);
  EXPECT_EQ(loaded->retry_max_delay_ms, 60'000);
  EXPECT_EQ(loaded->retry_on, (std::vector<RunStatus>{RunStatus::kTimedOut, RunStatus::kLost}));
  EXPECT_EQ(loaded->success_count, 0);
  EXPECT_FALSE(loaded->last_run_at);
  EXPECT_EQ(loaded->env_vars, event.env_vars);
  EXPECT_EQ(loaded->tags, event.tags);
  EXPECT_TRUE(loaded->shared);
  EXPECT_EQ(loaded->http_request_json, event.http_request_json);
  EXPECT_EQ(loaded->created_at, event.created_at);
  EXPECT_EQ(loaded->updated_at, event.updated_at);
}

TEST_P(StoreContractTest, UnknownEventIsNotFound) {
  EXPECT_EQ(store_->GetEvent("evt_nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteEvent("evt_nope", {}).error().code, ErrorCode::kNotFound);
  EventRecord ghost = MakeEvent("ghost");
  EXPECT_EQ(store_->UpdateEvent(ghost, {}).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, DuplicateEventIdIsAlreadyExists) {
  EventRecord event = MakeEvent("a");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  EXPECT_EQ(store_->InsertEvent(event, {}).error().code, ErrorCode::kAlreadyExists);
}

TEST_P(StoreContractTest, UpdateReplacesFields) {
  EventRecord event = MakeEvent("a");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  event.name = "b";
  event.tags = {};
  event.env_vars = {};
  event.status = EventStatus::kPaused;
  ASSERT_TRUE(store_->UpdateEvent(event, {}));
  auto loaded = store_->GetEvent(event.id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->name, "b");
  EXPECT_TRUE(loaded->tags.empty());
  EXPECT_TRUE(loaded->env_vars.empty());
  EXPECT_EQ(loaded->status, EventStatus::kPaused);
}

TEST_P(StoreContractTest, ListIsNewestFirstAndPages) {
  std::vector<std::string> ids;
  for (int n = 0; n < 5; ++n) {
    EventRecord e = MakeEvent("e" + std::to_string(n), 1'000 * (n + 1));
    ids.push_back(e.id);
    ASSERT_TRUE(store_->InsertEvent(e, {}));
  }
  auto page1 = store_->ListEvents({.limit = 2});
  ASSERT_TRUE(page1);
  ASSERT_EQ(page1->size(), 2u);
  EXPECT_EQ((*page1)[0].id, ids[4]);
  EXPECT_EQ((*page1)[1].id, ids[3]);
  auto page2 = store_->ListEvents({.before_id = (*page1)[1].id, .limit = 10});
  ASSERT_TRUE(page2);
  ASSERT_EQ(page2->size(), 3u);
  EXPECT_EQ((*page2)[0].id, ids[2]);
  EXPECT_EQ((*page2)[2].id, ids[0]);
}

TEST_P(StoreContractTest, ListFilters) {
  EventRecord a = MakeEvent("Nightly backup");
  a.tags = {"ops"};
  EventRecord b = MakeEvent("report 100%");
  b.type = EventType::kBash;
  b.status = EventStatus::kPaused;
  b.tags = {"reports", "ops"};
  ASSERT_TRUE(store_->InsertEvent(a, {}));
  ASSERT_TRUE(store_->InsertEvent(b, {}));

  auto by_status = store_->ListEvents({.status = EventStatus::kPaused});
  ASSERT_EQ(by_status->size(), 1u);
  EXPECT_EQ((*by_status)[0].id, b.id);
  auto by_type = store_->ListEvents({.type = EventType::kPython});
  ASSERT_EQ(by_type->size(), 1u);
  EXPECT_EQ((*by_type)[0].id, a.id);
  auto by_search = store_->ListEvents({.search = "BACKUP"});
  ASSERT_EQ(by_search->size(), 1u);
  EXPECT_EQ((*by_search)[0].id, a.id);
  // '%' is matched literally, not as a wildcard.
  EXPECT_EQ(store_->ListEvents({.search = "0%"})->size(), 1u);
  EXPECT_EQ(store_->ListEvents({.search = "%"})->size(), 1u);
  EXPECT_EQ(store_->ListEvents({.tag = "ops"})->size(), 2u);
  EXPECT_EQ(store_->ListEvents({.tag = "reports"})->size(), 1u);
  EXPECT_EQ(store_->ListEvents({.tag = "rep"})->size(), 0u);
}

TEST_P(StoreContractTest, ClaimTakesPriorityThenAgeAndHonoursRunAfter) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  JobRecord low = Enqueue(event.id, 0);
  JobRecord high = Enqueue(event.id, 2);
  JobRecord later = Enqueue(event.id, 3, /*run_after_ms=*/50'000);
  JobRecord normal = Enqueue(event.id, 1);
  const TimePoint now = FromUnixMillis(20'000);
  std::vector<std::string> order;
  for (int n = 0; n < 4; ++n) {
    auto claimed = store_->ClaimNextJob("w1", now, now + milliseconds(1000));
    ASSERT_TRUE(claimed);
    if (!*claimed) break;
    order.push_back((*claimed)->job.id);
  }
  EXPECT_EQ(order, (std::vector<std::string>{high.id, normal.id, low.id}));
  auto claimed = store_->ClaimNextJob("w1", FromUnixMillis(60'000), FromUnixMillis(61'000));
  ASSERT_TRUE(claimed && *claimed);
  EXPECT_EQ((*claimed)->job.id, later.id);
}

TEST_P(StoreContractTest, ClaimLeasesTheJobAndMarkRunningStartsIt) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  JobRecord job = Enqueue(event.id);
  const TimePoint now = FromUnixMillis(20'000);
  auto claimed = store_->ClaimNextJob("w1", now, now + milliseconds(30'000));
  ASSERT_TRUE(claimed && *claimed);
  const ClaimedJob& c = **claimed;
  EXPECT_EQ(c.job.status, RunStatus::kLeased);
  EXPECT_EQ(c.job.attempts, 1);
  EXPECT_EQ(c.job.lease_owner, "w1");
  EXPECT_EQ(c.job.lease_expires_at, now + milliseconds(30'000));
  EXPECT_EQ(c.job.input_json, R"({"a":1})");
  EXPECT_EQ(c.execution.id, job.current_execution_id);
  EXPECT_EQ(c.execution.status, RunStatus::kQueued);
  EXPECT_EQ(c.execution.worker_id, "w1");
  EXPECT_EQ(store_->GetJob(job.id)->status, RunStatus::kLeased);
  auto again = store_->ClaimNextJob("w2", now, now);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);

  // Only the lease holder may start it.
  EXPECT_EQ(store_->MarkRunning(job.id, c.execution.id, "w2", now).error().code,
            ErrorCode::kFailedPrecondition);
  auto started = store_->MarkRunning(job.id, c.execution.id, "w1", now + milliseconds(5));
  ASSERT_TRUE(started);
  EXPECT_EQ(*started, "");
  EXPECT_EQ(store_->GetJob(job.id)->status, RunStatus::kRunning);
  auto exec = store_->GetExecution(c.execution.id);
  EXPECT_EQ(exec->status, RunStatus::kRunning);
  EXPECT_EQ(exec->started_at, now + milliseconds(5));
  EXPECT_EQ(store_->MarkRunning(job.id, c.execution.id, "w1", now).error().code,
            ErrorCode::kFailedPrecondition);
}

TEST_P(StoreContractTest, MarkRunningReportsACancelRequestedDuringTheLease) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  JobRecord job = Enqueue(event.id);
  const TimePoint now = FromUnixMillis(20'000);
  auto claimed = store_->ClaimNextJob("w1", now, now + milliseconds(30'000));
  ASSERT_TRUE(claimed && *claimed);
  auto cancel = store_->CancelJob(job.id, "cancelled by alice", now, {});
  ASSERT_TRUE(cancel);
  EXPECT_EQ(*cancel, CancelOutcome::kCancelRequested);
  auto started = store_->MarkRunning(job.id, job.current_execution_id, "w1", now);
  ASSERT_TRUE(started);
  EXPECT_EQ(*started, "cancelled by alice");
}

TEST_P(StoreContractTest, HeartbeatsExtendOnlyLeasesStillHeld) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  JobRecord a = Enqueue(event.id);
  JobRecord b = Enqueue(event.id);
  const TimePoint now = FromUnixMillis(20'000);
  ASSERT_TRUE(store_->ClaimNextJob("w1", now, now + milliseconds(1'000)));
  ASSERT_TRUE(store_->ClaimNextJob("w2", now, now + milliseconds(1'000)));
  ASSERT_TRUE(store_->CancelJob(b.id, "stop it", now, {}));
  auto states = store_->ExtendLeases({{a.id, "w1"}, {b.id, "w2"}, {a.id, "w9"}},
                                     now + milliseconds(60'000), now);
  ASSERT_TRUE(states);
  ASSERT_EQ(states->size(), 3u);
  EXPECT_TRUE((*states)[0].held);
  EXPECT_EQ((*states)[0].cancel_reason, "");
  EXPECT_TRUE((*states)[1].held);
  EXPECT_EQ((*states)[1].cancel_reason, "stop it");
  EXPECT_FALSE((*states)[2].held);  // someone else's lease
  EXPECT_EQ(store_->GetJob(a.id)->lease_expires_at, now + milliseconds(60'000));

  // Both leases now end at 80 s (b's too: a cancel was requested, but it is still held).
  auto lapsed = store_->ListLapsedLeases(FromUnixMillis(90'000), "", 10);
  ASSERT_TRUE(lapsed);
  EXPECT_EQ(lapsed->size(), 2u);
  lapsed = store_->ListLapsedLeases(FromUnixMillis(30'000), "", 10);
  ASSERT_TRUE(lapsed);
  ASSERT_EQ(lapsed->size(), 0u);
  lapsed = store_->ListLapsedLeases(FromUnixMillis(30'000), "w1", 10);
  ASSERT_TRUE(lapsed);
  ASSERT_EQ(lapsed->size(), 1u);  // a restarted node's own leases lapse at once
  EXPECT_EQ((*lapsed)[0].id, a.id);
}

TEST_P(StoreContractTest, ARetryQueuesTheNextAttemptAndCountersFollowEveryAttempt) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  JobRecord job = Enqueue(event.id);
  const TimePoint now = FromUnixMillis(20'000);
  auto claimed = store_->ClaimNextJob("w1", now, now + milliseconds(30'000));
  ASSERT_TRUE(claimed && *claimed);
  ExecutionRecord failed = (*claimed)->execution;
  failed.status = RunStatus::kFailed;
  failed.end_reason = "exited with code 1";
  failed.finished_at = now + milliseconds(10);
  RetryPlan plan;
  plan.run_after = now + milliseconds(5'000);
  plan.next_execution = {.id = NewId("exe", now + milliseconds(10)),
                         .job_id = job.id,
                         .event_id = event.id,
                         .attempt = 2,
                         .status = RunStatus::kQueued,
                         .created_at = now};
  ASSERT_TRUE(store_->FinishExecution(failed, now + milliseconds(10), plan, {}));
  auto after = store_->GetJob(job.id);
  EXPECT_EQ(after->status, RunStatus::kQueued);
  EXPECT_EQ(after->current_execution_id, plan.next_execution.id);
  EXPECT_EQ(after->last_error, "exited with code 1");
  EXPECT_EQ(after->lease_owner, "");
  EXPECT_FALSE(after->finished_at);
  EXPECT_EQ(store_->GetExecution(failed.id)->status, RunStatus::kFailed);
  EXPECT_EQ(store_->GetExecution(plan.next_execution.id)->attempt, 2);
  // Not before run_after.
  auto early = store_->ClaimNextJob("w1", now + milliseconds(4'999), now + milliseconds(60'000));
  ASSERT_TRUE(early);
  EXPECT_FALSE(*early);
  auto second = store_->ClaimNextJob("w1", now + milliseconds(5'000), now + milliseconds(60'000));
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->job.attempts, 2);
  EXPECT_EQ((*second)->execution.id, plan.next_execution.id);
  // The old execution can no longer finish the job.
  EXPECT_EQ(store_->FinishExecution(failed, now, std::nullopt, {}).error().code,
            ErrorCode::kFailedPrecondition);
  ExecutionRecord ok = (*second)->execution;
  ok.status = RunStatus::kSucceeded;
  ok.finished_at = now + milliseconds(6'000);
  ASSERT_TRUE(store_->FinishExecution(ok, now + milliseconds(6'000), std::nullopt, {}));
  EXPECT_EQ(store_->GetJob(job.id)->status, RunStatus::kSucceeded);
  auto counted = store_->GetEvent(event.id);
  EXPECT_EQ(counted->success_count, 1);
  EXPECT_EQ(counted->failure_count, 1);
  EXPECT_EQ(counted->last_run_at, now + milliseconds(6'000));
  auto counts = store_->CountJobs();
  ASSERT_TRUE(counts);
  EXPECT_EQ(*counts, (std::vector<std::pair<RunStatus, int64_t>>{{RunStatus::kSucceeded, 1}}));
}

TEST_P(StoreContractTest, FinishAndClaimNextTakesTheNextJobInTheSameTransaction) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  JobRecord first = Enqueue(event.id);
  JobRecord second = Enqueue(event.id);
  const TimePoint now = FromUnixMillis(20'000);
  auto claimed = store_->ClaimNextJob("w1", now, now + milliseconds(30'000));
  ASSERT_TRUE(claimed && *claimed);
  ASSERT_TRUE(store_->MarkRunning(first.id, first.current_execution_id, "w1", now));
  ExecutionRecord done = (*claimed)->execution;
  done.status = RunStatus::kSucceeded;
  // A finish that does not apply claims nothing.
  ExecutionRecord stale = done;
  stale.id = "exe_stale";
  EXPECT_EQ(store_->FinishAndClaimNext(stale, now, std::nullopt, {}, "w1", now).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->GetJob(second.id)->status, RunStatus::kQueued);
  auto next =
      store_->FinishAndClaimNext(done, now, std::nullopt, {}, "w1", now + milliseconds(30'000));
  ASSERT_TRUE(next && *next);
  EXPECT_EQ((*next)->job.id, second.id);
  EXPECT_EQ((*next)->job.status, RunStatus::kRunning);  // started at once: no MarkRunning
  EXPECT_EQ((*next)->execution.status, RunStatus::kRunning);
  EXPECT_EQ((*next)->execution.started_at, now);
  EXPECT_EQ((*next)->execution.worker_id, "w1");
  EXPECT_EQ(store_->GetJob(second.id)->status, RunStatus::kRunning);
  EXPECT_EQ(store_->GetJob(first.id)->status, RunStatus::kSucceeded);
  ExecutionRecord last = (*next)->execution;
  last.status = RunStatus::kFailed;
  auto none = store_->FinishAndClaimNext(last, now, std::nullopt, {}, "w1", now);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  EXPECT_EQ(store_->GetJob(second.id)->status, RunStatus::kFailed);
}

TEST_P(StoreContractTest, PerEventConcurrencyLimitHoldsBackClaims) {
  EventRecord event = MakeEvent("e");
  event.max_concurrent = 2;
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  EventRecord other = MakeEvent("other");
  ASSERT_TRUE(store_->InsertEvent(other, {}));
  for (int n = 0; n < 3; ++n) Enqueue(event.id, 2);
  JobRecord free_job = Enqueue(other.id, 0);
  const TimePoint now = FromUnixMillis(20'000);
  std::vector<std::string> events;
  for (int n = 0; n < 4; ++n) {
    auto claimed = store_->ClaimNextJob("w", now, now + milliseconds(1'000));
    ASSERT_TRUE(claimed);
    if (!*claimed) break;
    events.push_back((*claimed)->job.event_id);
  }
  // Two of the limited event, then the low-priority job of the other; the third waits.
  EXPECT_EQ(events, (std::vector<std::string>{event.id, event.id, other.id}));
  EXPECT_EQ(store_->GetEvent(event.id)->max_concurrent, 2);
}

TEST_P(StoreContractTest, PruneJobsKeepsRecentWebhookJobsBeyondTheNewestPerEvent) {
  EventRecord event = MakeEvent("hooked");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  std::vector<std::string> ids;
  for (int n = 0; n < 3; ++n) {
    auto [job, exec] = NewJobFor(event.id, FromUnixMillis(10'000 + n));
    job.trigger = "WEBHOOK";
    job.unique_key = "webhook:whk_1:" + std::to_string(n);
    ASSERT_TRUE(store_->EnqueueJob(job, exec, {}));
    ASSERT_TRUE(store_->CancelJob(job.id, "x", FromUnixMillis(20'000 + n * 1'000), {}));
    ids.push_back(job.id);
  }
  // Beyond the newest one, only those that finished before keep_since go.
  EXPECT_EQ(*store_->PruneJobs(FromUnixMillis(0), 1, 100, FromUnixMillis(20'500)), 1);
  EXPECT_EQ(store_->GetJob(ids[0]).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->GetJob(ids[1]));
  EXPECT_EQ(*store_->PruneJobs(FromUnixMillis(0), 1, 100, FromUnixMillis(30'000)), 1);
  EXPECT_TRUE(store_->GetJob(ids[2]));
}

// A batch larger than one write deletes (500 jobs), and than one delete statement takes (100
// ids): every write and every chunk is deleted, the last chunk padded with its own first id.
TEST_P(StoreContractTest, PruneJobsDeletesWholeBatches) {
  EventRecord event = MakeEvent("busy");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  std::vector<std::string> ids;
  const int total = Store::kPruneWriteJobs + 250;
  for (int n = 0; n < total; ++n) {
    auto [job, exec] = NewJobFor(event.id, FromUnixMillis(10'000 + n));
    job.status = exec.status = RunStatus::kSucceeded;
    job.finished_at = exec.finished_at = FromUnixMillis(10'000 + n);
    ASSERT_TRUE(store_->EnqueueJob(job, exec, {}));
    ids.push_back(job.id);
  }
  auto pruned = store_->PruneJobs(FromUnixMillis(0), 10, 5'000, FromUnixMillis(0));
  ASSERT_TRUE(pruned) << pruned.error().message;
  EXPECT_EQ(*pruned, total - 10);
  EXPECT_EQ(*store_->PruneJobs(FromUnixMillis(0), 10, 5'000, FromUnixMillis(0)), 0);
  EXPECT_EQ(store_->GetJob(ids[total - 11]).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->GetJob(ids[total - 10]));  // the newest ten stay
  EXPECT_EQ(store_->ListExecutions({.event_id = event.id, .limit = 100})->size(), 10u);
}

TEST_P(StoreContractTest, PruneJobsKeepsRecentAndTheNewestPerEvent) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  std::vector<JobRecord> jobs;
  for (int n = 0; n < 5; ++n) {
    jobs.push_back(Enqueue(event.id));
    ASSERT_TRUE(store_->CancelJob(jobs.back().id, "x", FromUnixMillis(20'000 + n * 1'000), {}));
  }
  JobRecord open = Enqueue(event.id);
  // Older than 21.5 s: the first two.
  auto pruned = store_->PruneJobs(FromUnixMillis(21'500), 0, 100, FromUnixMillis(0));
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, 2);
  EXPECT_EQ(store_->GetJob(jobs[0].id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetExecution(jobs[0].current_execution_id).error().code, ErrorCode::kNotFound);
  // Keep the newest two finished ones, in batches of one.
  int total = 0;
  for (;;) {
    auto batch = store_->PruneJobs(FromUnixMillis(0), 2, 1, FromUnixMillis(1'000'000));
    ASSERT_TRUE(batch);
    if (*batch == 0) break;
    EXPECT_EQ(*batch, 1);
    total += *batch;
  }
  EXPECT_EQ(total, 1);
  EXPECT_TRUE(store_->GetJob(jobs[3].id));
  EXPECT_TRUE(store_->GetJob(jobs[4].id));
  EXPECT_TRUE(store_->GetJob(open.id));  // unfinished jobs are never pruned
}

TEST_P(StoreContractTest, EnqueueForUnknownEventIsNotFound) {
  JobRecord job;
  job.id = "job_x";
  job.event_id = "evt_missing";
  ExecutionRecord exec;
  exec.id = "exe_x";
  exec.job_id = job.id;
  exec.event_id = job.event_id;
  EXPECT_EQ(store_->EnqueueJob(job, exec, {}).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, FinishRecordsResultOnce) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  Enqueue(event.id);
  auto claimed = store_->ClaimNextJob("w1", FromUnixMillis(20'000), FromUnixMillis(50'000));
  ASSERT_TRUE(claimed && *claimed);
  ExecutionRecord done = (*claimed)->execution;
  done.status = RunStatus::kFailed;
  done.exit_code = 3;
  done.stdout_text = "out ✓";
  done.stderr_text = "err";
  done.stdout_truncated = true;
  done.end_reason = "exited with code 3";
  done.isolation = "process";
  done.finished_at = FromUnixMillis(20'500);
  done.duration_ms = 500;
  ASSERT_TRUE(store_->FinishExecution(done, FromUnixMillis(20'500), std::nullopt, {}));
  auto loaded = store_->GetExecution(done.id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->status, RunStatus::kFailed);
  EXPECT_EQ(loaded->exit_code, 3);
  EXPECT_FALSE(loaded->signal);
  EXPECT_EQ(loaded->stdout_text, "out ✓");
  EXPECT_TRUE(loaded->stdout_truncated);
  EXPECT_FALSE(loaded->stderr_truncated);
  EXPECT_EQ(loaded->end_reason, "exited with code 3");
  EXPECT_EQ(loaded->duration_ms, 500);
  auto job = store_->GetJob(done.job_id);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->status, RunStatus::kFailed);
  EXPECT_EQ(job->finished_at, FromUnixMillis(20'500));
  done.status = RunStatus::kSucceeded;
  EXPECT_EQ(store_->FinishExecution(done, FromUnixMillis(21'000), std::nullopt, {}).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->GetExecution(done.id)->status, RunStatus::kFailed);
}

TEST_P(StoreContractTest, CancelQueuedRunningAndFinished) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  JobRecord queued = Enqueue(event.id, 0);
  JobRecord running = Enqueue(event.id, 3);
  auto claimed = store_->ClaimNextJob("w1", FromUnixMillis(20'000), FromUnixMillis(50'000));
  ASSERT_TRUE(claimed && *claimed);
  ASSERT_EQ((*claimed)->job.id, running.id);

  auto first = store_->CancelJob(queued.id, "cancelled by user", FromUnixMillis(21'000), {});
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, CancelOutcome::kCancelledWhileQueued);
  EXPECT_EQ(store_->GetJob(queued.id)->status, RunStatus::kCancelled);
  auto exec = store_->GetExecution(queued.current_execution_id);
  EXPECT_EQ(exec->status, RunStatus::kCancelled);
  EXPECT_EQ(exec->end_reason, "cancelled by user");

  auto second = store_->CancelJob(running.id, "stop", FromUnixMillis(21'000), {});
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, CancelOutcome::kCancelRequested);
  EXPECT_EQ(store_->GetJob(running.id)->cancel_reason, "stop");
  EXPECT_EQ(store_->GetJob(running.id)->status, RunStatus::kLeased);

  EXPECT_EQ(store_->CancelJob(queued.id, "again", FromUnixMillis(22'000), {}).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->CancelJob("job_nope", "x", FromUnixMillis(22'000), {}).error().code,
            ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, DeletingAnEventDeletesItsHistory) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  JobRecord job = Enqueue(event.id);
  ASSERT_TRUE(store_->DeleteEvent(event.id, {}));
  EXPECT_EQ(store_->GetJob(job.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetExecution(job.current_execution_id).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, ListExecutionsByEventNewestFirst) {
  EventRecord a = MakeEvent("a");
  EventRecord b = MakeEvent("b");
  ASSERT_TRUE(store_->InsertEvent(a, {}));
  ASSERT_TRUE(store_->InsertEvent(b, {}));
  JobRecord a1 = Enqueue(a.id);
  Enqueue(b.id);
  JobRecord a2 = Enqueue(a.id);
  auto list = store_->ListExecutions({.event_id = a.id});
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, a2.current_execution_id);
  EXPECT_EQ((*list)[1].id, a1.current_execution_id);
  auto page = store_->ListExecutions({.event_id = a.id, .before_id = a2.current_execution_id});
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ(store_->ListExecutions({.statuses = {RunStatus::kQueued}})->size(), 3u);
}

TEST_P(StoreContractTest, ConcurrentClaimsNeverDuplicate) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  constexpr int kJobs = 200;
  for (int n = 0; n < kJobs; ++n) Enqueue(event.id);
  std::mutex mutex;
  std::multiset<std::string> claimed_ids;
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      for (;;) {
        auto claimed = store_->ClaimNextJob("w" + std::to_string(w), FromUnixMillis(99'000),
                                            FromUnixMillis(199'000));
        if (!claimed || !*claimed) return;
        std::lock_guard lock(mutex);
        claimed_ids.insert((*claimed)->job.id);
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(claimed_ids.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(claimed_ids.begin(), claimed_ids.end()).size(),
            static_cast<size_t>(kJobs));
}

TEST_P(StoreContractTest, ConcurrentClaimsKeepTheEventsLimits) {
  // Claims from many workers at once (on PostgreSQL, each its own transaction on its own
  // connection) never take an event past max_concurrent, nor a serialized event past one.
  EventRecord limited = MakeEvent("limited");
  limited.max_concurrent = 2;
  ASSERT_TRUE(store_->InsertEvent(limited, {}));
  EventRecord serial = MakeEvent("serial");
  ASSERT_TRUE(store_->InsertEvent(serial, {}));
  for (int n = 0; n < 10; ++n) {
    Enqueue(limited.id);
    auto [job, exec] = NewJobFor(serial.id, FromUnixMillis(10'000 + counter_++));
    job.serialize = true;
    job.run_after = FromUnixMillis(0);
    ASSERT_TRUE(store_->EnqueueJob(job, exec, {}));
  }
  constexpr int kWorkers = 8;
  std::latch start(kWorkers);
  std::mutex mutex;
  std::multiset<std::string> claimed_events;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      start.arrive_and_wait();
      for (int attempt = 0; attempt < 3; ++attempt) {
        auto claimed = store_->ClaimNextJob("w" + std::to_string(w), FromUnixMillis(99'000),
                                            FromUnixMillis(199'000));
        ASSERT_TRUE(claimed) << claimed.error().message;
        if (!*claimed) continue;
        std::lock_guard lock(mutex);
        claimed_events.insert((*claimed)->job.event_id);
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(claimed_events.count(limited.id), 2u);
  EXPECT_EQ(claimed_events.count(serial.id), 1u);
}

// Ends each node it is told of, and ends the run when every other node had ended.
class JoinHook final : public JobEndHook {
 public:
  Result<JobEndEffects> OnJobEnd(const JobEnd& end, JobEndReads& /*reads*/) override {
    JobEndEffects effects;
    if (end.run == nullptr) return effects;
    bool others_ended = true;
    for (const WorkflowNodeRun& node : end.run->nodes) {
      if (node.node_id == end.job.workflow_node_id) {
        WorkflowNodeRun ended = node;
        ended.state = NodeRunState::kSucceeded;
        ended.finished_at = end.now;
        effects.nodes.push_back(ended);
      } else if (node.state != NodeRunState::kSucceeded) {
        others_ended = false;
      }
    }
    if (others_ended) {
      WorkflowRunRecord run = *end.run;
      run.status = RunStatus::kSucceeded;
      run.finished_at = end.now;
      effects.run = run;
    }
    return effects;
  }
  void Committed(const JobEndEffects& effects) override { runs_ended += effects.run ? 1 : 0; }

  std::atomic<int> runs_ended{0};
};

TEST_P(StoreContractTest, NodesOfOneRunEndingAtOnceSeeEachOther) {
  // Two nodes of a run end on two workers at once: the second to commit must see the first's
  // end, or the run would never end (on PostgreSQL, the run's row lock orders them).
  // (Two events: ends of one event's jobs queue behind each other on its counters.)
  EventRecord a = MakeEvent("a");
  ASSERT_TRUE(store_->InsertEvent(a, {}));
  EventRecord b = MakeEvent("b");
  ASSERT_TRUE(store_->InsertEvent(b, {}));
  WorkflowRecord w;
  w.id = NewId("wfl", FromUnixMillis(3'000));
  w.owner_id = "usr_1";
  w.name = "join";
  w.nodes = {{.id = "n1", .event_id = a.id}, {.id = "n2", .event_id = b.id}};
  ASSERT_TRUE(store_->InsertWorkflow(w, {}));
  JoinHook hook;
  store_->SetJobEndHook(&hook);
  constexpr int kRuns = 20;
  const TimePoint now = FromUnixMillis(30'000);
  std::vector<std::string> run_ids;
  for (int r = 0; r < kRuns; ++r) {
    WorkflowRunRecord run;
    run.id = NewId("wfr", now);
    run.workflow_id = w.id;
    run.owner_id = "usr_1";
    run.graph_json = "{}";
    run.created_at = now;
    std::vector<std::pair<JobRecord, ExecutionRecord>> jobs;
    for (const char* node : {"n1", "n2"}) {
      const std::string& event_id = node == std::string_view("n1") ? a.id : b.id;
      auto [job, exec] = NewJobFor(event_id, FromUnixMillis(10'000 + counter_++));
      job.run_after = FromUnixMillis(0);
      job.workflow_run_id = run.id;
      job.workflow_node_id = node;
      run.nodes.push_back({.node_id = node,
                           .event_id = event_id,
                           .state = NodeRunState::kRunning,
                           .job_id = job.id,
                           .execution_id = exec.id,
                           .started_at = now});
      jobs.emplace_back(job, exec);
    }
    ASSERT_TRUE(store_->StartWorkflowRun(run, jobs, {}));
    run_ids.push_back(run.id);
  }
  // Claim every job, then end the n1s on one thread and the n2s on another.
  std::vector<ExecutionRecord> by_node[2];
  for (int n = 0; n < 2 * kRuns; ++n) {
    auto claimed = store_->ClaimNextJob("w", now, now + std::chrono::minutes(5));
    ASSERT_TRUE(claimed && *claimed);
    ExecutionRecord ended = (*claimed)->execution;
    ended.status = RunStatus::kSucceeded;
    ended.finished_at = now;
    by_node[(*claimed)->job.workflow_node_id == "n1" ? 0 : 1].push_back(ended);
  }
  ASSERT_EQ(by_node[0].size(), static_cast<size_t>(kRuns));
  // Runs in the same order on both threads, so that their ends meet.
  for (auto& list : by_node) {
    std::sort(list.begin(), list.end(), [&](const auto& x, const auto& y) {
      return store_->GetJob(x.job_id)->workflow_run_id < store_->GetJob(y.job_id)->workflow_run_id;
    });
  }
  std::barrier step(2);  // both threads end their node of a run at the same moment
  std::vector<std::thread> threads;
  for (auto& list : by_node) {
    threads.emplace_back([&, list] {
      for (const ExecutionRecord& e : list) {
        step.arrive_and_wait();
        Status finished = store_->FinishExecution(e, now, std::nullopt, {});
        EXPECT_TRUE(finished) << finished.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  store_->SetJobEndHook(nullptr);
  EXPECT_EQ(hook.runs_ended.load(), kRuns);
  for (const std::string& id : run_ids) {
    auto run = store_->GetWorkflowRun(id);
    ASSERT_TRUE(run);
    EXPECT_EQ(run->status, RunStatus::kSucceeded) << id;
    EXPECT_TRUE(run->finished_at) << id;
  }
}

AuditEntry Audit(const std::string& action, const std::string& target_id, int64_t at_ms) {
  AuditEntry e;
  e.id = NewId("aud", FromUnixMillis(at_ms));
  e.at = FromUnixMillis(at_ms);
  e.actor = {.type = "user", .id = "usr_admin", .name = "admin", .source = "127.0.0.1"};
  e.action = action;
  e.target_type = "event";
  e.target_id = target_id;
  e.details_json = R"({"name":"x"})";
  return e;
}

TEST_P(StoreContractTest, MutationsWriteTheirAuditRowInTheSameTransaction) {
  EventRecord event = MakeEvent("audited");
  ASSERT_TRUE(store_->InsertEvent(event, Audit("event.create", event.id, 1'000)));
  // A failing mutation writes no audit row.
  EXPECT_FALSE(store_->InsertEvent(event, Audit("event.create", event.id, 1'001)));
  ASSERT_TRUE(store_->DeleteEvent(event.id, Audit("event.delete", event.id, 1'002)));
  EXPECT_FALSE(store_->DeleteEvent(event.id, Audit("event.delete", event.id, 1'003)));
  auto entries = store_->ListAudit({.target_id = event.id});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].action, "event.delete");
  EXPECT_EQ((*entries)[1].action, "event.create");
  EXPECT_EQ((*entries)[1].actor.name, "admin");
  EXPECT_EQ((*entries)[1].actor.source, "127.0.0.1");
  EXPECT_EQ((*entries)[1].details_json, R"({"name":"x"})");
}

TEST_P(StoreContractTest, AuditFiltersPagesAndPrunes) {
  for (int n = 0; n < 5; ++n) {
    ASSERT_TRUE(store_->AppendAudit(Audit(n % 2 ? "auth.login" : "event.run", "t", 1'000 + n)));
  }
  EXPECT_EQ(store_->ListAudit({.action = "auth.login"})->size(), 2u);
  EXPECT_EQ(store_->ListAudit({.actor_id = "usr_admin"})->size(), 5u);
  EXPECT_EQ(store_->ListAudit({.actor_id = "usr_other"})->size(), 0u);
  auto page = store_->ListAudit({.limit = 2});
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ(store_->ListAudit({.before_id = (*page)[1].id})->size(), 3u);
  auto pruned = store_->PruneAudit(FromUnixMillis(1'003));
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, 3);
  EXPECT_EQ(store_->ListAudit({})->size(), 2u);
}

UserRecord MakeUser(const std::string& username, UserRole role = UserRole::kUser) {
  UserRecord u;
  u.id = NewId("usr", FromUnixMillis(1'000));
  u.email = username + "@example.test";
  u.username = username;
  u.display_name = "User " + username;
  u.role = role;
  u.password_hash = "$argon2id$fake";
  u.created_at = u.updated_at = FromUnixMillis(1'000);
  return u;
}

TEST_P(StoreContractTest, UsersRoundTripAndStayUnique) {
  UserRecord alice = MakeUser("alice", UserRole::kAdmin);
  ASSERT_TRUE(store_->InsertUser(alice, {}));
  auto loaded = store_->GetUser(alice.id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->username, "alice");
  EXPECT_EQ(loaded->role, UserRole::kAdmin);
  EXPECT_EQ(loaded->password_hash, "$argon2id$fake");
  EXPECT_EQ(store_->FindUserByLogin("ALICE")->id, alice.id);
  EXPECT_EQ(store_->FindUserByLogin("Alice@Example.test")->id, alice.id);
  EXPECT_EQ(store_->FindUserByLogin("bob").error().code, ErrorCode::kNotFound);

  UserRecord dup_name = MakeUser("alice");
  dup_name.email = "other@example.test";
  auto inserted = store_->InsertUser(dup_name, {});
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(inserted.error().message, "a user with this username already exists");
  UserRecord dup_email = MakeUser("bob");
  dup_email.email = alice.email;
  EXPECT_EQ(store_->InsertUser(dup_email, {}).error().message,
            "a user with this email already exists");

  EXPECT_EQ(*store_->CountUsers(), 1);
  EXPECT_EQ(*store_->CountActiveAdmins(), 1);
  alice.status = UserStatus::kDisabled;
  ASSERT_TRUE(store_->UpdateUser(alice, {}));
  EXPECT_EQ(*store_->CountActiveAdmins(), 0);
}

TEST_P(StoreContractTest, InvitesAreFoundByHash) {
  UserRecord invited = MakeUser("carol");
  invited.status = UserStatus::kInvited;
  invited.password_hash = "";
  invited.invite_hash = "hash-123";
  invited.invite_expires_at = FromUnixMillis(9'000);
  ASSERT_TRUE(store_->InsertUser(invited, {}));
  auto found = store_->FindUserByInviteHash("hash-123");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, invited.id);
  EXPECT_EQ(found->invite_expires_at, FromUnixMillis(9'000));
  EXPECT_EQ(store_->FindUserByInviteHash("other").error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, DeletingAUserDeletesTheirEventsSessionsAndTokens) {
  UserRecord dave = MakeUser("dave");
  ASSERT_TRUE(store_->InsertUser(dave, {}));
  EventRecord event = MakeEvent("daves");
  event.owner_id = dave.id;
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  SessionRecord session{.id = "ses_1",
                        .token_hash = "sh",
                        .user_id = dave.id,
                        .csrf_token = "c",
                        .created_at = FromUnixMillis(1),
                        .expires_at = FromUnixMillis(2)};
  ASSERT_TRUE(store_->InsertSession(session, {}));
  ApiTokenRecord token{.id = "tok_1",
                       .token_hash = "th",
                       .user_id = dave.id,
                       .name = "ci",
                       .scope = "write",
                       .prefix = "crn_abc",
                       .created_at = FromUnixMillis(1)};
  ASSERT_TRUE(store_->InsertApiToken(token, {}));
  ASSERT_TRUE(store_->DeleteUser(dave.id, {}));
  EXPECT_EQ(store_->GetEvent(event.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->FindSessionByHash("sh").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->FindApiTokenByHash("th").error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, SessionsRevokeOneOrAllButOne) {
  UserRecord erin = MakeUser("erin");
  ASSERT_TRUE(store_->InsertUser(erin, {}));
  for (const char* id : {"ses_a", "ses_b", "ses_c"}) {
    ASSERT_TRUE(store_->InsertSession({.id = id,
                                       .token_hash = std::string("h_") + id,
                                       .user_id = erin.id,
                                       .csrf_token = "csrf",
                                       .created_at = FromUnixMillis(1),
                                       .expires_at = FromUnixMillis(100)},
                                      {}));
  }
  ASSERT_TRUE(store_->RevokeSession("ses_a", FromUnixMillis(5), {}));
  EXPECT_EQ(store_->FindSessionByHash("h_ses_a")->revoked_at, FromUnixMillis(5));
  ASSERT_TRUE(store_->RevokeUserSessions(erin.id, "ses_c", FromUnixMillis(6)));
  EXPECT_EQ(store_->FindSessionByHash("h_ses_a")->revoked_at, FromUnixMillis(5));
  EXPECT_EQ(store_->FindSessionByHash("h_ses_b")->revoked_at, FromUnixMillis(6));
  EXPECT_FALSE(store_->FindSessionByHash("h_ses_c")->revoked_at);
  EXPECT_EQ(store_->FindSessionByHash("h_ses_c")->csrf_token, "csrf");
}

TEST_P(StoreContractTest, ApiTokensListRevokeAndTouch) {
  UserRecord fred = MakeUser("fred");
  ASSERT_TRUE(store_->InsertUser(fred, {}));
  ApiTokenRecord token{.id = "tok_f",
                       .token_hash = "hf",
                       .user_id = fred.id,
                       .name = "laptop",
                       .scope = "read",
                       .prefix = "crn_xyz",
                       .created_at = FromUnixMillis(1),
                       .expires_at = FromUnixMillis(50)};
  ASSERT_TRUE(store_->InsertApiToken(token, {}));
  auto found = store_->FindApiTokenByHash("hf");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "laptop");
  EXPECT_EQ(found->scope, "read");
  EXPECT_EQ(found->expires_at, FromUnixMillis(50));
  ASSERT_TRUE(store_->TouchApiToken("tok_f", FromUnixMillis(7)));
  EXPECT_EQ(store_->GetApiToken("tok_f")->last_used_at, FromUnixMillis(7));
  EXPECT_EQ(store_->ListApiTokens(fred.id)->size(), 1u);
  ASSERT_TRUE(store_->RevokeApiToken("tok_f", FromUnixMillis(8), {}));
  EXPECT_EQ(store_->GetApiToken("tok_f")->revoked_at, FromUnixMillis(8));
  EXPECT_EQ(store_->RevokeApiToken("tok_f", FromUnixMillis(9), {}).error().code,
            ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, VisibilityLimitsListsToOwnAndSharedEvents) {
  const EventRecord mine = OwnedEvent("mine", "usr_me", false);
  const EventRecord theirs = OwnedEvent("theirs", "usr_them", false);
  const EventRecord shared = OwnedEvent("shared", "usr_them", true);
  auto visible = store_->ListEvents({.visible_to = "usr_me"});
  ASSERT_EQ(visible->size(), 2u);
  EXPECT_EQ(store_->ListEvents({})->size(), 3u);
  Enqueue(mine.id);
  Enqueue(theirs.id);
  Enqueue(shared.id);
  EXPECT_EQ(store_->ListExecutions({.visible_to = "usr_me"})->size(), 2u);
  EXPECT_EQ(store_->ListExecutions({})->size(), 3u);
}

// List filters go into the SQL only when set (so that each query walks its index): together
// they all hold, in any combination, and pages follow each other.
TEST_P(StoreContractTest, ListFiltersCombine) {
  const EventRecord mine = OwnedEvent("mine", "usr_me", false);
  const EventRecord theirs = OwnedEvent("theirs", "usr_them", false);
  std::vector<std::string> mine_runs;  // oldest first
  for (int i = 0; i < 4; ++i) mine_runs.push_back(Enqueue(mine.id).current_execution_id);
  Enqueue(theirs.id);
  auto claimed = store_->ClaimNextJob("w", FromUnixMillis(20'000), FromUnixMillis(80'000));
  ASSERT_TRUE(claimed && *claimed);
  ASSERT_EQ((*claimed)->execution.id, mine_runs[0]);  // the oldest
  ASSERT_TRUE(store_->MarkRunning((*claimed)->job.id, mine_runs[0], "w", FromUnixMillis(20'000)));

  auto ids = [](const Result<std::vector<ExecutionRecord>>& page) {
    std::vector<std::string> out;
    for (const auto& e : *page) out.push_back(e.id);
    return out;
  };
  EXPECT_EQ(ids(store_->ListExecutions(
                {.event_id = mine.id, .statuses = {RunStatus::kQueued}, .limit = 2})),
            (std::vector<std::string>{mine_runs[3], mine_runs[2]}));
  EXPECT_EQ(
      ids(store_->ListExecutions(
          {.event_id = mine.id, .statuses = {RunStatus::kQueued}, .before_id = mine_runs[2]})),
      (std::vector<std::string>{mine_runs[1]}));
  EXPECT_EQ(
      store_->ListExecutions({.visible_to = "usr_me", .statuses = {RunStatus::kQueued}})->size(),
      3u);
  EXPECT_EQ(store_->ListExecutions({.visible_to = "usr_me", .event_id = theirs.id})->size(), 0u);
  EXPECT_EQ(store_->ListExecutions({.visible_to = "usr_them", .event_id = theirs.id})->size(), 1u);

  for (const char* action : {"event.update", "event.update", "event.delete"}) {
    ASSERT_TRUE(store_->AppendAudit(
        MakeAudit({.id = "usr_me"}, FromUnixMillis(30'000), action, "event", mine.id)));
  }
  ASSERT_TRUE(store_->AppendAudit(
      MakeAudit({.id = "usr_them"}, FromUnixMillis(30'000), "event.update", "event", mine.id)));
  auto updates = store_->ListAudit({.actor_id = "usr_me",
                                    .action = "event.update",
                                    .target_type = "event",
                                    .target_id = mine.id});
  ASSERT_EQ(updates->size(), 2u);
  EXPECT_EQ(store_
                ->ListAudit({.actor_id = "usr_me",
                             .action = "event.update",
                             .target_type = "event",
                             .target_id = mine.id,
                             .before_id = (*updates)[0].id})
                ->size(),
            1u);
  EXPECT_EQ(store_->ListAudit({.action = "event.update", .target_type = "execution"})->size(), 0u);
}

TEST_P(StoreContractTest, SchedulesRoundTripAndCascade) {
  EventRecord event = MakeEvent("scheduled");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  ScheduleRecord schedule{.target_id = event.id,
                          .spec_json = R"({"kind":"CRON"})",
                          .next_due_at = FromUnixMillis(5'000),
                          .run_count = 0,
                          .updated_at = FromUnixMillis(1)};
  ASSERT_TRUE(store_->PutSchedule(schedule, {}));
  schedule.spec_json = R"({"kind":"INTERVAL"})";
  ASSERT_TRUE(store_->PutSchedule(schedule, {}));
  auto loaded = store_->GetSchedule(event.id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->spec_json, R"({"kind":"INTERVAL"})");
  EXPECT_EQ(loaded->next_due_at, FromUnixMillis(5'000));
  EXPECT_EQ(store_->ListSchedules()->size(), 1u);
  auto joined = store_->ListSchedulesWithTargets();
  ASSERT_TRUE(joined);
  ASSERT_EQ(joined->size(), 1u);
  EXPECT_EQ((*joined)[0].schedule.target, ScheduleTarget::kEvent);
  EXPECT_EQ((*joined)[0].status, EventStatus::kActive);
  EXPECT_EQ((*joined)[0].owner_id, "usr_1");
  EXPECT_EQ((*joined)[0].retries, 2);
  EXPECT_EQ((*joined)[0].timeout_seconds, 45);
  EXPECT_EQ((*joined)[0].schedule.next_due_at, FromUnixMillis(5'000));
  EXPECT_EQ(store_->PutSchedule({.target_id = "evt_none", .spec_json = "{}"}, {}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(
      store_
          ->PutSchedule(
              {.target = ScheduleTarget::kWorkflow, .target_id = "wfl_none", .spec_json = "{}"}, {})
          .error()
          .code,
      ErrorCode::kNotFound);

  // A workflow's schedule: listed with the workflow's status, deleted with it.
  WorkflowRecord w;
  w.id = NewId("wfl", FromUnixMillis(2'000));
  w.owner_id = "usr_2";
  w.name = "nightly";
  w.status = EventStatus::kPaused;
  w.trigger = "SCHEDULE";
  w.created_at = FromUnixMillis(1'500);
  w.nodes = {{.id = "n1", .event_id = event.id}};
  ASSERT_TRUE(store_->InsertWorkflow(w, {}));
  ASSERT_TRUE(store_->PutSchedule({.target = ScheduleTarget::kWorkflow,
                                   .target_id = w.id,
                                   .spec_json = R"({"kind":"INTERVAL"})",
                                   .next_due_at = FromUnixMillis(9'000)},
                                  {}));
  EXPECT_EQ(store_->GetSchedule(w.id)->target, ScheduleTarget::kWorkflow);
  joined = store_->ListSchedulesWithTargets();
  ASSERT_EQ(joined->size(), 2u);
  const auto& of_workflow =
      (*joined)[0].schedule.target == ScheduleTarget::kWorkflow ? (*joined)[0] : (*joined)[1];
  EXPECT_EQ(of_workflow.schedule.target_id, w.id);
  EXPECT_EQ(of_workflow.status, EventStatus::kPaused);
  EXPECT_EQ(of_workflow.owner_id, "usr_2");
  EXPECT_EQ(of_workflow.created_at, FromUnixMillis(1'500));
  ASSERT_TRUE(store_->SetWorkflowStatus(w.id, EventStatus::kActive, FromUnixMillis(3'000), {}));
  EXPECT_EQ(store_->GetWorkflow(w.id)->status, EventStatus::kActive);
  EXPECT_EQ(store_->SetWorkflowStatus("wfl_none", EventStatus::kActive, {}, {}).error().code,
            ErrorCode::kNotFound);
  ASSERT_TRUE(store_->DeleteWorkflow(w.id, {}));
  EXPECT_EQ(store_->GetSchedule(w.id).error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(store_->DeleteEvent(event.id, {}));
  EXPECT_EQ(store_->GetSchedule(event.id).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, AnOccurrenceFiresOnlyOnce) {
  EventRecord event = MakeEvent("once");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  ASSERT_TRUE(store_->PutSchedule({.target_id = event.id, .spec_json = "{}"}, {}));
  auto fire = [&](const std::string& suffix) {
    JobRecord job;
    job.id = "job_" + suffix;
    job.event_id = event.id;
    job.unique_key = event.id + "@60000";
    job.current_execution_id = "exe_" + suffix;
    ExecutionRecord exec{.id = "exe_" + suffix, .job_id = job.id, .event_id = event.id};
    LedgerRecord ledger{.id = "led_" + suffix,
                        .target_id = event.id,
                        .planned_at = FromUnixMillis(60'000),
                        .fate = "FIRED",
                        .job_id = job.id};
    ScheduleRecord state{.target_id = event.id,
                         .next_due_at = FromUnixMillis(120'000),
                         .last_planned_at = FromUnixMillis(60'000),
                         .run_count = 1};
    return store_->ApplyScheduleSteps(
        {{.job = job, .execution = exec, .ledger = ledger, .state = state}});
  };
  ASSERT_EQ(*fire("a"), std::vector<bool>{true});
  auto again = fire("b");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, std::vector<bool>{false});
  EXPECT_EQ(store_->GetJob("job_b").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->ListLedger(event.id, "", 10)->size(), 1u);
  EXPECT_EQ(store_->GetSchedule(event.id)->run_count, 1);
  EXPECT_EQ(store_->GetSchedule(event.id)->next_due_at, FromUnixMillis(120'000));
  EXPECT_EQ(store_->ActiveJobs(event.id)->size(), 1u);
}

TEST_P(StoreContractTest, SerializedJobsWaitForTheRunningOne) {
  EventRecord event = MakeEvent("serial");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  JobRecord first = Enqueue(event.id);
  const TimePoint now = FromUnixMillis(20'000);
  auto claimed = store_->ClaimNextJob("w1", now, now + milliseconds(1000));
  ASSERT_TRUE(claimed && *claimed);
  JobRecord buffered;
  buffered.id = NewId("job", now);
  buffered.event_id = event.id;
  buffered.serialize = true;
  buffered.current_execution_id = NewId("exe", now);
  ASSERT_TRUE(store_->EnqueueJob(
      buffered, {.id = buffered.current_execution_id, .job_id = buffered.id, .event_id = event.id},
      {}));
  auto blocked = store_->ClaimNextJob("w2", now, now + milliseconds(1000));
  ASSERT_TRUE(blocked);
  EXPECT_FALSE(*blocked);
  ExecutionRecord done = (*claimed)->execution;
  done.status = RunStatus::kSucceeded;
  ASSERT_TRUE(store_->FinishExecution(done, now, std::nullopt, {}));
  auto next = store_->ClaimNextJob("w2", now, now + milliseconds(1000));
  ASSERT_TRUE(next && *next);
  EXPECT_EQ((*next)->job.id, buffered.id);
  EXPECT_TRUE((*next)->job.serialize);
}

TEST_P(StoreContractTest, LedgerIsNewestFirstAndPaged) {
  EventRecord event = MakeEvent("ledger");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  ASSERT_TRUE(store_->PutSchedule({.target_id = event.id, .spec_json = "{}"}, {}));
  for (int n = 0; n < 3; ++n) {
    LedgerRecord r{.id = NewId("led", FromUnixMillis(1'000 + n)),
                   .target_id = event.id,
                   .planned_at = FromUnixMillis(1'000 * n),
                   .lateness_ms = 2,
                   .fate = n == 1 ? "SKIPPED_OVERLAP" : "MISSED_DOWNTIME"};
    ASSERT_TRUE(store_->ApplyScheduleSteps(
        {{.ledger = r, .state = {.target_id = event.id, .run_count = n}}}));
  }
  auto page = store_->ListLedger(event.id, "", 2);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].planned_at, FromUnixMillis(2'000));
  EXPECT_EQ((*page)[1].fate, "SKIPPED_OVERLAP");
  EXPECT_EQ(store_->ListLedger(event.id, (*page)[1].id, 10)->size(), 1u);
  auto pruned = store_->PruneLedger(FromUnixMillis(1'500));
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, 2);
  EXPECT_EQ(store_->ListLedger(event.id, "", 10)->size(), 1u);
  // Removing the schedule removes its ledger.
  ASSERT_TRUE(store_->DeleteSchedule(event.id, {}));
  EXPECT_TRUE(store_->ListLedger(event.id, "", 10)->empty());
}

VariableRecord MakeVariable(const std::string& user_id, const std::string& key,
                            std::string sealed_value, int64_t at_ms,
                            std::string updated_by = "user:usr_x") {
  return {.user_id = user_id,
          .key = key,
          .sealed_value = std::move(sealed_value),
          .updated_at = FromUnixMillis(at_ms),
          .updated_by = std::move(updated_by)};
}

std::vector<std::string> KeysOf(const Result<std::vector<VariableRecord>>& variables) {
  std::vector<std::string> keys;
  if (!variables) {
    ADD_FAILURE() << variables.error().message;
    return keys;
  }
  for (const auto& v : *variables) keys.push_back(v.key);
  return keys;
}

TEST_P(StoreContractTest, VariablesKeepBinaryCiphertextExactly) {
  UserRecord gina = MakeUser("gina");
  ASSERT_TRUE(store_->InsertUser(gina, {}));
  // Ciphertext is any bytes: NULs, bytes that are not UTF-8, and nothing at all.
  const std::string sealed("\0v1\xff\x80\0tail\0", 11);
  auto put = store_->PutVariable(MakeVariable(gina.id, "TOKEN", sealed, 5'000), 10, {});
  ASSERT_TRUE(put) << put.error().message;
  EXPECT_EQ(put->user_id, gina.id);
  EXPECT_EQ(put->key, "TOKEN");
  EXPECT_EQ(put->sealed_value, sealed);
  EXPECT_EQ(put->version, 1);
  EXPECT_EQ(put->created_at, FromUnixMillis(5'000));
  EXPECT_EQ(put->updated_at, FromUnixMillis(5'000));
  EXPECT_EQ(put->updated_by, "user:usr_x");
  auto loaded = store_->GetVariable(gina.id, "TOKEN");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->sealed_value.size(), 11u);
  EXPECT_EQ(loaded->sealed_value, sealed);
  EXPECT_EQ(loaded->version, 1);
  EXPECT_EQ(loaded->created_at, FromUnixMillis(5'000));
  EXPECT_EQ(loaded->updated_by, "user:usr_x");
  ASSERT_TRUE(store_->PutVariable(MakeVariable(gina.id, "EMPTY", "", 5'001), 10, {}));
  EXPECT_EQ(store_->GetVariable(gina.id, "EMPTY")->sealed_value, "");

  EXPECT_EQ(store_->GetVariable(gina.id, "token").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetVariable("usr_nobody", "TOKEN").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->PutVariable(MakeVariable("usr_nobody", "K", "v", 1), 10, {}).error().code,
            ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, UpdatingAVariableBumpsItsVersionAndKeepsItsCreationTime) {
  UserRecord hank = MakeUser("hank");
  ASSERT_TRUE(store_->InsertUser(hank, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(hank.id, "COUNT", "s1", 1'000), 10, {}));
  VariableRecord update = MakeVariable(hank.id, "COUNT", "s2", 2'000, "execution:exe_1");
  update.version = 42;                        // set by the store, not by the caller
  update.created_at = FromUnixMillis(1'500);  // kept from the insert
  auto second = store_->PutVariable(update, 10, {});
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->version, 2);
  EXPECT_EQ(second->sealed_value, "s2");
  EXPECT_EQ(second->created_at, FromUnixMillis(1'000));
  EXPECT_EQ(second->updated_at, FromUnixMillis(2'000));
  EXPECT_EQ(second->updated_by, "execution:exe_1");
  auto third = store_->PutVariable(MakeVariable(hank.id, "COUNT", "s3", 3'000), 10, {});
  ASSERT_TRUE(third);
  EXPECT_EQ(third->version, 3);
  auto loaded = store_->GetVariable(hank.id, "COUNT");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->version, 3);
  EXPECT_EQ(loaded->sealed_value, "s3");
  EXPECT_EQ(loaded->created_at, FromUnixMillis(1'000));
  EXPECT_EQ(loaded->updated_at, FromUnixMillis(3'000));
  EXPECT_EQ(loaded->updated_by, "user:usr_x");
  EXPECT_EQ(*store_->CountVariables(hank.id), 1);
}

TEST_P(StoreContractTest, VariablesBelongToOneUser) {
  UserRecord ivy = MakeUser("ivy");
  UserRecord jack = MakeUser("jack");
  ASSERT_TRUE(store_->InsertUser(ivy, {}));
  ASSERT_TRUE(store_->InsertUser(jack, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(ivy.id, "KEY", "ivy's", 1'000), 10, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(jack.id, "KEY", "jack's", 2'000), 10, {}));
  auto ivys = store_->GetVariable(ivy.id, "KEY");
  auto jacks = store_->GetVariable(jack.id, "KEY");
  ASSERT_TRUE(ivys && jacks);
  EXPECT_EQ(ivys->sealed_value, "ivy's");
  EXPECT_EQ(ivys->version, 1);  // jack's write is not an update of ivy's
  EXPECT_EQ(jacks->sealed_value, "jack's");
  EXPECT_EQ(jacks->version, 1);
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = ivy.id})), std::vector<std::string>{"KEY"});
  ASSERT_TRUE(store_->DeleteVariable(ivy.id, "KEY", {}));
  EXPECT_EQ(store_->GetVariable(ivy.id, "KEY").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetVariable(jack.id, "KEY")->sealed_value, "jack's");
  EXPECT_EQ(*store_->CountVariables(ivy.id), 0);
  EXPECT_EQ(*store_->CountVariables(jack.id), 1);
}

TEST_P(StoreContractTest, TheByteQuotaCountsEveryValueButTheOneReplaced) {
  UserRecord rae = MakeUser("rae");
  UserRecord sol = MakeUser("sol");
  ASSERT_TRUE(store_->InsertUser(rae, {}));
  ASSERT_TRUE(store_->InsertUser(sol, {}));
  const VariableLimits limits{100, 10};
  ASSERT_TRUE(store_->PutVariable(MakeVariable(rae.id, "A", "aaaa", 1), limits, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(rae.id, "B", "bbbb", 2), limits, {}));
  // 8 bytes stored: 3 more would make 11.
  auto over = store_->PutVariable(MakeVariable(rae.id, "C", "ccc", 3), limits, {});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(store_->GetVariable(rae.id, "C").error().code, ErrorCode::kNotFound);
  // Replacing A (4 bytes) with 6 makes 10: allowed; another user has a quota of their own.
  EXPECT_TRUE(store_->PutVariable(MakeVariable(rae.id, "A", "aaaaaa", 4), limits, {}));
  EXPECT_TRUE(store_->PutVariable(MakeVariable(sol.id, "C", "cccccccccc", 5), limits, {}));
  EXPECT_FALSE(store_->PutVariable(MakeVariable(rae.id, "A", "aaaaaaa", 6), limits, {}));
}

TEST_P(StoreContractTest, TheVariableLimitRefusesOnlyNewKeys) {
  UserRecord kim = MakeUser("kim");
  UserRecord lee = MakeUser("lee");
  ASSERT_TRUE(store_->InsertUser(kim, {}));
  ASSERT_TRUE(store_->InsertUser(lee, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(kim.id, "A", "a", 1), 2, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(kim.id, "B", "b", 2), 2, {}));
  auto refused =
      store_->PutVariable(MakeVariable(kim.id, "C", "c", 3), 2, Audit("variable.put", "C", 3));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(refused.error().message.find('2'), std::string::npos) << refused.error().message;
  EXPECT_EQ(store_->GetVariable(kim.id, "C").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*store_->CountVariables(kim.id), 2);
  EXPECT_EQ(store_->ListAudit({.action = "variable.put"})->size(), 0u);  // nothing written
  // Replacing a value at the limit is fine, and the limit counts one user's variables only.
  auto replaced =
      store_->PutVariable(MakeVariable(kim.id, "A", "a2", 4), 2, Audit("variable.put", "A", 4));
  ASSERT_TRUE(replaced) << replaced.error().message;
  EXPECT_EQ(replaced->version, 2);
  EXPECT_EQ(store_->GetVariable(kim.id, "A")->sealed_value, "a2");
  EXPECT_EQ(store_->ListAudit({.action = "variable.put"})->size(), 1u);
  ASSERT_TRUE(store_->PutVariable(MakeVariable(lee.id, "C", "c", 5), 2, {}));
  // A deleted variable frees its place.
  ASSERT_TRUE(store_->DeleteVariable(kim.id, "B", {}));
  EXPECT_TRUE(store_->PutVariable(MakeVariable(kim.id, "C", "c", 6), 2, {}));
  EXPECT_EQ(store_->PutVariable(MakeVariable(kim.id, "D", "d", 7), 2, {}).error().code,
            ErrorCode::kResourceExhausted);
}

TEST_P(StoreContractTest, DeletingAVariable) {
  UserRecord max = MakeUser("max");
  ASSERT_TRUE(store_->InsertUser(max, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(max.id, "GONE", "x", 1), 10, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(max.id, "KEPT", "y", 1), 10, {}));
  ASSERT_TRUE(store_->DeleteVariable(max.id, "GONE", Audit("variable.delete", "GONE", 10)));
  EXPECT_EQ(store_->GetVariable(max.id, "GONE").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->GetVariable(max.id, "KEPT"));
  auto again = store_->DeleteVariable(max.id, "GONE", Audit("variable.delete", "GONE", 11));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteVariable("usr_nobody", "KEPT", {}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->ListAudit({.action = "variable.delete"})->size(), 1u);
  // Put again after a delete starts a new history.
  auto fresh = store_->PutVariable(MakeVariable(max.id, "GONE", "z", 20), 10, {});
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->version, 1);
  EXPECT_EQ(fresh->created_at, FromUnixMillis(20));
}

TEST_P(StoreContractTest, VariablesListByKeyWithLiteralPrefixesAndPages) {
  UserRecord nina = MakeUser("nina");
  UserRecord otto = MakeUser("otto");
  ASSERT_TRUE(store_->InsertUser(nina, {}));
  ASSERT_TRUE(store_->InsertUser(otto, {}));
  // Inserted out of order; '%' and '_' would be wildcards to LIKE, which also ignores case.
  for (const char* key : {"b", "a_b", "ab", "A/b", "a/c", "a%b", "aXb", "a/b"}) {
    ASSERT_TRUE(store_->PutVariable(MakeVariable(nina.id, key, "v", 1), 100, {}));
  }
  ASSERT_TRUE(store_->PutVariable(MakeVariable(otto.id, "a/z", "v", 1), 100, {}));
  using Keys = std::vector<std::string>;
  // Byte order: '%' < '/' < 'X' < '_' < 'b', and upper case before lower case.
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = nina.id})),
            (Keys{"A/b", "a%b", "a/b", "a/c", "aXb", "a_b", "ab", "b"}));
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = nina.id, .prefix = "a%"})), Keys{"a%b"});
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = nina.id, .prefix = "a_"})), Keys{"a_b"});
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = nina.id, .prefix = "a/"})),
            (Keys{"a/b", "a/c"}));
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = nina.id, .prefix = "A"})), Keys{"A/b"});
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = nina.id, .prefix = "b"})), Keys{"b"});
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = nina.id, .prefix = "zz"})), Keys{});
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = nina.id, .prefix = "a/b/"})), Keys{});

  // Pages of three, each after the last key of the one before.
  Keys all;
  std::string after;
  for (int page = 0; page < 5; ++page) {
    Keys keys = KeysOf(store_->ListVariables({.user_id = nina.id, .after_key = after, .limit = 3}));
    if (keys.empty()) break;
    EXPECT_LE(keys.size(), 3u);
    all.insert(all.end(), keys.begin(), keys.end());
    after = keys.back();
  }
  EXPECT_EQ(all, (Keys{"A/b", "a%b", "a/b", "a/c", "aXb", "a_b", "ab", "b"}));
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = nina.id, .after_key = "a/b", .limit = 2})),
            (Keys{"a/c", "aXb"}));
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = nina.id, .prefix = "a/", .after_key = "a/b"})),
            Keys{"a/c"});
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = otto.id})), Keys{"a/z"});
  EXPECT_EQ(KeysOf(store_->ListVariables({.user_id = "usr_nobody"})), Keys{});
  auto listed = store_->ListVariables({.user_id = nina.id, .prefix = "a%"});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].user_id, nina.id);
  EXPECT_EQ((*listed)[0].sealed_value, "v");
  EXPECT_EQ((*listed)[0].version, 1);

  EXPECT_EQ(*store_->CountVariables(nina.id), 8);
  EXPECT_EQ(*store_->CountVariables(otto.id), 1);
  EXPECT_EQ(*store_->CountVariables("usr_nobody"), 0);
}

TEST_P(StoreContractTest, RewritingVariablesIsAllOrNothing) {
  UserRecord pam = MakeUser("pam");
  UserRecord quinn = MakeUser("quinn");
  ASSERT_TRUE(store_->InsertUser(pam, {}));
  ASSERT_TRUE(store_->InsertUser(quinn, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(pam.id, "A", std::string("a\0", 2), 1'000), 10, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(pam.id, "B", "b", 1'000), 10, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(pam.id, "B", "b2", 2'000), 10, {}));  // version 2
  ASSERT_TRUE(store_->PutVariable(MakeVariable(quinn.id, "A", "q", 1'000), 10, {}));

  // The last one fails: nothing is rewritten, and no audit row is written.
  int calls = 0;
  auto failed = store_->RewriteVariables(
      [&](const VariableRecord&) -> Result<std::string> {
        if (++calls == 3) return Internal("cannot open this one");
        return std::string("rotated");
      },
      Audit("key.rotate", "variables", 5'000));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "cannot open this one");
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(store_->GetVariable(pam.id, "A")->sealed_value, std::string("a\0", 2));
  EXPECT_EQ(store_->GetVariable(pam.id, "B")->sealed_value, "b2");
  EXPECT_EQ(store_->GetVariable(quinn.id, "A")->sealed_value, "q");
  EXPECT_EQ(store_->ListAudit({.action = "key.rotate"})->size(), 0u);

  // Each value is re-sealed from the one stored; versions, times and authors stay.
  std::set<std::string> seen;
  auto rewritten = store_->RewriteVariables(
      [&](const VariableRecord& v) -> Result<std::string> {
        seen.insert(v.user_id + "/" + v.key);
        return "v2:" + v.sealed_value;
      },
      Audit("key.rotate", "variables", 6'000));
  ASSERT_TRUE(rewritten) << rewritten.error().message;
  EXPECT_EQ(*rewritten, 3);
  EXPECT_EQ(seen, (std::set<std::string>{pam.id + "/A", pam.id + "/B", quinn.id + "/A"}));
  EXPECT_EQ(store_->GetVariable(pam.id, "A")->sealed_value, std::string("v2:a\0", 5));
  EXPECT_EQ(store_->GetVariable(quinn.id, "A")->sealed_value, "v2:q");
  auto b = store_->GetVariable(pam.id, "B");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->sealed_value, "v2:b2");
  EXPECT_EQ(b->version, 2);
  EXPECT_EQ(b->created_at, FromUnixMillis(1'000));
  EXPECT_EQ(b->updated_at, FromUnixMillis(2'000));
  EXPECT_EQ(b->updated_by, "user:usr_x");
  EXPECT_EQ(store_->ListAudit({.action = "key.rotate"})->size(), 1u);
}

TEST_P(StoreContractTest, DeletingAUserDeletesTheirVariables) {
  UserRecord rob = MakeUser("rob");
  UserRecord sue = MakeUser("sue");
  ASSERT_TRUE(store_->InsertUser(rob, {}));
  ASSERT_TRUE(store_->InsertUser(sue, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(rob.id, "A", "a", 1), 10, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(rob.id, "B", "b", 1), 10, {}));
  ASSERT_TRUE(store_->PutVariable(MakeVariable(sue.id, "A", "s", 1), 10, {}));
  ASSERT_TRUE(store_->DeleteUser(rob.id, {}));
  EXPECT_EQ(*store_->CountVariables(rob.id), 0);
  EXPECT_EQ(store_->GetVariable(rob.id, "A").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListVariables({.user_id = rob.id})->empty());
  EXPECT_EQ(store_->GetVariable(sue.id, "A")->sealed_value, "s");
  // A user with the same id later starts with none.
  ASSERT_TRUE(store_->InsertUser(rob, {}));
  EXPECT_EQ(*store_->CountVariables(rob.id), 0);
}

TEST_P(StoreContractTest, ARunningExecutionTakesItsOutputAndCondition) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  JobRecord job = Enqueue(event.id);
  const std::string& exe = job.current_execution_id;
  // Queued, then leased: the script has not started, so it cannot report yet.
  EXPECT_EQ(store_->SetExecutionOutput(exe, "1").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->SetExecutionCondition(exe, true).error().code, ErrorCode::kFailedPrecondition);
  const TimePoint now = FromUnixMillis(20'000);
  auto claimed = store_->ClaimNextJob("w1", now, now + milliseconds(30'000));
  ASSERT_TRUE(claimed && *claimed);
  EXPECT_EQ(store_->SetExecutionOutput(exe, "1").error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(store_->MarkRunning(job.id, exe, "w1", now));

  ASSERT_TRUE(store_->SetExecutionOutput(exe, R"({"rows":3,"ok":true})"));
  ASSERT_TRUE(store_->SetExecutionCondition(exe, true));
  auto running = store_->GetExecution(exe);
  ASSERT_TRUE(running);
  EXPECT_EQ(running->status, RunStatus::kRunning);
  EXPECT_EQ(running->output_json, R"({"rows":3,"ok":true})");
  EXPECT_EQ(running->condition, true);
  // The last report wins.
  ASSERT_TRUE(store_->SetExecutionOutput(exe, R"(["again"])"));
  ASSERT_TRUE(store_->SetExecutionCondition(exe, false));
  running = store_->GetExecution(exe);
  EXPECT_EQ(running->output_json, R"(["again"])");
  EXPECT_EQ(running->condition, false);

  auto unknown = store_->SetExecutionOutput("exe_nope", "{}");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->SetExecutionCondition("exe_nope", true).error().code, ErrorCode::kNotFound);

  // Once it ended, the values FinishExecution wrote stay.
  ExecutionRecord done = *running;
  done.status = RunStatus::kSucceeded;
  done.output_json = R"({"final":1})";
  done.condition = true;
  done.finished_at = now + milliseconds(100);
  ASSERT_TRUE(store_->FinishExecution(done, now + milliseconds(100), std::nullopt, {}));
  EXPECT_EQ(store_->SetExecutionOutput(exe, "{}").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->SetExecutionCondition(exe, false).error().code, ErrorCode::kFailedPrecondition);
  auto finished = store_->GetExecution(exe);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->output_json, R"({"final":1})");
  EXPECT_EQ(finished->condition, true);
}

// A new event or workflow and the schedule it is created with are one write: both, or neither.
TEST_P(StoreContractTest, ATargetAndTheScheduleItIsCreatedWithAreOneWrite) {
  EventRecord event = MakeEvent("nightly");
  const auto schedule_of = [](ScheduleTarget target, const std::string& id,
                              const std::string& audit_id) {
    NewSchedule planned{.record = {.target = target,
                                   .target_id = id,
                                   .spec_json = R"({"kind":"CRON"})",
                                   .next_due_at = FromUnixMillis(60'000),
                                   .updated_at = FromUnixMillis(1'000)},
                        .audit = MakeAudit({}, FromUnixMillis(1'000), "schedule.set", "event", id)};
    planned.audit.id = audit_id;
    return planned;
  };
  ASSERT_TRUE(store_->InsertEvent(
      event, MakeAudit({}, FromUnixMillis(1'000), "event.create", "event", event.id),
      schedule_of(ScheduleTarget::kEvent, event.id, "aud_first")));
  auto schedule = store_->GetSchedule(event.id);
  ASSERT_TRUE(schedule) << schedule.error().message;
  EXPECT_EQ(schedule->next_due_at, FromUnixMillis(60'000));
  auto audit = store_->ListAudit({.target_id = event.id});
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->size(), 2u);

  // The schedule's write fails (its audit row's id is taken): the event is not there either.
  EventRecord second = MakeEvent("second", 2'000);
  auto failed =
      store_->InsertEvent(second, {}, schedule_of(ScheduleTarget::kEvent, second.id, "aud_first"));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kAlreadyExists) << failed.error().message;
  EXPECT_EQ(store_->GetEvent(second.id).error().code, ErrorCode::kNotFound);
  // A schedule of another target is refused, and nothing is written.
  EXPECT_EQ(store_->InsertEvent(second, {}, schedule_of(ScheduleTarget::kEvent, event.id, "aud_x"))
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->GetEvent(second.id).error().code, ErrorCode::kNotFound);

  WorkflowRecord w;
  w.id = NewId("wfl", FromUnixMillis(3'000));
  w.owner_id = "usr_1";
  w.name = "w";
  w.status = EventStatus::kActive;
  w.trigger = "SCHEDULE";
  w.nodes = {{.id = "n1", .event_id = event.id}};
  w.created_at = w.updated_at = FromUnixMillis(3'000);
  ASSERT_FALSE(
      store_->InsertWorkflow(w, {}, schedule_of(ScheduleTarget::kWorkflow, w.id, "aud_first")));
  EXPECT_EQ(store_->GetWorkflow(w.id).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(store_->InsertWorkflow(w, {}, schedule_of(ScheduleTarget::kWorkflow, w.id, "aud_w")));
  EXPECT_EQ(store_->GetSchedule(w.id)->target, ScheduleTarget::kWorkflow);
  EXPECT_EQ(store_->ListSchedules()->size(), 2u);
}

TEST_P(StoreContractTest, WorkflowsRoundTripWithTheirGraphAndActions) {
  EventRecord a = MakeEvent("a");
  a.actions = {{.trigger = "ON_FAILURE", .type = "RUN_EVENT", .target_event_id = "evt_x"}};
  ASSERT_TRUE(store_->InsertEvent(a, {}));
  EXPECT_EQ(store_->GetEvent(a.id)->actions, a.actions);
  WorkflowRecord w;
  w.id = NewId("wfl", FromUnixMillis(2'000));
  w.owner_id = "usr_1";
  w.name = "w";
  w.status = EventStatus::kActive;
  w.tags = {"t"};
  w.trigger = "WEBHOOK";
  w.nodes = {{.id = "n1", .event_id = a.id, .label = "first", .x = 1.5, .y = -2},
             {.id = "n2", .event_id = a.id}};
  w.edges = {{.from = "n1", .to = "n2", .kind = "ON_CONDITION"}};
  w.created_at = w.updated_at = FromUnixMillis(2'000);
  ASSERT_TRUE(
      store_->InsertWorkflow(w, MakeAudit({}, w.created_at, "workflow.create", "workflow", w.id)));
  auto got = store_->GetWorkflow(w.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->nodes, w.nodes);
  EXPECT_EQ(got->edges, w.edges);
  EXPECT_EQ(got->trigger, "WEBHOOK");
  EXPECT_EQ(got->tags, w.tags);
  // Nodes and edges are replaced as a whole.
  w.nodes.pop_back();
  w.edges.clear();
  ASSERT_TRUE(store_->UpdateWorkflow(w, {}));
  EXPECT_EQ(store_->GetWorkflow(w.id)->nodes.size(), 1u);
  // A node's event must exist; an event in use cannot be deleted.
  WorkflowRecord bad = w;
  bad.id = NewId("wfl", FromUnixMillis(2'001));
  bad.nodes = {{.id = "n", .event_id = "evt_missing"}};
  EXPECT_EQ(store_->InsertWorkflow(bad, {}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteEvent(a.id, {}).error().code, ErrorCode::kFailedPrecondition);
  auto listed = store_->ListWorkflows({.visible_to = "usr_2"});
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
  EXPECT_EQ(store_->ListWorkflows({.visible_to = "usr_1"})->size(), 1u);
  ASSERT_TRUE(store_->DeleteWorkflow(w.id, {}));
  EXPECT_EQ(store_->GetWorkflow(w.id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->DeleteEvent(a.id, {}));
}

// A hook that records what it saw and asks for a follow-up job once.
class RecordingHook final : public JobEndHook {
 public:
  Result<JobEndEffects> OnJobEnd(const JobEnd& end, JobEndReads& reads) override {
    ended.push_back(end.job.id + ":" + std::string(ToString(end.job.status)));
    JobEndEffects effects;
    if (follow_up) {
      CRONIUM_ASSIGN_OR_RETURN(auto event, reads.Event(end.job.event_id));
      if (!event) return Internal("the job's event is gone");
      effects.jobs.push_back(*std::exchange(follow_up, std::nullopt));
    }
    if (fail) return Internal("hook failed");
    return effects;
  }
  void Committed(const JobEndEffects& effects) override { committed += effects.jobs.size(); }

  std::vector<std::string> ended;
  std::optional<std::pair<JobRecord, ExecutionRecord>> follow_up;
  bool fail = false;
  size_t committed = 0;
};

TEST_P(StoreContractTest, TheJobEndHookRunsOnceInTheEndsTransaction) {
  EventRecord a = MakeEvent("a");
  a.retries = 1;
  ASSERT_TRUE(store_->InsertEvent(a, {}));
  RecordingHook hook;
  store_->SetJobEndHook(&hook);
  const JobRecord job = Enqueue(a.id);
  const TimePoint now = FromUnixMillis(20'000);
  auto claimed = store_->ClaimNextJob("w1", now, now + std::chrono::seconds(30));
  ASSERT_TRUE(claimed && *claimed);
  ExecutionRecord ended = (*claimed)->execution;
  ended.status = RunStatus::kFailed;
  // A retry is not an end: no hook.
  RetryPlan retry;
  retry.next_execution = ended;
  retry.next_execution.id = NewId("exe", now);
  retry.next_execution.attempt = 2;
  retry.next_execution.status = RunStatus::kQueued;
  retry.run_after = now;
  ASSERT_TRUE(store_->FinishExecution(ended, now, retry, {}));
  EXPECT_TRUE(hook.ended.empty());
  // The last attempt: the hook fails, and the end rolls back with it.
  claimed = store_->ClaimNextJob("w1", now, now + std::chrono::seconds(30));
  ASSERT_TRUE(claimed && *claimed);
  ExecutionRecord last = (*claimed)->execution;
  last.status = RunStatus::kFailed;
  hook.fail = true;
  EXPECT_FALSE(store_->FinishExecution(last, now, std::nullopt, {}));
  EXPECT_EQ(store_->GetJob(job.id)->status, RunStatus::kLeased);
  // Then it succeeds, with a follow-up job written in the same transaction.
  hook.fail = false;
  hook.ended.clear();
  JobRecord next = job;
  next.id = NewId("job", now);
  next.status = RunStatus::kQueued;
  next.caused_by = last.id;
  next.chain_depth = 1;
  ExecutionRecord next_exec;
  next_exec.id = NewId("exe", now);
  next_exec.job_id = next.id;
  next_exec.event_id = a.id;
  next_exec.created_at = now;
  next.current_execution_id = next_exec.id;
  hook.follow_up = std::make_pair(next, next_exec);
  ASSERT_TRUE(store_->FinishExecution(last, now, std::nullopt, {}));
  EXPECT_EQ(hook.ended, (std::vector<std::string>{job.id + ":FAILED"}));
  EXPECT_EQ(hook.committed, 1u);
  auto follow = store_->GetJob(next.id);
  ASSERT_TRUE(follow);
  EXPECT_EQ(follow->caused_by, last.id);
  EXPECT_EQ(follow->chain_depth, 1);
  // The end is recorded once: a second finish changes nothing and calls no hook.
  EXPECT_FALSE(store_->FinishExecution(last, now, std::nullopt, {}));
  EXPECT_EQ(hook.ended.size(), 1u);
  // A queued job cancelled is an end too.
  ASSERT_TRUE(store_->CancelJob(next.id, "stop", now, {}));
  EXPECT_EQ(hook.ended.back(), next.id + ":CANCELLED");
  store_->SetJobEndHook(nullptr);
}

TEST_P(StoreContractTest, WorkflowRunsKeepNodeStateAndCancel) {
  EventRecord a = MakeEvent("a");
  ASSERT_TRUE(store_->InsertEvent(a, {}));
  WorkflowRecord w;
  w.id = NewId("wfl", FromUnixMillis(3'000));
  w.owner_id = "usr_1";
  w.name = "w";
  w.nodes = {{.id = "n1", .event_id = a.id}, {.id = "n2", .event_id = a.id}};
  ASSERT_TRUE(store_->InsertWorkflow(w, {}));
  const TimePoint now = FromUnixMillis(30'000);
  WorkflowRunRecord run;
  run.id = NewId("wfr", now);
  run.workflow_id = w.id;
  run.owner_id = "usr_1";
  run.graph_json = "{}";
  run.unique_key = "webhook:x:y";
  run.created_at = now;
  auto [job, exec] = NewJobFor(a.id, now);
  job.workflow_run_id = run.id;
  job.workflow_node_id = "n1";
  run.nodes = {{.node_id = "n1",
                .event_id = a.id,
                .state = NodeRunState::kRunning,
                .job_id = job.id,
                .execution_id = exec.id,
                .started_at = now},
               {.node_id = "n2", .event_id = a.id}};
  ASSERT_TRUE(store_->StartWorkflowRun(run, {{job, exec}}, {}));
  EXPECT_EQ(store_->StartWorkflowRun(run, {}, {}).error().code, ErrorCode::kAlreadyExists);
  auto got = store_->GetWorkflowRun(run.id);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->nodes.size(), 2u);
  EXPECT_EQ(got->nodes[0].state, NodeRunState::kRunning);
  EXPECT_EQ(got->nodes[1].state, NodeRunState::kPending);
  EXPECT_EQ(store_->GetJob(job.id)->workflow_run_id, run.id);
  auto cancelled = store_->CancelWorkflowRun(run.id, "stop", now, {});
  ASSERT_TRUE(cancelled);
  ASSERT_EQ(cancelled->size(), 1u);  // the running node's job, for the caller to cancel
  EXPECT_EQ(cancelled->front().id, job.id);
  got = store_->GetWorkflowRun(run.id);
  EXPECT_EQ(got->status, RunStatus::kCancelled);
  EXPECT_EQ(got->nodes[1].state, NodeRunState::kCancelled);
  EXPECT_FALSE(got->finished_at);  // n1 still runs
  EXPECT_EQ(store_->CancelWorkflowRun(run.id, "again", now, {}).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store_->ListWorkflowRuns({.workflow_id = w.id})->size(), 1u);
  EXPECT_EQ(*store_->PruneWorkflowRuns(now + std::chrono::hours(1), 100), 0);  // not finished
}

TEST_P(StoreContractTest, WebhooksAreFoundByKeyAndGoWithTheirTarget) {
  EventRecord a = MakeEvent("a");
  ASSERT_TRUE(store_->InsertEvent(a, {}));
  WebhookRecord hook;
  hook.id = NewId("whk", FromUnixMillis(4'000));
  hook.key = "k1";
  hook.owner_id = "usr_1";
  hook.target_type = "EVENT";
  hook.target_id = a.id;
  hook.sealed_secret = std::string("v1.\0sealed", 10);
  hook.created_at = FromUnixMillis(4'000);
  ASSERT_TRUE(store_->InsertWebhook(hook, {}));
  auto found = store_->FindWebhookByKey("k1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->sealed_secret, hook.sealed_secret);
  EXPECT_EQ(store_->FindWebhookByKey("k2").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(store_->TouchWebhook(hook.id, FromUnixMillis(5'000)));
  EXPECT_EQ(store_->GetWebhook(hook.id)->last_used_at, FromUnixMillis(5'000));
  auto rewritten = store_->RewriteWebhookSecrets(
      [](const WebhookRecord& w) -> Result<std::string> { return w.sealed_secret + "!"; }, {});
  ASSERT_TRUE(rewritten);
  EXPECT_EQ(*rewritten, 1);
  EXPECT_EQ(store_->GetWebhook(hook.id)->sealed_secret, hook.sealed_secret + "!");
  ASSERT_TRUE(store_->DeleteEvent(a.id, {}));
  EXPECT_TRUE(store_->ListWebhooks("EVENT", a.id)->empty());
}

TEST_P(StoreContractTest, Issue20TheFirstKeyCheckIsKeptUntilARotationReplacesIt) {
  EXPECT_EQ(store_->GetKeyCheck("master").error().code, ErrorCode::kNotFound);
  auto first = store_->RecordKeyCheck("master", "aaaa", FromUnixMillis(1'000));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, "aaaa");
  // A later node with other keys finds the first one's.
  EXPECT_EQ(*store_->RecordKeyCheck("master", "bbbb", FromUnixMillis(2'000)), "aaaa");
  EXPECT_EQ(*store_->RecordKeyCheck("hash", "cccc", FromUnixMillis(2'000)), "cccc");
  ASSERT_TRUE(store_->SetKeyCheck("master", "dddd", FromUnixMillis(3'000)));
  EXPECT_EQ(*store_->RecordKeyCheck("master", "aaaa", FromUnixMillis(4'000)), "dddd");
  EXPECT_EQ(*store_->GetKeyCheck("master"), "dddd");
  EXPECT_EQ(*store_->RecordKeyCheck("hash", "eeee", FromUnixMillis(4'000)), "cccc");
}

// The ledger's pause rows keep how many occurrences they covered.
TEST_P(StoreContractTest, Issue20LedgerRowsKeepWhatAPauseCovered) {
  EventRecord event = MakeEvent("paused");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  ScheduleRecord schedule{.target_id = event.id,
                          .spec_json = R"({"kind":"INTERVAL","intervalSeconds":5})",
                          .updated_at = FromUnixMillis(1'000)};
  ASSERT_TRUE(store_->PutSchedule(schedule, {}));
  ScheduleStep step;
  step.ledger = {.id = "led_1",
                 .target_id = event.id,
                 .planned_at = FromUnixMillis(5'000),
                 .fate = "RESUMED",
                 .detail = "covered",
                 .occurrences = 12,
                 .last_planned_at = FromUnixMillis(60'000)};
  step.state = schedule;
  ASSERT_TRUE(store_->ApplyScheduleSteps({step}));
  auto rows = store_->ListLedger(event.id, "", 10);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().occurrences, 12);
  EXPECT_EQ(rows->front().last_planned_at, FromUnixMillis(60'000));
}

TEST_P(StoreContractTest, NodesAreReplacedByTheirHeartbeatsAndPruned) {
  NodeRecord a{.id = "node-a",
               .role = "SERVE",
               .address = "http://127.0.0.1:1",
               .version = "1.0",
               .workers = 4,
               .started_at = FromUnixMillis(1'000),
               .heartbeat_at = FromUnixMillis(1'000)};
  NodeRecord b = a;
  b.id = "node-b";
  b.role = "WORKER";
  b.address = "";
  ASSERT_TRUE(store_->PutNode(a));
  ASSERT_TRUE(store_->PutNode(b));
  a.leader = true;
  a.running = 3;
  a.heartbeat_at = FromUnixMillis(9'000);
  ASSERT_TRUE(store_->PutNode(a));
  auto nodes = store_->ListNodes();
  ASSERT_TRUE(nodes);
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].id, "node-a");
  EXPECT_TRUE((*nodes)[0].leader);
  EXPECT_EQ((*nodes)[0].running, 3);
  EXPECT_EQ((*nodes)[0].heartbeat_at, FromUnixMillis(9'000));
  EXPECT_EQ((*nodes)[0].started_at, FromUnixMillis(1'000));
  EXPECT_EQ((*nodes)[1].role, "WORKER");
  EXPECT_FALSE((*nodes)[1].leader);
  EXPECT_FALSE((*nodes)[1].stopped_at);
  EXPECT_EQ(*store_->PruneNodes(FromUnixMillis(5'000)), 1);
  nodes = store_->ListNodes();
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].id, "node-a");
}

// An idempotency record of `principal` and `key`, created at `created_ms`, for a day.
IdempotencyRecord IdempotencyOf(const std::string& principal, const std::string& key,
                                int64_t created_ms = 50'000) {
  return {.principal = principal,
          .key = key,
          .scope = "POST /api/v1/events/evt_1/run",
          .request_hash = std::string(64, 'a'),
          .status = 202,
          .body = R"({"executionId":"exe_1","jobId":"job_1"})",
          .location = "/api/v1/executions/exe_1",
          .created_at = FromUnixMillis(created_ms),
          .expires_at = FromUnixMillis(created_ms + 86'400'000)};
}

// Each creation a request can ask for writes its idempotency records with it; they are found
// by principal and key until they expire.
TEST_P(StoreContractTest, CreationsWriteTheirIdempotencyRecords) {
  const IdempotencyRecord for_event = IdempotencyOf("user:usr_1", "k-event");
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}, std::nullopt, {for_event}));
  auto [job, exec] = NewJobFor(event.id, FromUnixMillis(20'000));
  // A webhook delivery keeps two: its signature's and its header's.
  const IdempotencyRecord by_signature = IdempotencyOf("webhook:whk_1", "t=1,sha256=ab");
  const IdempotencyRecord by_header = IdempotencyOf("webhook:whk_1", "delivery-7");
  ASSERT_TRUE(store_->EnqueueJob(job, exec, {}, {by_signature, by_header}));
  WorkflowRecord w;
  w.id = NewId("wfl", FromUnixMillis(3'000));
  w.owner_id = "usr_1";
  w.name = "w";
  w.nodes = {{.id = "n1", .event_id = event.id}};
  ASSERT_TRUE(store_->InsertWorkflow(w, {}, std::nullopt, {IdempotencyOf("user:usr_1", "k-wf")}));
  WorkflowRunRecord run;
  run.id = NewId("wfr", FromUnixMillis(30'000));
  run.workflow_id = w.id;
  run.owner_id = "usr_1";
  run.graph_json = "{}";
  run.created_at = FromUnixMillis(30'000);
  run.nodes = {{.node_id = "n1", .event_id = event.id}};
  ASSERT_TRUE(store_->StartWorkflowRun(run, {}, {}, {IdempotencyOf("user:usr_1", "k-run")}));

  const TimePoint now = FromUnixMillis(60'000);
  for (const auto& [principal, key] :
       std::vector<std::pair<std::string, std::string>>{{"user:usr_1", "k-event"},
                                                        {"webhook:whk_1", "t=1,sha256=ab"},
                                                        {"webhook:whk_1", "delivery-7"},
                                                        {"user:usr_1", "k-wf"},
                                                        {"user:usr_1", "k-run"}}) {
    auto found = store_->FindIdempotencyRecord(principal, key, now);
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_TRUE(found->has_value()) << key;
  }
  auto found = store_->FindIdempotencyRecord("user:usr_1", "k-event", now);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ(**found, for_event);  // every field as written
  // Another principal's key of the same text is another key.
  EXPECT_FALSE(*store_->FindIdempotencyRecord("user:usr_2", "k-event", now));
  // Expired: not found, even before retention deletes it.
  EXPECT_FALSE(*store_->FindIdempotencyRecord("user:usr_1", "k-event", for_event.expires_at));
}

// The record and its creation are one write: a creation that fails leaves no record, and a
// record that cannot be written (its key exists) leaves no creation.
TEST_P(StoreContractTest, AnIdempotencyRecordAndItsCreationAreOneWrite) {
  const TimePoint now = FromUnixMillis(60'000);
  // The creation fails (no such event): no record.
  auto [orphan, orphan_exec] = NewJobFor("evt_missing", FromUnixMillis(20'000));
  auto failed = store_->EnqueueJob(orphan, orphan_exec, {}, {IdempotencyOf("user:usr_1", "k1")});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(*store_->FindIdempotencyRecord("user:usr_1", "k1", now));
  WorkflowRecord w;
  w.id = NewId("wfl", FromUnixMillis(3'000));
  w.owner_id = "usr_1";
  w.name = "w";
  w.nodes = {{.id = "n1", .event_id = "evt_missing"}};
  EXPECT_EQ(
      store_->InsertWorkflow(w, {}, std::nullopt, {IdempotencyOf("user:usr_1", "k1")}).error().code,
      ErrorCode::kNotFound);
  EXPECT_FALSE(*store_->FindIdempotencyRecord("user:usr_1", "k1", now));

  // The key is taken: the second run is not written, nor its audit row, whatever it creates.
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  auto [first, first_exec] = NewJobFor(event.id, FromUnixMillis(20'000));
  ASSERT_TRUE(store_->EnqueueJob(first, first_exec, {}, {IdempotencyOf("user:usr_1", "k1")}));
  auto [second, second_exec] = NewJobFor(event.id, FromUnixMillis(20'001));
  auto repeated = store_->EnqueueJob(second, second_exec,
                                     MakeAudit({}, now, "run.start", "execution", second_exec.id),
                                     {IdempotencyOf("user:usr_1", "k1", 55'000)});
  ASSERT_FALSE(repeated);
  EXPECT_EQ(repeated.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->GetJob(second.id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListAudit({.target_id = second_exec.id})->empty());
  EventRecord other = MakeEvent("other");
  EXPECT_EQ(store_->InsertEvent(other, {}, std::nullopt, {IdempotencyOf("user:usr_1", "k1")})
                .error()
                .code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->GetEvent(other.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ((*store_->FindIdempotencyRecord("user:usr_1", "k1", now))->created_at,
            FromUnixMillis(50'000));  // the first one's
  // Another principal may use the same key.
  ASSERT_TRUE(store_->EnqueueJob(second, second_exec, {}, {IdempotencyOf("user:usr_2", "k1")}));
  // Once expired, the key is free again (before retention deleted it).
  auto [third, third_exec] = NewJobFor(event.id, FromUnixMillis(20'002));
  const int64_t expired_ms = ToUnixMillis(IdempotencyOf("user:usr_1", "k1").expires_at);
  ASSERT_TRUE(
      store_->EnqueueJob(third, third_exec, {}, {IdempotencyOf("user:usr_1", "k1", expired_ms)}));
  EXPECT_EQ(
      (*store_->FindIdempotencyRecord("user:usr_1", "k1", FromUnixMillis(expired_ms)))->created_at,
      FromUnixMillis(expired_ms));
}

// Many requests with one key at once (on PostgreSQL, each its own transaction on its own
// connection): exactly one creates; the others write nothing and learn that the key is taken.
TEST_P(StoreContractTest, ConcurrentRequestsWithOneIdempotencyKeyCreateOnce) {
  EventRecord event = MakeEvent("e");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  constexpr int kRequests = 8;
  std::vector<std::pair<JobRecord, ExecutionRecord>> jobs;
  for (int n = 0; n < kRequests; ++n) {
    jobs.push_back(NewJobFor(event.id, FromUnixMillis(20'000 + n)));
  }
  std::latch start(kRequests);
  std::atomic<int> created{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < kRequests; ++n) {
    threads.emplace_back([&, n] {
      start.arrive_and_wait();
      const auto& [job, exec] = jobs[static_cast<size_t>(n)];
      auto written = store_->EnqueueJob(job, exec, {}, {IdempotencyOf("user:usr_1", "same")});
      if (written) {
        ++created;
      } else {
        EXPECT_EQ(written.error().code, ErrorCode::kAlreadyExists) << written.error().message;
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(refused.load(), kRequests - 1);
  EXPECT_EQ(store_->ListExecutions({.event_id = event.id})->size(), 1u);
}

// Retention deletes expired records, oldest first and at most a batch at a time; the others stay.
TEST_P(StoreContractTest, ExpiredIdempotencyRecordsArePrunedInBatches) {
  EventRecord event = MakeEvent("e");
  IdempotencyRecords records;
  for (int n = 0; n < 5; ++n) {
    records.push_back(IdempotencyOf("user:usr_1", "k" + std::to_string(n), 1'000 * (n + 1)));
  }
  ASSERT_TRUE(store_->InsertEvent(event, {}, std::nullopt, records));
  // At this time, k0, k1 and k2 have expired.
  const TimePoint now = records[2].expires_at;
  EXPECT_EQ(*store_->PruneIdempotencyRecords(now, 2), 2);
  EXPECT_EQ(*store_->PruneIdempotencyRecords(now, 2), 1);
  EXPECT_EQ(*store_->PruneIdempotencyRecords(now, 2), 0);
  const TimePoint before = FromUnixMillis(0);
  for (int n = 0; n < 5; ++n) {
    EXPECT_EQ(
        store_->FindIdempotencyRecord("user:usr_1", "k" + std::to_string(n), before)->has_value(),
        n >= 3)
        << n;
  }
}

std::unique_ptr<Store> OpenSqlite(const std::string& dir) {
  auto store = sqlite::OpenStore({.path = dir + "/cronium.db"});
  if (!store) {
    ADD_FAILURE() << store.error().message;
    return nullptr;
  }
  return std::move(*store);
}

// Each test gets a schema of its own on the test cluster, named after its temp dir.
std::string SchemaFor(const std::string& dir) {
  return "contract_" + std::to_string(std::hash<std::string>{}(dir) % 1'000'000'000'000);
}

void DropSchema(const std::string& dir) {
  const auto url = testutil::PostgresUrl();
  if (!url) return;
  auto conn = postgres::PgConnection::Open(*url);
  ASSERT_TRUE(conn) << conn.error().message;
  EXPECT_TRUE((*conn)->Exec("DROP SCHEMA IF EXISTS " + SchemaFor(dir) + " CASCADE"));
}

std::unique_ptr<Store> OpenPostgres(const std::string& dir) {
  const auto url = testutil::PostgresUrl();
  if (!url) return nullptr;
  {
    auto conn = postgres::PgConnection::Open(*url);
    if (!conn) {
      ADD_FAILURE() << conn.error().message;
      return nullptr;
    }
    if (Status made = (*conn)->Exec("CREATE SCHEMA " + SchemaFor(dir)); !made) {
      ADD_FAILURE() << made.error().message;
      return nullptr;
    }
  }
  auto store = postgres::OpenStore({.url = *url, .schema = SchemaFor(dir)});
  if (!store) {
    ADD_FAILURE() << store.error().message;
    return nullptr;
  }
  return std::move(*store);
}

// After many claims the queue is tidied (on PostgreSQL, the claimed jobs' entries leave the
// index every claim walks) and what is still queued is claimed as before, in order.
TEST_P(StoreContractTest, TidyingTheQueueKeepsWhatIsQueued) {
  EventRecord event = MakeEvent("many");
  ASSERT_TRUE(store_->InsertEvent(event, {}));
  std::vector<std::string> queued;
  for (int i = 0; i < 30; ++i) queued.push_back(Enqueue(event.id).id);
  const TimePoint now = FromUnixMillis(20'000);
  for (int i = 0; i < 20; ++i) {
    auto claimed = store_->ClaimNextJob("w1", now, now + milliseconds(30'000));
    ASSERT_TRUE(claimed && *claimed);
    ExecutionRecord done = (*claimed)->execution;
    done.status = RunStatus::kSucceeded;
    done.finished_at = now;
    ASSERT_TRUE(store_->FinishExecution(done, now, std::nullopt, {}));
  }
  ASSERT_TRUE(store_->TidyQueue());
  ASSERT_TRUE(store_->TidyQueue());  // again, with nothing to clear
  for (int i = 20; i < 30; ++i) {
    auto claimed = store_->ClaimNextJob("w1", now, now + milliseconds(30'000));
    ASSERT_TRUE(claimed && *claimed);
    EXPECT_EQ((*claimed)->job.id, queued[static_cast<size_t>(i)]);
  }
  EXPECT_FALSE(*store_->ClaimNextJob("w1", now, now + milliseconds(30'000)));
  if (GetParam().name == "postgres") {
    auto conn = postgres::PgConnection::Open(*testutil::PostgresUrl());
    ASSERT_TRUE(conn);
    auto vacuums = (*conn)->Prepare(
        "SELECT vacuum_count FROM pg_stat_user_tables WHERE schemaname = ?1 AND relname = "
        "'jobs'");
    vacuums->Bind(1, SchemaFor(dir_.path()));
    ASSERT_TRUE(*vacuums->Step());
    EXPECT_GE(vacuums->Int(0), 2);
  }
}

TEST_P(StoreContractTest, DashboardCountsAreScopedAndBoundedByTheWindow) {
  const EventRecord mine = OwnedEvent("mine", "usr_a", /*shared=*/false);
  const EventRecord theirs = OwnedEvent("theirs", "usr_b", /*shared=*/false);
  EventRecord paused = MakeEvent("paused");
  paused.owner_id = "usr_b";
  paused.shared = true;
  paused.status = EventStatus::kPaused;
  ASSERT_TRUE(store_->InsertEvent(paused, {}));
  // Runs at 10 s (before the window), 20 s, 30 s and 31 s (in it), after every id this process
  // made before (ids never go back in time within a process, whatever the clock says).
  static int64_t base = 4'000'000'000'000;
  base += 1'000'000;
  for (const auto& [event_id, offset_ms] : std::vector<std::pair<std::string, int64_t>>{
           {mine.id, 10'000}, {mine.id, 20'000}, {theirs.id, 30'000}, {paused.id, 31'000}}) {
    auto [job, exec] = NewJobFor(event_id, FromUnixMillis(base + offset_ms));
    exec.trigger = "SCHEDULE";
    ASSERT_TRUE(store_->EnqueueJob(job, exec, {}));
  }
  const std::string since = IdTimePrefix("exe", FromUnixMillis(base + 15'000));
  auto all = store_->GetExecutionStats(since, "", 10);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->by_status, (std::vector<std::pair<RunStatus, int64_t>>{{RunStatus::kQueued, 3}}));
  ASSERT_EQ(all->newest.size(), 3u);
  EXPECT_EQ(all->newest[0].event_id, paused.id);  // newest first
  EXPECT_EQ(all->newest[2].event_id, mine.id);
  EXPECT_EQ(all->newest[0].trigger_kind, "SCHEDULE");
  EXPECT_FALSE(all->newest[0].started_at.has_value());
  EXPECT_EQ(store_->GetExecutionStats(since, "", 2)->newest.size(), 2u);
  // usr_a sees their own and the shared event's runs, not usr_b's private one.
  auto scoped = store_->GetExecutionStats(since, "usr_a", 10);
  ASSERT_TRUE(scoped);
  ASSERT_EQ(scoped->newest.size(), 2u);
  EXPECT_EQ(scoped->newest[1].event_id, mine.id);

  auto events = store_->CountEvents("");
  ASSERT_TRUE(events);
  std::map<EventStatus, int64_t> by_status(events->begin(), events->end());
  EXPECT_EQ(by_status[EventStatus::kActive], 2);
  EXPECT_EQ(by_status[EventStatus::kPaused], 1);
  auto visible = store_->CountEvents("usr_a");
  std::map<EventStatus, int64_t> visible_by_status(visible->begin(), visible->end());
  EXPECT_EQ(visible_by_status[EventStatus::kActive], 1);
  EXPECT_EQ(visible_by_status[EventStatus::kPaused], 1);
}

TEST_P(StoreContractTest, ExecutionListsFilterByStatusesAndTimeAndCanLeaveOutTheOutput) {
  const EventRecord event = OwnedEvent("listed", "usr_a", /*shared=*/false);
  static int64_t base = 4'500'000'000'000;
  base += 1'000'000;
  std::vector<std::string> ids;
  for (int64_t offset_ms : {10'000, 20'000, 30'000}) {
    auto [job, exec] = NewJobFor(event.id, FromUnixMillis(base + offset_ms));
    ASSERT_TRUE(store_->EnqueueJob(job, exec, {}));
    ids.push_back(exec.id);
  }
  // The newest runs and fails with output; the oldest stays queued.
  const TimePoint now = FromUnixMillis(base + 40'000);
  ASSERT_TRUE(store_->ClaimNextJob("w", now, now + milliseconds(30'000)));  // the oldest
  auto second = store_->ClaimNextJob("w", now, now + milliseconds(30'000));
  ASSERT_TRUE(second && *second);
  ASSERT_TRUE(store_->MarkRunning((*second)->job.id, ids[1], "w", now));
  ExecutionRecord failed = (*second)->execution;
  failed.status = RunStatus::kFailed;
  failed.stdout_text = "lots of output";
  failed.output_json = R"({"a":1})";
  failed.finished_at = now;
  ASSERT_TRUE(store_->FinishExecution(failed, now, std::nullopt, {}));

  auto listed = [&](ExecutionQuery query) {
    std::vector<std::string> out;
    auto page = store_->ListExecutions(query);
    EXPECT_TRUE(page) << page.error().message;
    if (page) {
      for (const auto& e : *page) out.push_back(e.id);
    }
    return out;
  };
  EXPECT_EQ(listed({.statuses = {RunStatus::kFailed, RunStatus::kQueued}}),
            (std::vector<std::string>{ids[2], ids[1], ids[0]}));
  EXPECT_EQ(listed({.statuses = {RunStatus::kFailed}}), (std::vector<std::string>{ids[1]}));
  EXPECT_EQ(listed({.statuses = {RunStatus::kTimedOut}}), (std::vector<std::string>{}));
  EXPECT_EQ(listed({.since_id = IdTimePrefix("exe", FromUnixMillis(base + 15'000)),
                    .until_id = IdTimePrefix("exe", FromUnixMillis(base + 25'000))}),
            (std::vector<std::string>{ids[1]}));
  auto full = store_->ListExecutions({.statuses = {RunStatus::kFailed}});
  ASSERT_EQ(full->size(), 1u);
  EXPECT_EQ(full->front().stdout_text, "lots of output");
  auto summary = store_->ListExecutions({.statuses = {RunStatus::kFailed}, .summary = true});
  ASSERT_EQ(summary->size(), 1u);
  EXPECT_EQ(summary->front().stdout_text, "");
  EXPECT_FALSE(summary->front().output_json.has_value());
  EXPECT_EQ(summary->front().status, RunStatus::kFailed);
  EXPECT_EQ(summary->front().id, ids[1]);

  std::vector<std::string> names_of = {event.id, "evt_unknown"};
  for (int n = 0; n < 60; ++n) names_of.push_back(event.id);  // past one statement's 50
  auto names = store_->GetEventNames(names_of);
  ASSERT_TRUE(names) << names.error().message;
  EXPECT_EQ(*names, (std::map<std::string, std::string>{{event.id, "listed"}}));
  EXPECT_EQ(store_->GetEventNames(std::vector<std::string>(501, event.id)).error().code,
            ErrorCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest,
                         ::testing::Values(Backend{"sqlite", OpenSqlite, {}},
                                           Backend{"postgres", OpenPostgres, DropSchema}),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace cronium::store
