#include "worker/worker_pool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <future>

#include "exec/process_executor.h"
#include "store/sqlite/sqlite_store.h"
#include "testutil/temp_dir.h"

namespace cronium::worker {
namespace {

using std::chrono::milliseconds;

class WorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::sqlite::OpenStore({.path = dir_.path() + "/c.db"});
    ASSERT_TRUE(opened);
    store_ = std::move(*opened);
    std::array<unsigned char, crypto::kKeyBytes> key{};
    events_ = std::make_unique<events::EventService>(
        events::EventsOptions{}, *store_,
        crypto::MasterKey::FromBytesForTest(key).Box(crypto::KeyPurpose::kEventEnvVars), clock_);
    queue_ = std::make_unique<queue::JobQueue>(*store_, clock_);
    pool_ = std::make_unique<WorkerPool>(
        WorkerOptions{
            .workers = 2, .work_root = dir_.path() + "/runs", .kill_grace = milliseconds(200)},
        *queue_, *events_, executor_, clock_);
    pool_->Start();
  }

  void TearDown() override {
    pool_->Stop(milliseconds(0));
    queue_->Shutdown();
  }

  events::Event Create(store::EventType type, std::string content,
                       std::map<std::string, std::string> env = {}, events::EventFields f = {}) {
    f.name = "test";
    f.type = type;
    f.content = std::move(content);
    f.env_vars = std::move(env);
    if (!f.timeout_seconds) f.timeout_seconds = 20;
    auto created = events_->Create(f, store::Actor{.id = "usr_1"});
    EXPECT_TRUE(created) << created.error().message;
    return *created;
  }

  queue::EnqueuedRun Enqueue(const events::Event& event) {
    auto record = events_->GetRecord(event.id);
    auto run = queue_->Enqueue(*record, {});
    EXPECT_TRUE(run);
    return *run;
  }

  // Waits (without sleeping) until the execution ends and returns it.
  store::ExecutionRecord AwaitEnd(const std::string& execution_id) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto current = store_->GetExecution(execution_id);
      if (current && store::IsTerminal(current->status)) return *current;
      std::promise<void> done;
      queue_->WhenFinished(execution_id, milliseconds(500), [&](bool) { done.set_value(); });
      done.get_future().wait();
    }
    ADD_FAILURE() << "execution " << execution_id << " did not end";
    return {};
  }

  testutil::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<events::EventService> events_;
  std::unique_ptr<queue::JobQueue> queue_;
  exec::ProcessExecutor executor_;
  std::unique_ptr<WorkerPool> pool_;

  // Waits until the pool runs something (with a bounded number of short waits).
  void AwaitRunning(const std::string& execution_id) {
    for (int n = 0; n < 1000 && pool_->RunningCount() == 0; ++n) {
      std::promise<void> tick;
      queue_->WhenFinished(execution_id, milliseconds(5), [&](bool) { tick.set_value(); });
      tick.get_future().wait();
    }
    ASSERT_GT(pool_->RunningCount(), 0);
  }
};

TEST_F(WorkerPoolTest, RunsABashEventAndRecordsTheResult) {
  auto event = Create(store::EventType::kBash,
                      "echo \"hello $GREETING\"; echo \"$CRONIUM_EVENT_ID\"; echo warn >&2",
                      {{"GREETING", "world"}});
  auto run = Enqueue(event);
  auto done = AwaitEnd(run.execution_id);
  EXPECT_EQ(done.status, store::RunStatus::kSucceeded);
  EXPECT_EQ(done.exit_code, 0);
  EXPECT_EQ(done.stdout_text, "hello world\n" + event.id + "\n");
  EXPECT_EQ(done.stderr_text, "warn\n");
  EXPECT_EQ(done.end_reason, "exited with code 0");
  EXPECT_EQ(done.isolation, "none");
  EXPECT_TRUE(done.started_at && done.finished_at && done.duration_ms);
  EXPECT_EQ(store_->GetJob(run.job_id)->status, store::RunStatus::kSucceeded);
}

TEST_F(WorkerPoolTest, ScriptsSeeTheirIdsButNotTheServerEnvironment) {
  ::setenv("CRONIUM_WORKER_TEST_SECRET", "do-not-leak", 1);
  auto event = Create(store::EventType::kPython,
                      "import os\nprint(sorted(k for k in os.environ if k.startswith('CRONIUM_')))"
                      "\nprint(os.environ.get('CRONIUM_WORKER_TEST_SECRET'))");
  auto run = Enqueue(event);
  auto done = AwaitEnd(run.execution_id);
  ::unsetenv("CRONIUM_WORKER_TEST_SECRET");
  EXPECT_EQ(done.stdout_text,
            "['CRONIUM_EVENT_ID', 'CRONIUM_EXECUTION_ID', 'CRONIUM_EXECUTION_MODE', "
            "'CRONIUM_JOB_ID']\nNone\n");
}

TEST_F(WorkerPoolTest, NonZeroExitFails) {
  auto done = AwaitEnd(Enqueue(Create(store::EventType::kNodejs, "process.exit(4)")).execution_id);
  EXPECT_EQ(done.status, store::RunStatus::kFailed);
  EXPECT_EQ(done.exit_code, 4);
  EXPECT_EQ(done.end_reason, "exited with code 4");
}

TEST_F(WorkerPoolTest, CancelStopsARunningJob) {
  auto event = Create(store::EventType::kBash, "echo started; while true; do sleep 0.05; done");
  auto run = Enqueue(event);
  // Wait until it runs, then cancel.
  for (int n = 0; n < 1000; ++n) {
    auto current = store_->GetExecution(run.execution_id);
    if (current->status == store::RunStatus::kRunning && pool_->RunningCount() > 0) break;
    std::promise<void> tick;
    queue_->WhenFinished(run.execution_id, milliseconds(5), [&](bool) { tick.set_value(); });
    tick.get_future().wait();
  }
  ASSERT_TRUE(pool_->Cancel(run.execution_id, "cancelled by user", store::Actor{}));
  auto done = AwaitEnd(run.execution_id);
  EXPECT_EQ(done.status, store::RunStatus::kCancelled);
  EXPECT_EQ(done.end_reason, "cancelled by user");
  EXPECT_EQ(pool_->Cancel(run.execution_id, "again", store::Actor{}).error().code,
            ErrorCode::kFailedPrecondition);
}

TEST_F(WorkerPoolTest, UnsupportedTypesFailWithAClearReason) {
  events::EventFields f;
  f.name = "hook";
  f.type = store::EventType::kToolAction;
  auto created = events_->Create(f, store::Actor{.id = "usr_1"});
  ASSERT_TRUE(created);
  auto done = AwaitEnd(Enqueue(*created).execution_id);
  EXPECT_EQ(done.status, store::RunStatus::kFailed);
  EXPECT_NE(done.end_reason.find("TOOL_ACTION"), std::string::npos);
}

TEST_F(WorkerPoolTest, StopInterruptsRunsAndQueuesThemAgain) {
  auto event = Create(store::EventType::kBash, "while true; do sleep 0.05; done");
  auto run = Enqueue(event);
  AwaitRunning(run.execution_id);
  pool_->Stop(milliseconds(0));
  auto done = store_->GetExecution(run.execution_id);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, store::RunStatus::kLost);
  EXPECT_NE(done->end_reason.find("runs again"), std::string::npos) << done->end_reason;
  auto job = store_->GetJob(run.job_id);
  EXPECT_EQ(job->status, store::RunStatus::kQueued);
  EXPECT_EQ(job->max_attempts, 2);  // the interrupted attempt does not count
  EXPECT_NE(job->current_execution_id, run.execution_id);
}

TEST_F(WorkerPoolTest, DrainStopsClaimingAndRequeuesAfterTheGraceAndResumeRunsThem) {
  // The first attempt leaves a marker and hangs; the second finds it and succeeds.
  const std::string marker = dir_.path() + "/second";
  const std::string fifo = dir_.path() + "/started.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto event = Create(store::EventType::kBash,
                      "if [ -e " + marker + " ]; then echo done; exit 0; fi\ntouch " + marker +
                          "\nread line < " + fifo + "\nwhile true; do sleep 0.05; done");
  auto run = Enqueue(event);
  std::ofstream(fifo) << "go\n";  // opens once the script reads: it is running
  pool_->Drain(milliseconds(0));
  auto first = AwaitEnd(run.execution_id);
  EXPECT_EQ(first.status, store::RunStatus::kLost);
  EXPECT_TRUE(pool_->Drainage().draining);
  const std::string next = store_->GetJob(run.job_id)->current_execution_id;
  // While draining, the queued attempt is not claimed: queue one more and see both wait.
  auto other = Enqueue(Create(store::EventType::kBash, "true"));
  std::promise<bool> ended;
  queue_->WhenFinished(other.execution_id, milliseconds(300),
                       [&](bool finished) { ended.set_value(finished); });
  EXPECT_FALSE(ended.get_future().get());
  EXPECT_EQ(store_->GetExecution(next)->status, store::RunStatus::kQueued);
  pool_->Resume();
  EXPECT_EQ(AwaitEnd(next).status, store::RunStatus::kSucceeded);
  EXPECT_EQ(AwaitEnd(other.execution_id).status, store::RunStatus::kSucceeded);
  EXPECT_EQ(store_->GetJob(run.job_id)->status, store::RunStatus::kSucceeded);
}

TEST_F(WorkerPoolTest, FailedRunsAreRetriedPerTheEventsPolicy) {
  const std::string marker = dir_.path() + "/failed-once";
  events::EventFields f;
  f.retries = 2;
  f.retry_delay_seconds = 0;
  auto event = Create(
      store::EventType::kBash,
      "if [ -e " + marker + " ]; then echo ok; exit 0; fi\ntouch " + marker + "\nexit 7", {}, f);
  auto run = Enqueue(event);
  auto first = AwaitEnd(run.execution_id);
  EXPECT_EQ(first.status, store::RunStatus::kFailed);
  EXPECT_EQ(first.exit_code, 7);
  auto job = store_->GetJob(run.job_id);
  ASSERT_NE(job->current_execution_id, run.execution_id);
  auto second = AwaitEnd(job->current_execution_id);
  EXPECT_EQ(second.status, store::RunStatus::kSucceeded);
  EXPECT_EQ(second.attempt, 2);
  EXPECT_EQ(second.stdout_text, "ok\n");
  job = store_->GetJob(run.job_id);
  EXPECT_EQ(job->status, store::RunStatus::kSucceeded);
  EXPECT_EQ(job->attempts, 2);
  auto counted = store_->GetEvent(event.id);
  EXPECT_EQ(counted->success_count, 1);
  EXPECT_EQ(counted->failure_count, 1);
  EXPECT_TRUE(counted->last_run_at);
}

TEST_F(WorkerPoolTest, ACancelRequestedElsewhereReachesTheRunAtTheNextHeartbeat) {
  auto event = Create(store::EventType::kBash, "while true; do sleep 0.05; done");
  auto run = Enqueue(event);
  AwaitRunning(run.execution_id);
  // As another node's API would: only the store learns of it.
  ASSERT_TRUE(store_->CancelJob(run.job_id, "cancelled by bob", clock_.Now(), {}));
  pool_->HeartbeatOnce();
  auto done = AwaitEnd(run.execution_id);
  EXPECT_EQ(done.status, store::RunStatus::kCancelled);
  EXPECT_EQ(done.end_reason, "cancelled by bob");
}

TEST_F(WorkerPoolTest, ARunWhoseLeaseWasTakenOverIsStoppedAndRecordsNothing) {
  events::EventFields f;
  f.retries = 1;
  f.retry_delay_seconds = 3600;  // the retry waits: nothing claims it during the test
  f.retry_max_delay_seconds = 3600;
  auto event = Create(store::EventType::kBash, "while true; do sleep 0.05; done", {}, f);
  auto run = Enqueue(event);
  AwaitRunning(run.execution_id);
  // As the reaper of another node does once the lease has lapsed.
  auto execution = store_->GetExecution(run.execution_id);
  execution->status = store::RunStatus::kLost;
  execution->end_reason = "lost: lease expired";
  auto job = store_->GetJob(run.job_id);
  ASSERT_TRUE(queue_->Finish(*job, *execution, queue::RetryPolicy{}));
  pool_->HeartbeatOnce();
  for (int n = 0; n < 1000 && pool_->RunningCount() > 0; ++n) {
    std::promise<void> tick;
    queue_->WhenFinished("exe_none", milliseconds(5), [&](bool) { tick.set_value(); });
    tick.get_future().wait();
  }
  EXPECT_EQ(pool_->RunningCount(), 0);
  EXPECT_EQ(store_->GetExecution(run.execution_id)->end_reason, "lost: lease expired");
  EXPECT_EQ(store_->GetJob(run.job_id)->status, store::RunStatus::kQueued);
}

}  // namespace
}  // namespace cronium::worker

namespace cronium::worker {
namespace {

TEST(ScriptEnvironmentTest, TheRuntimeComesFirstAndTheEventsOwnValuesStay) {
  const RuntimeAccess access{
      .url = "http://127.0.0.1:8081", .token = "tok.en.sig", .helpers_dir = "/opt/cronium"};
  auto env = ScriptEnvironment({{"PATH", "/opt/tools/bin:/usr/bin"},
                                {"PYTHONPATH", "/srv/lib"},
                                {"NODE_OPTIONS", "--max-old-space-size=64"},
                                {"BASH_ENV", "/srv/mine.sh"}},
                               "exe_1", "job_1", "evt_1", &access);
  // Both naming families of the original system.
  EXPECT_EQ(env["CRONIUM_RUNTIME_API"], "http://127.0.0.1:8081");
  EXPECT_EQ(env["CRONIUM_API_ENDPOINT"], "http://127.0.0.1:8081");
  EXPECT_EQ(env["CRONIUM_EXECUTION_TOKEN"], "tok.en.sig");
  EXPECT_EQ(env["CRONIUM_API_TOKEN"], "tok.en.sig");
  EXPECT_EQ(env["CRONIUM_EXECUTION_ID"], "exe_1");
  // The helpers are found first; what the event set still follows.
  EXPECT_EQ(env["PATH"], "/opt/cronium/bin:/opt/tools/bin:/usr/bin");
  EXPECT_EQ(env["PYTHONPATH"], "/opt/cronium/python:/srv/lib");
  EXPECT_EQ(env["NODE_PATH"], "/opt/cronium/node");
  EXPECT_EQ(env["NODE_OPTIONS"], "--require /opt/cronium/node/preload.js --max-old-space-size=64");
  EXPECT_EQ(env["BASH_ENV"], "/opt/cronium/bin/cronium.sh");

  // Without a runtime a script gets none of it.
  auto plain = ScriptEnvironment({}, "exe_1", "job_1", "evt_1");
  EXPECT_EQ(plain.count("CRONIUM_EXECUTION_TOKEN"), 0u);
  EXPECT_EQ(plain.count("BASH_ENV"), 0u);
  EXPECT_EQ(plain["PATH"], "/usr/local/bin:/usr/bin:/bin");
}

// A shell is named, so bash does not look the run's uid up in the user database at every start
// (in the sandbox that uid has no entry, and the lookup went through every NSS module); an
// event's own SHELL stays.
TEST(ScriptEnvironmentTest, AShellIsNamedUnlessTheEventNamesOne) {
  EXPECT_EQ(ScriptEnvironment({}, "exe_1", "job_1", "evt_1")["SHELL"], "/bin/sh");
  EXPECT_EQ(ScriptEnvironment({{"SHELL", "/bin/bash"}}, "exe_1", "job_1", "evt_1")["SHELL"],
            "/bin/bash");
}

}  // namespace
}  // namespace cronium::worker
