// The durable queue under load (issue #5), in process: a SqliteStore in a temp dir, the
// JobQueue, a WorkerPool and an executor, as `cronium serve` wires them. Prints table rows
// (ROW, metric, measured, target, baseline) for scripts/bench.sh; each baseline is measured in
// the same run:
//
//   1. Throughput of BASH `true` jobs from enqueue to recorded completion with 1, 2 and 4
//      workers, with the ProcessExecutor next to the bare spawn rate of `/bin/bash <script>` at
//      the same parallelism, then with the SandboxExecutor next to the bare sandbox rate:
//      SandboxExecutor::Run of the worker's RunSpec for the same script, called directly from
//      as many threads (no queue, no store). The sandbox needs root; where it is unavailable,
//      one row says why.
//   2. Dispatch latency from run_after (the Enqueue call) to the start of the script, with the
//      pool idle, next to a bare posix_spawn of the same script. Both scripts print
//      $EPOCHREALTIME (a bash builtin, no fork) first, so both sides stop the clock at the same
//      point; bash's own start-up is in both.
//   3. Claim, mark running and finish cycles of the store alone (no processes), with 1 and 4
//      threads, next to the bare SQLite write rate on the same database file: BEGIN IMMEDIATE;
//      a one-row UPDATE; COMMIT, prepared, on a connection with the store's pragmas.
//
// Diagnostic rows (target "-") say where a job's time goes: inside the executor, in the store's
// SQL (counted with an SQLite trace hook installed on every connection the process opens), and
// the rest (wake-ups, claims that found nothing, the worker's own code).
//
// Every loop is bounded and every database lives in a temp dir removed at exit.
//
// Usage: cronium_queue_bench [jobs_per_throughput_run] [latency_samples] [store_cycles]
//                            [jobs_per_sandbox_throughput_run]
// With CRONIUM_BENCH_SQL_PROFILE=1 it also prints, per section, the time of each SQL statement
// per job to stderr.

#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "base/logging.h"
#include "bench_records.h"
#include "bench_util.h"
#include "crypto/secrets.h"
#include "events/event_service.h"
#include "exec/process_executor.h"
#include "exec/sandbox_executor.h"
#include "live/output_hub.h"
#include "queue/job_queue.h"
#include "sandbox/cgroup.h"
#include "store/sqlite/sqlite_store.h"
#include "testutil/temp_dir.h"
#include "worker/worker_pool.h"

namespace cronium {
namespace {

using bench::Cpu;
using bench::CpuNow;
using bench::Fail;
using bench::Row;

using bench::Fixed;
using bench::Plural;
using bench::Seconds;
using bench::Steady;
using bench::Thousands;
using std::chrono::milliseconds;

double Ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

// CPU per item between two readings.
Cpu CpuPer(const Cpu& before, const Cpu& after, int items) {
  return Cpu{(after.self_ms - before.self_ms) / items,
             (after.children_ms - before.children_ms) / items};
}

// ---- SQL accounting: an auto extension puts a trace hook on every connection ----------------

struct SqlCounters {
  std::atomic<bool> on{false};
  std::atomic<int64_t> write_transactions{0};  // BEGIN IMMEDIATE on the writer
  std::atomic<int64_t> writer_ns{0};           // time SQLite spent running writer statements
  std::atomic<int64_t> reader_statements{0};
  std::atomic<int64_t> reader_ns{0};

  void Reset() {
    write_transactions = 0;
    writer_ns = 0;
    reader_statements = 0;
    reader_ns = 0;
  }
};
SqlCounters g_sql;

// With CRONIUM_BENCH_SQL_PROFILE=1, time per SQL text too, printed to stderr per section.
bool g_profile = false;
std::mutex g_profile_mutex;
std::map<std::string, std::pair<int64_t, int64_t>> g_profile_by_sql;  // count, ns

void PrintProfile(const std::string& section, int per) {
  if (!g_profile) return;
  std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> rows;
  {
    std::lock_guard lock(g_profile_mutex);
    rows.assign(g_profile_by_sql.begin(), g_profile_by_sql.end());
    g_profile_by_sql.clear();
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.second > b.second.second; });
  std::fprintf(stderr, "SQL profile, %s (per job: count, microseconds):\n", section.c_str());
  for (size_t n = 0; n < rows.size() && n < 12; ++n) {
    std::fprintf(stderr, "  %6.2f %8.1f  %.110s\n", static_cast<double>(rows[n].second.first) / per,
                 static_cast<double>(rows[n].second.second) / 1e3 / per, rows[n].first.c_str());
  }
}

int TraceSql(unsigned type, void* /*context*/, void* p, void* x) {
  if (!g_sql.on.load(std::memory_order_relaxed)) return 0;
  auto* stmt = static_cast<sqlite3_stmt*>(p);
  const bool reader = sqlite3_db_readonly(sqlite3_db_handle(stmt), "main") == 1;
  if (type == SQLITE_TRACE_STMT) {
    const char* sql = static_cast<const char*>(x);
    if (!reader && std::strncmp(sql, "BEGIN IMMEDIATE", 15) == 0) ++g_sql.write_transactions;
    if (reader) ++g_sql.reader_statements;
  } else if (type == SQLITE_TRACE_PROFILE) {
    const auto ns = *static_cast<sqlite3_int64*>(x);
    (reader ? g_sql.reader_ns : g_sql.writer_ns) += ns;
    if (g_profile) {
      std::lock_guard lock(g_profile_mutex);
      auto& [count, total] = g_profile_by_sql[sqlite3_sql(stmt)];
      ++count;
      total += ns;
    }
  }
  return 0;
}

int InstallTrace(sqlite3* db, char** /*error*/, const sqlite3_api_routines* /*api*/) {
  sqlite3_trace_v2(db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE, TraceSql, nullptr);
  return SQLITE_OK;
}

// ---- bare baselines ---------------------------------------------------------------------------

std::string WriteScript(const std::string& dir, const std::string& name,
                        const std::string& content) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << content << "\n";
  return path;
}

// posix_spawn `/bin/bash script` and wait for it; its stdout goes to `out_fd` if >= 0. The
// environment is the one a run gets (the same command: LANG=C.UTF-8 makes bash load its
// locale, which costs as much here as in a run).
pid_t Spawn(const std::string& script, int out_fd) {
  static const std::vector<std::string> env_storage = [] {
    std::vector<std::string> vars;
    const std::string tmp = std::filesystem::temp_directory_path().string();
    for (const auto& [key, value] : worker::ScriptEnvironment({}, "exe_0000000000000000000000000",
                                                              "job_0000000000000000000000000",
                                                              "evt_0000000000000000000000000")) {
      vars.push_back(key + "=" + (value == "{workdir}" ? tmp : value));
    }
    return vars;
  }();
  std::string program = "/bin/bash", path = script;
  char* argv[] = {program.data(), path.data(), nullptr};
  std::vector<char*> envp;
  for (const auto& var : env_storage) envp.push_back(const_cast<char*>(var.c_str()));
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) Fail(std::string("posix_spawn: ") + std::strerror(rc));
  return pid;
}

void Reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

struct BareRate {
  double per_s = 0;
  Cpu cpu;  // per spawn
};

// `threads` spawning and reaping in parallel, `total` spawns in all.
BareRate BareSpawnRate(const std::string& script, int threads, int total) {
  std::atomic<int> next{0};
  const Cpu cpu = CpuNow();
  const auto start = Steady::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      while (next.fetch_add(1) < total) Reap(Spawn(script, -1));
    });
  }
  for (auto& thread : pool) thread.join();
  const double wall = Seconds(Steady::now() - start);
  return BareRate{total / wall, CpuPer(cpu, CpuNow(), total)};
}

// ---- the harness --------------------------------------------------------------------------------

// Delegates to another executor and notes when each run entered it (after claim, MarkRunning and
// BuildSpec) and how long runs spent in it.
class TimingExecutor final : public exec::Executor {
 public:
  explicit TimingExecutor(exec::Executor& inner) : inner_(inner) {}
  exec::RunResult Run(const exec::RunSpec& spec, exec::CancelToken& cancel) override {
    const auto entered = Steady::now();
    last_entered_ns_ = entered.time_since_epoch().count();
    exec::RunResult result = inner_.Run(spec, cancel);
    busy_ns_ += (Steady::now() - entered).count();
    return result;
  }
  Steady::time_point last_entered() const {
    return Steady::time_point(Steady::duration(last_entered_ns_.load()));
  }
  double busy_seconds() const { return static_cast<double>(busy_ns_.load()) / 1e9; }

 private:
  exec::Executor& inner_;
  std::atomic<int64_t> last_entered_ns_{0};
  std::atomic<int64_t> busy_ns_{0};
};

// What `cronium serve` builds, with `workers` workers, one BASH event running `script` and runs
// going to `inner`.
struct Harness {
  Harness(int workers, const std::string& script, exec::Executor& inner) : executor(inner) {
    auto opened = store::sqlite::OpenStore({.path = dir.path() + "/bench.db"});
    if (!opened) Fail("cannot open the store: " + opened.error().message);
    store = std::move(*opened);
    std::array<unsigned char, crypto::kKeyBytes> key{};
    events = std::make_unique<events::EventService>(
        events::EventsOptions{}, *store,
        crypto::MasterKey::FromBytesForTest(key).Box(crypto::KeyPurpose::kEventEnvVars), clock);
    queue = std::make_unique<queue::JobQueue>(*store, clock);
    hub = std::make_unique<live::OutputHub>(live::HubOptions{}, clock);
    pool = std::make_unique<worker::WorkerPool>(
        worker::WorkerOptions{
            .workers = workers, .work_root = dir.path() + "/runs", .hub = hub.get()},
        *queue, *events, executor, clock);
    events::EventFields fields;
    fields.name = "bench";
    fields.type = store::EventType::kBash;
    fields.content = script;
    fields.status = store::EventStatus::kActive;
    auto created = events->Create(fields, store::Actor{});
    if (!created) Fail("cannot create the event: " + created.error().message);
    auto record = events->GetRecord(created->id);
    if (!record) Fail("cannot read the event: " + record.error().message);
    event = *record;
  }
  ~Harness() {
    pool->Stop(milliseconds(0));
    queue->Shutdown();
  }

  std::string Enqueue() {
    auto run = queue->Enqueue(event, {});
    if (!run) Fail("enqueue: " + run.error().message);
    return run->execution_id;
  }

  // Waits until the execution is terminal and returns it (bounded: 10 s).
  store::ExecutionRecord AwaitEnd(const std::string& execution_id) {
    for (int attempt = 0; attempt < 500; ++attempt) {
      auto current = store->GetExecution(execution_id);
      if (current && store::IsTerminal(current->status)) return *current;
      std::promise<void> done;
      queue->WhenFinished(execution_id, milliseconds(20), [&](bool) { done.set_value(); });
      done.get_future().wait();
    }
    Fail("execution " + execution_id + " did not end");
  }

  int64_t Count(store::RunStatus status) {
    auto counts = store->CountJobs();
    if (!counts) Fail("count jobs: " + counts.error().message);
    for (const auto& [s, n] : *counts) {
      if (s == status) return n;
    }
    return 0;
  }

  testutil::TempDir dir;
  SystemClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<events::EventService> events;
  std::unique_ptr<queue::JobQueue> queue;
  std::unique_ptr<live::OutputHub> hub;
  TimingExecutor executor;
  std::unique_ptr<worker::WorkerPool> pool;
  store::EventRecord event;
};

// ---- 1. throughput -----------------------------------------------------------------------------

struct Throughput {
  double jobs_per_s = 0;
  Cpu cpu;                 // per job
  double executor_ms = 0;  // per job, inside Executor::Run
  double worker_ms = 0;    // per job, worker-thread time in all (workers * wall / jobs)
  double write_tx = 0;     // per job
  double writer_sql_ms = 0;
  double reader_statements = 0;
  double reader_sql_ms = 0;
};

// `label` names the executor in the SQL profile.
Throughput MeasureThroughput(int workers, int jobs, exec::Executor& inner,
                             const std::string& label) {
  Harness h(workers, "true", inner);
  std::vector<std::string> ids;
  ids.reserve(static_cast<size_t>(jobs));
  for (int n = 0; n < jobs; ++n) ids.push_back(h.Enqueue());

  // Nothing runs yet, so every waiter is released by the run's end (or gives up at 120 s).
  std::latch left(jobs);
  std::atomic<int> gave_up{0};
  for (const auto& id : ids) {
    h.queue->WhenFinished(id, milliseconds(120'000), [&](bool finished) {
      if (!finished) ++gave_up;
      left.count_down();
    });
  }
  g_sql.Reset();
  g_sql.on = true;
  const Cpu cpu = CpuNow();
  const auto start = Steady::now();
  h.pool->Start();
  left.wait();
  const double wall = Seconds(Steady::now() - start);
  const Cpu cpu_per_job = CpuPer(cpu, CpuNow(), jobs);
  g_sql.on = false;
  PrintProfile(label + ", " + std::to_string(workers) + " worker(s)", jobs);
  if (gave_up > 0) Fail(std::to_string(gave_up.load()) + " jobs did not end within 120 s");
  const int64_t succeeded = h.Count(store::RunStatus::kSucceeded);
  if (succeeded != jobs) {
    Fail(std::to_string(succeeded) + " of " + std::to_string(jobs) + " jobs succeeded");
  }
  Throughput t;
  t.jobs_per_s = jobs / wall;
  t.cpu = cpu_per_job;
  t.executor_ms = h.executor.busy_seconds() * 1000 / jobs;
  t.worker_ms = wall * workers * 1000 / jobs;
  t.write_tx = static_cast<double>(g_sql.write_transactions) / jobs;
  t.writer_sql_ms = static_cast<double>(g_sql.writer_ns) / 1e6 / jobs;
  t.reader_statements = static_cast<double>(g_sql.reader_statements) / jobs;
  t.reader_sql_ms = static_cast<double>(g_sql.reader_ns) / 1e6 / jobs;
  return t;
}

// The executor on its own, runs one after another: wall time and CPU per run.
struct Alone {
  double ms = 0;
  Cpu cpu;
};

// The RunSpec the worker builds for a BASH `true` event (see worker::WorkerPool::BuildSpec).
exec::RunSpec WorkerSpec(const std::string& work_root) {
  exec::RunSpec spec;
  spec.program = "/bin/bash";
  spec.args = {"{script}"};
  spec.script = "true";
  spec.script_name = "script.sh";
  spec.env =
      worker::ScriptEnvironment({}, "exe_0000000000000000000000000",
                                "job_0000000000000000000000000", "evt_0000000000000000000000000");
  spec.work_root = work_root;
  return spec;
}

// The bare sandbox rate: SandboxExecutor::Run of `spec` called directly from `threads` threads,
// `total` runs in all, with no queue and no store.
BareRate BareSandboxRate(exec::SandboxExecutor& sandbox, const exec::RunSpec& spec, int threads,
                         int total) {
  std::atomic<int> next{0}, failed{0};
  const Cpu cpu = CpuNow();
  const auto start = Steady::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      while (next.fetch_add(1) < total) {
        exec::CancelToken cancel;
        if (!sandbox.Run(spec, cancel).Succeeded()) ++failed;
      }
    });
  }
  for (auto& thread : pool) thread.join();
  const double wall = Seconds(Steady::now() - start);
  if (failed > 0) Fail(std::to_string(failed.load()) + " bare sandbox runs of `true` failed");
  return BareRate{total / wall, CpuPer(cpu, CpuNow(), total)};
}

Alone MeasureExecutorAlone(const exec::RunSpec& spec, int runs) {
  exec::ProcessExecutor executor;
  const Cpu cpu = CpuNow();
  const auto start = Steady::now();
  for (int n = 0; n < runs; ++n) {
    exec::CancelToken cancel;
    if (!executor.Run(spec, cancel).Succeeded()) Fail("the executor could not run `true`");
  }
  return Alone{Ms(Steady::now() - start) / runs, CpuPer(cpu, CpuNow(), runs)};
}

// What ProcessExecutor does on disk around each run: a private work dir, the script file (0600),
// and the removal of both.
Alone MeasureWorkDir(const std::string& work_root, int runs) {
  const Cpu cpu = CpuNow();
  const auto start = Steady::now();
  for (int n = 0; n < runs; ++n) {
    std::error_code ec;
    std::filesystem::create_directories(work_root, ec);
    std::string dir = work_root + "/run-XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) Fail("mkdtemp");
    const int fd =
        open((dir + "/script.sh").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, "true", 4) != 4) Fail("cannot write the script");
    close(fd);
    std::filesystem::remove_all(dir, ec);
  }
  return Alone{Ms(Steady::now() - start) / runs, CpuPer(cpu, CpuNow(), runs)};
}

// ---- 2. dispatch latency -----------------------------------------------------------------------

double WallSeconds(std::chrono::system_clock::time_point at) {
  return std::chrono::duration<double>(at.time_since_epoch()).count();
}

// What the script printed: its $EPOCHREALTIME, "1767225600.123456".
double ParseEpoch(const std::string& text) {
  try {
    return std::stod(text);
  } catch (...) {
    Fail("the script printed no $EPOCHREALTIME: '" + text + "'");
  }
}

constexpr milliseconds kIdleGap{3};  // before each latency sample, on both sides

struct Latencies {
  std::vector<double> to_script_ms;    // run_after (Enqueue called) -> script's first command
  std::vector<double> to_executor_ms;  // Enqueue called -> Executor::Run entered
};

Latencies MeasureDispatch(int workers, int samples) {
  exec::ProcessExecutor process;
  Harness h(workers, "echo $EPOCHREALTIME", process);
  h.pool->Start();
  Latencies out;
  for (int n = 0; n < samples; ++n) {
    // Let every worker park in WaitForWork, so each job meets an idle pool.
    std::this_thread::sleep_for(kIdleGap);
    const auto wall = std::chrono::system_clock::now();
    const auto steady = Steady::now();
    const std::string id = h.Enqueue();
    const auto end = h.AwaitEnd(id);
    if (end.status != store::RunStatus::kSucceeded) Fail("a latency run failed: " + end.end_reason);
    out.to_script_ms.push_back((ParseEpoch(end.stdout_text) - WallSeconds(wall)) * 1000);
    out.to_executor_ms.push_back(Ms(h.executor.last_entered() - steady));
  }
  return out;
}

struct BareLatencies {
  std::vector<double> to_script_ms;  // before posix_spawn -> script's first command
  std::vector<double> spawn_ms;      // time for posix_spawn to return
};

BareLatencies MeasureBareDispatch(const std::string& script, int samples) {
  BareLatencies out;
  for (int n = 0; n < samples; ++n) {
    std::this_thread::sleep_for(kIdleGap);  // as idle as the pool before each job
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) Fail("pipe");
    const auto wall = std::chrono::system_clock::now();
    const auto steady = Steady::now();
    const pid_t pid = Spawn(script, fds[1]);
    out.spawn_ms.push_back(Ms(Steady::now() - steady));
    close(fds[1]);
    std::string text;
    char buffer[256];
    for (ssize_t got; (got = read(fds[0], buffer, sizeof buffer)) != 0;) {
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) break;
      text.append(buffer, static_cast<size_t>(got));
    }
    close(fds[0]);
    Reap(pid);
    out.to_script_ms.push_back((ParseEpoch(text) - WallSeconds(wall)) * 1000);
  }
  return out;
}

// ---- 3. the store alone ------------------------------------------------------------------------

struct StoreRates {
  double enqueue_per_s = 0;  // EnqueueJob: job + execution + audit row, one transaction
  double cycles_per_s = 0;   // ClaimNextJob + MarkRunning + FinishExecution
  double bare_tx_per_s = 0;  // BEGIN IMMEDIATE; one-row UPDATE; COMMIT on the same file
};

StoreRates MeasureStoreCycles(int threads, int cycles, bool bare) {
  StoreRates rates;
  testutil::TempDir dir;
  SystemClock clock;
  const std::string path = dir.path() + "/bench.db";
  auto opened = store::sqlite::OpenStore({.path = path});
  if (!opened) Fail("cannot open the store: " + opened.error().message);
  auto& store = **opened;
  const store::EventRecord event = bench::TrueEvent(clock.Now());
  if (!store.InsertEvent(event, {})) Fail("insert event");
  const auto enqueue_start = Steady::now();
  for (int n = 0; n < cycles; ++n) {
    const TimePoint now = clock.Now();
    auto [job, execution] = queue::NewJob(queue::ParamsFor(event), now);
    const auto audit = store::MakeAudit(
        store::Actor{}, now, "run.start", "execution", execution.id,
        R"({"eventId":")" + event.id + R"(","jobId":")" + job.id + R"(","trigger":"MANUAL"})");
    if (!store.EnqueueJob(job, execution, audit)) Fail("enqueue job");
  }
  rates.enqueue_per_s = cycles / Seconds(Steady::now() - enqueue_start);

  std::atomic<int> done{0}, errors{0};
  g_sql.on = true;
  const auto start = Steady::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const std::string worker = "bench/w" + std::to_string(t);
      for (int guard = 0; guard <= cycles; ++guard) {
        const TimePoint now = clock.Now();
        auto claimed = store.ClaimNextJob(worker, now, now + milliseconds(30'000));
        if (!claimed) ++errors;
        if (!claimed || !*claimed) return;
        auto& [job, execution] = **claimed;
        if (!store.MarkRunning(job.id, execution.id, worker, clock.Now())) {
          ++errors;
          return;
        }
        const TimePoint end = clock.Now();
        const auto ended = bench::Succeeded(execution, now, end);
        if (!store.FinishExecution(ended, end, std::nullopt, bench::EndAudit(ended, end))) {
          ++errors;
          return;
        }
        ++done;
      }
    });
  }
  for (auto& thread : pool) thread.join();
  const double wall = Seconds(Steady::now() - start);
  g_sql.on = false;
  PrintProfile("store alone, " + std::to_string(threads) + " thread(s)", cycles);
  if (errors > 0 || done != cycles) {
    Fail("store cycles: " + std::to_string(done.load()) + " of " + std::to_string(cycles) +
         " done, " + std::to_string(errors.load()) + " errors");
  }

  rates.cycles_per_s = cycles / wall;

  if (bare) {
    // The bare write: one-row UPDATE transactions on the same file, with the store's pragmas.
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      Fail("sqlite3_open_v2");
    }
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt *begin = nullptr, *update = nullptr, *commit = nullptr;
    sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr);
    sqlite3_prepare_v2(db, "UPDATE events SET updated_at = ?1 WHERE id = ?2", -1, &update, nullptr);
    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr);
    if (begin == nullptr || update == nullptr || commit == nullptr) Fail(sqlite3_errmsg(db));
    const int count = std::max(1000, cycles * 2);
    const auto bare_start = Steady::now();
    for (int n = 0; n < count; ++n) {
      bool ok = sqlite3_step(begin) == SQLITE_DONE;
      sqlite3_bind_int64(update, 1, n);
      sqlite3_bind_text(update, 2, event.id.c_str(), -1, SQLITE_STATIC);
      ok = sqlite3_step(update) == SQLITE_DONE && ok;
      ok = sqlite3_step(commit) == SQLITE_DONE && ok;
      sqlite3_reset(begin);
      sqlite3_reset(update);
      sqlite3_reset(commit);
      if (!ok) Fail(std::string("bare write: ") + sqlite3_errmsg(db));
    }
    rates.bare_tx_per_s = count / Seconds(Steady::now() - bare_start);
    sqlite3_finalize(begin);
    sqlite3_finalize(update);
    sqlite3_finalize(commit);
    sqlite3_close(db);
  }
  return rates;
}

int Main(int argc, char** argv) {
  const int jobs = std::clamp(argc > 1 ? std::atoi(argv[1]) : 2000, 10, 100'000);
  const int samples = std::clamp(argc > 2 ? std::atoi(argv[2]) : 300, 10, 10'000);
  const int cycles = std::clamp(argc > 3 ? std::atoi(argv[3]) : 3000, 10, 1'000'000);
  const int sandbox_jobs = std::clamp(argc > 4 ? std::atoi(argv[4]) : 1000, 10, 100'000);
  // As `make bench` runs the server: per-run info lines would be part of what is measured.
  (void)InitLogging({.level = "warn"});
  const char* profile = std::getenv("CRONIUM_BENCH_SQL_PROFILE");
  g_profile = profile != nullptr && std::string(profile) == "1";
  sqlite3_auto_extension(reinterpret_cast<void (*)()>(&InstallTrace));

  testutil::TempDir dir;
  const std::string true_script = WriteScript(dir.path(), "true.sh", "true");
  const std::string epoch_script = WriteScript(dir.path(), "epoch.sh", "echo $EPOCHREALTIME");

  // 1. Throughput, each next to the bare rate at the same parallelism, measured just before.
  struct Measured {
    int workers;
    BareRate bare;
    Throughput t;
  };
  // Where a job's time goes, per worker count: rows indented under the throughput rows.
  auto diagnose = [](const std::string& executor, const std::vector<Measured>& measured) {
    for (const auto& [workers, bare, t] : measured) {
      const double sql = t.writer_sql_ms + t.reader_sql_ms;
      Row("  " + executor + ", " + Plural(workers, "worker") +
              ": per job and worker: executor + SQL + rest",
          Fixed(t.worker_ms, 2) + " = " + Fixed(t.executor_ms, 2) + " + " + Fixed(sql, 2) + " + " +
              Fixed(t.worker_ms - t.executor_ms - sql, 2) + " ms",
          "-", Fixed(workers * 1000 / bare.per_s, 2) + " ms per bare run and thread");
      Row("  " + executor + ", " + Plural(workers, "worker") + ": CPU per job: cronium + script",
          Fixed(t.cpu.self_ms, 2) + " + " + Fixed(t.cpu.children_ms, 2) + " ms", "-",
          Fixed(bare.cpu.self_ms, 2) + " + " + Fixed(bare.cpu.children_ms, 2) + " ms (bare)");
    }
  };
  exec::ProcessExecutor process;
  std::vector<Measured> measured;
  for (int workers : {1, 2, 4}) {
    const BareRate bare = BareSpawnRate(true_script, workers, jobs);
    const Throughput t = MeasureThroughput(workers, jobs, process, "process executor");
    measured.push_back({workers, bare, t});
    Row("trivial jobs, process executor, enqueue to recorded, " + Plural(workers, "worker") + " (" +
            Thousands(jobs) + " jobs)",
        Thousands(t.jobs_per_s) + " jobs/s (" + Fixed(100 * t.jobs_per_s / bare.per_s, 0) +
            " % of bare)",
        ">= 70 % of bare",
        Thousands(bare.per_s) + " spawns/s (bare bash script, " + std::to_string(workers) +
            " in parallel)");
  }
  diagnose("process executor", measured);
  const int alone_runs = std::max(10, jobs / 4);
  const Alone executor = MeasureExecutorAlone(WorkerSpec(dir.path() + "/runs"), alone_runs);
  const BareRate bare_one = BareSpawnRate(true_script, 1, alone_runs);
  const Alone work_dir = MeasureWorkDir(dir.path() + "/runs", alone_runs);
  auto alone = [](const Alone& a) {
    return Fixed(a.ms, 2) + " ms, CPU " + Fixed(a.cpu.self_ms, 2) + " + " +
           Fixed(a.cpu.children_ms, 2);
  };
  Row("  process executor alone, runs one after another (the worker's RunSpec)", alone(executor),
      "-",
      Fixed(1000 / bare_one.per_s, 2) + " ms, CPU " + Fixed(bare_one.cpu.self_ms, 2) + " + " +
          Fixed(bare_one.cpu.children_ms, 2) + " (bare)");
  Row("  of which work dir, script file and removal", alone(work_dir), "-", "-");
  const Throughput& one = measured.front().t;
  Row("  store work per job (process executor, 1 worker)",
      Fixed(one.write_tx, 2) + " write tx, " + Fixed(one.reader_statements, 2) + " reads", "-",
      "SQL " + Fixed(one.writer_sql_ms, 2) + " ms writing, " + Fixed(one.reader_sql_ms, 2) +
          " ms reading");

  // 1b. The same with the SandboxExecutor, next to the bare sandbox rate (SandboxExecutor::Run
  // of the worker's RunSpec from as many threads, no queue, no store).
  exec::SandboxOptions sandbox_options{.launcher = CRONIUM_SANDBOX_LAUNCHER};
  if (auto probed = exec::ProbeSandbox(sandbox_options); !probed) {
    Row("trivial jobs, sandbox executor, enqueue to recorded",
        "sandbox unavailable: " + probed.error().message, ">= 70 % of bare sandbox rate", "-");
  } else {
    bench::g_sandbox_cgroups = sandbox_options.cgroups;
    exec::SandboxExecutor sandbox(sandbox_options);
    const exec::RunSpec spec = WorkerSpec(dir.path() + "/runs");
    std::vector<Measured> sandboxed;
    for (int workers : {1, 2, 4}) {
      const BareRate bare = BareSandboxRate(sandbox, spec, workers, sandbox_jobs);
      const Throughput t = MeasureThroughput(workers, sandbox_jobs, sandbox, "sandbox executor");
      sandboxed.push_back({workers, bare, t});
      Row("trivial jobs, sandbox executor, enqueue to recorded, " + Plural(workers, "worker") +
              " (" + Thousands(sandbox_jobs) + " jobs)",
          Thousands(t.jobs_per_s) + " jobs/s (" + Fixed(100 * t.jobs_per_s / bare.per_s, 0) +
              " % of bare)",
          ">= 70 % of bare sandbox rate",
          Thousands(bare.per_s) + " runs/s (bare SandboxExecutor::Run, " + std::to_string(workers) +
              " in parallel)");
    }
    diagnose("sandbox executor", sandboxed);
    bench::RemoveSandboxCgroups();
  }

  // 2. Dispatch latency into an idle pool of one worker per core (the server's default).
  const int idle_workers =
      static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  const BareLatencies bare = MeasureBareDispatch(epoch_script, samples);
  const Latencies lat = MeasureDispatch(idle_workers, samples);
  const double bare_p50 = Percentile(bare.to_script_ms, 0.5);
  std::vector<double> run_to_script;
  for (size_t n = 0; n < lat.to_script_ms.size(); ++n) {
    run_to_script.push_back(lat.to_script_ms[n] - lat.to_executor_ms[n]);
  }
  Row("dispatch latency, run_after to script start, p50 / p99 (" + std::to_string(samples) +
          " jobs, " + Plural(idle_workers, "idle worker") + ")",
      Fixed(Percentile(lat.to_script_ms, 0.5), 2) + " / " +
          Fixed(Percentile(lat.to_script_ms, 0.99), 2) + " ms",
      "p50 <= bare + 2 ms (" + Fixed(bare_p50 + 2, 2) + ")",
      Fixed(bare_p50, 2) + " / " + Fixed(Percentile(bare.to_script_ms, 0.99), 2) +
          " ms (bare posix_spawn to script start)");
  Row("  enqueue to Executor::Run (queue, store), p50 / p99",
      Fixed(Percentile(lat.to_executor_ms, 0.5), 2) + " / " +
          Fixed(Percentile(lat.to_executor_ms, 0.99), 2) + " ms",
      "-", Fixed(Percentile(bare.spawn_ms, 0.5), 2) + " ms (bare posix_spawn call returns)");
  Row("  Executor::Run to script start, p50 / p99",
      Fixed(Percentile(run_to_script, 0.5), 2) + " / " + Fixed(Percentile(run_to_script, 0.99), 2) +
          " ms",
      "-", Fixed(bare_p50, 2) + " ms (bare)");

  // 3. The store alone, next to the bare write rate on the same file.
  StoreRates single;
  for (int threads : {1, 4}) {
    const StoreRates rates = MeasureStoreCycles(threads, cycles, threads == 1);
    if (threads == 1) {
      single = rates;
      Row("store alone: enqueue (job + execution + audit, 1 tx)",
          Thousands(rates.enqueue_per_s) + " jobs/s", "-",
          Thousands(rates.bare_tx_per_s) + " tx/s (bare one-row UPDATE tx, same db)");
    }
    Row("store alone: claim + mark running + finish, " + Plural(threads, "thread") + " (" +
            Thousands(cycles) + " cycles)",
        Thousands(rates.cycles_per_s) + " cycles/s", "-",
        Thousands(single.bare_tx_per_s / 3) + " cycles/s (bare, at 3 tx per cycle)");
  }
  return 0;
}

}  // namespace
}  // namespace cronium

int main(int argc, char** argv) { return cronium::Main(argc, argv); }
