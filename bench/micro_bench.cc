// Micro benchmarks of the hot paths, each next to the bare-machine operation it wraps.

#include <benchmark/benchmark.h>
#include <date/tz.h>
#include <spawn.h>
#include <sys/wait.h>

#include "base/ids.h"
#include "base/time_format.h"
#include "crypto/secrets.h"
#include "exec/process_executor.h"
#include "http/router.h"
#include "runtime/runtime_service.h"
#include "scheduler/cron_expression.h"
#include "store/sqlite/sqlite_store.h"
#include "testutil/temp_dir.h"

extern char** environ;

namespace cronium {
namespace {

// Baseline: the bare cost of starting and reaping `bash -c true`.
void BM_BareSpawnBashTrue(benchmark::State& state) {
  char bash[] = "/bin/bash";
  char dash_c[] = "-c";
  char cmd[] = "true";
  char* argv[] = {bash, dash_c, cmd, nullptr};
  char* envp[] = {nullptr};
  for (auto _ : state) {
    pid_t pid = -1;
    posix_spawn(&pid, "/bin/bash", nullptr, nullptr, argv, envp);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BareSpawnBashTrue)->Unit(benchmark::kMillisecond)->UseRealTime()->ThreadRange(1, 2);

// The plain executor running the same: work dir, script file, pipes, process group, cleanup.
void BM_ProcessExecutorBashTrue(benchmark::State& state) {
  testutil::TempDir dir;
  exec::ProcessExecutor executor;
  exec::RunSpec spec;
  spec.program = "/bin/bash";
  spec.args = {"{script}"};
  spec.script = "true";
  spec.script_name = "script.sh";
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  spec.work_root = dir.path();
  for (auto _ : state) {
    exec::CancelToken cancel;
    benchmark::DoNotOptimize(executor.Run(spec, cancel));
  }
}
BENCHMARK(BM_ProcessExecutorBashTrue)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SqliteGetEvent(benchmark::State& state) {
  testutil::TempDir dir;
  auto store = store::sqlite::OpenStore({.path = dir.path() + "/b.db"});
  store::EventRecord event;
  event.id = NewId("evt", FromUnixMillis(1));
  event.name = "bench";
  event.content = std::string(2000, 'x');
  event.tags = {"a", "b"};
  (void)(*store)->InsertEvent(event, {});
  for (auto _ : state) benchmark::DoNotOptimize((*store)->GetEvent(event.id));
}
BENCHMARK(BM_SqliteGetEvent)->ThreadRange(1, 2)->UseRealTime();

// Adds a job of `event_id` that succeeded at `at`, with its execution.
void AddFinishedRun(store::Store& store, const std::string& event_id, TimePoint at,
                    std::string stdout_text = {}) {
  store::JobRecord job;
  job.id = NewId("job", at);
  job.event_id = event_id;
  job.status = store::RunStatus::kSucceeded;
  job.created_at = job.updated_at = job.run_after = at;
  job.finished_at = at;
  store::ExecutionRecord execution;
  execution.id = NewId("exe", at);
  execution.job_id = job.id;
  execution.event_id = event_id;
  execution.attempt = 1;
  execution.status = store::RunStatus::kSucceeded;
  execution.stdout_text = std::move(stdout_text);
  execution.created_at = at;
  execution.finished_at = at;
  job.current_execution_id = execution.id;
  if (!store.EnqueueJob(job, execution, {})) std::abort();
}

// A SQLite store with a history of 100,000 executions over 100 events, and 5 older ones of a
// rarely run event (built once, for the list benchmarks below).
store::Store& HistoryStore(std::string& rare_event) {
  static testutil::TempDir dir;
  static std::string rare;
  static std::unique_ptr<store::Store> store = [] {
    auto opened = store::sqlite::OpenStore({.path = dir.path() + "/h.db"});
    if (!opened) std::abort();
    int64_t ms = 1'000'000;
    auto add_event = [&](const std::string& name) {
      store::EventRecord event;
      event.id = NewId("evt", FromUnixMillis(++ms));
      event.name = name;
      if (!(*opened)->InsertEvent(event, {})) std::abort();
      return event.id;
    };
    auto add_run = [&](const std::string& event_id) {
      AddFinishedRun(**opened, event_id, FromUnixMillis(++ms), std::string(200, 'o'));
    };
    rare = add_event("rare");
    for (int i = 0; i < 5; ++i) add_run(rare);
    std::vector<std::string> busy;
    for (int e = 0; e < 100; ++e) busy.push_back(add_event("busy"));
    for (int i = 0; i < 100'000; ++i) add_run(busy[static_cast<size_t>(i % 100)]);
    return std::move(*opened);
  }();
  rare_event = rare;
  return *store;
}

// An event's last runs, the page `GET /api/v1/events/{id}/executions` shows, for an event
// whose runs are few and old among 100,000: walks the event's index, not the table.
void BM_SqliteListOneEventsExecutions(benchmark::State& state) {
  std::string rare;
  store::Store& store = HistoryStore(rare);
  for (auto _ : state) {
    auto page = store.ListExecutions({.event_id = rare, .limit = 50});
    if (!page || page->size() != 5) state.SkipWithError("wrong page");
  }
}
BENCHMARK(BM_SqliteListOneEventsExecutions)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Baseline: the newest 50 runs of all, read from the end of the primary key.
void BM_SqliteListNewestExecutions(benchmark::State& state) {
  std::string rare;
  store::Store& store = HistoryStore(rare);
  for (auto _ : state) benchmark::DoNotOptimize(store.ListExecutions({.limit = 50}));
}
BENCHMARK(BM_SqliteListNewestExecutions)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Retention with a backlog: 40,000 finished jobs of 40 events, the newest 100 of each kept, so
// a pass deletes 36,000, calling PruneJobs until it returns 0. The argument is PruneJobs'
// batch: how many jobs one ranking read chooses (each read ranks every finished job); 500
// was the batch before, 5,000 is what the server passes now.
void BM_SqlitePruneBacklog(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  int reads = 0;
  for (auto _ : state) {
    state.PauseTiming();
    testutil::TempDir dir;
    auto opened = store::sqlite::OpenStore({.path = dir.path() + "/p.db"});
    if (!opened) std::abort();
    store::Store& store = **opened;
    int64_t ms = 1'000'000;
    std::vector<std::string> events;
    for (int e = 0; e < 40; ++e) {
      store::EventRecord event;
      event.id = NewId("evt", FromUnixMillis(++ms));
      event.name = "busy";
      if (!store.InsertEvent(event, {})) std::abort();
      events.push_back(event.id);
    }
    for (int i = 0; i < 40'000; ++i) {
      AddFinishedRun(store, events[static_cast<size_t>(i % 40)], FromUnixMillis(++ms));
    }
    state.ResumeTiming();
    int deleted = 0;
    for (int round = 0; round < 1'000; ++round) {
      auto pruned = store.PruneJobs(TimePoint(), 100, batch, TimePoint());
      if (!pruned) std::abort();
      ++reads;
      if (*pruned == 0) break;
      deleted += *pruned;
    }
    if (deleted != 36'000) state.SkipWithError("wrong count pruned");
  }
  state.counters["reads"] = benchmark::Counter(reads, benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_SqlitePruneBacklog)
    ->Arg(500)
    ->Arg(5'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_RouterDispatch(benchmark::State& state) {
  http::Router router;
  for (const char* path : {"/healthz", "/readyz", "/api/v1/events", "/api/v1/events/{id}",
                           "/api/v1/events/{id}/run", "/api/v1/executions/{id}"}) {
    router.Add(http::Method::kGet, path, [](http::Request&, http::Responder respond) {
      respond(http::Response::Json(200, "{}"));
    });
  }
  for (auto _ : state) {
    http::Request request;
    request.path = "/api/v1/executions/exe_01abc";
    router.Dispatch(request, [](http::Response response) { benchmark::DoNotOptimize(response); });
  }
}
BENCHMARK(BM_RouterDispatch);

void BM_NewId(benchmark::State& state) {
  int64_t ms = 1'700'000'000'000;
  for (auto _ : state) benchmark::DoNotOptimize(NewId("evt", FromUnixMillis(ms++)));
}
BENCHMARK(BM_NewId);

void BM_SealAndOpenEnvVar(benchmark::State& state) {
  std::array<unsigned char, crypto::kKeyBytes> key{};
  const auto box = crypto::MasterKey::FromBytesForTest(key).Box(crypto::KeyPurpose::kEventEnvVars);
  for (auto _ : state) {
    auto sealed = box.Seal("a secret value of moderate length", "event-env/evt_1/KEY");
    benchmark::DoNotOptimize(box.Open(sealed, "event-env/evt_1/KEY"));
  }
}
BENCHMARK(BM_SealAndOpenEnvVar);

// The server side of a script's getVariable / setVariable: the token check (HS256, the run's
// registry, the rate limit), then a SQLite read and a decryption, or an encryption and a
// write transaction with its audit row. The HTTP around it costs what GET /healthz does.
struct RuntimeFixture {
  RuntimeFixture() {
    auto opened = store::sqlite::OpenStore({.path = dir.path() + "/r.db"});
    store = std::move(*opened);
    store::UserRecord user;
    user.id = NewId("usr", clock.Now());
    user.username = "bench";
    user.email = "bench@example.test";
    user.password_hash = "x";
    user.created_at = user.updated_at = clock.Now();
    (void)store->InsertUser(user, {});
    std::array<unsigned char, crypto::kKeyBytes> bytes{};
    const auto key = crypto::MasterKey::FromBytesForTest(bytes);
    variables = std::make_unique<runtime::Variables>(
        runtime::VariablesOptions{}, *store, key.Box(crypto::KeyPurpose::kUserVariables), clock);
    service = std::make_unique<runtime::RuntimeService>(
        runtime::RuntimeOptions{.requests_per_minute = 1'000'000'000},
        runtime::ExecutionTokens(key.Signer(crypto::KeyPurpose::kExecutionTokens), clock),
        *variables, *store, clock);
    header = "Bearer " + service->Begin({.execution_id = "exe_bench",
                                         .user_id = user.id,
                                         .started_at = clock.Now(),
                                         .deadline = clock.Now() + std::chrono::hours(1)});
  }
  testutil::TempDir dir;
  SystemClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<runtime::Variables> variables;
  std::unique_ptr<runtime::RuntimeService> service;
  std::string header;
};

void BM_RuntimeGetVariable(benchmark::State& state) {
  RuntimeFixture f;
  auto caller = *f.service->Authorize(f.header, "exe_bench", "");
  (void)f.service->SetVariable(caller, "counter", R"({"n":41,"tags":["a","b"]})");
  for (auto _ : state) {
    auto authorized = f.service->Authorize(f.header, "exe_bench", "");
    benchmark::DoNotOptimize(f.service->GetVariable(*authorized, "counter"));
  }
}
BENCHMARK(BM_RuntimeGetVariable)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_RuntimeSetVariable(benchmark::State& state) {
  RuntimeFixture f;
  int n = 0;
  for (auto _ : state) {
    auto authorized = f.service->Authorize(f.header, "exe_bench", "");
    benchmark::DoNotOptimize(f.service->SetVariable(
        *authorized, "counter", R"({"n":)" + std::to_string(n++) + R"(,"tags":["a","b"]})"));
  }
}
BENCHMARK(BM_RuntimeSetVariable)->Unit(benchmark::kMicrosecond)->UseRealTime();

// NextAfter in a DST zone: a typical expression and pathological ones (rare matches).
void BM_CronNextAfter(benchmark::State& state, const char* text) {
  auto expr = scheduler::CronExpression::Parse(text);
  const date::time_zone& zone = **scheduler::LocateZone("Europe/Berlin");
  TimePoint t = FromUnixMillis(1'767'225'600'000);  // 2026-01-01
  for (auto _ : state) {
    auto next = expr->NextAfter(t, zone);
    benchmark::DoNotOptimize(next);
    t = next ? next->instant : FromUnixMillis(1'767'225'600'000);
  }
}
BENCHMARK_CAPTURE(BM_CronNextAfter, every_5_minutes, "*/5 * * * *");
BENCHMARK_CAPTURE(BM_CronNextAfter, weekdays_at_9, "0 9 * * MON-FRI");
BENCHMARK_CAPTURE(BM_CronNextAfter, last_friday, "0 0 * * 5L");
BENCHMARK_CAPTURE(BM_CronNextAfter, leap_day, "0 0 29 2 *");
BENCHMARK_CAPTURE(BM_CronNextAfter, never, "0 0 30 2 *");

}  // namespace
}  // namespace cronium

BENCHMARK_MAIN();
