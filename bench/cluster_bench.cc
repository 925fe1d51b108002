// The store on PostgreSQL with several nodes (issue #9), next to the raw statement. Prints
// tab-separated rows (ROW, metric, measured, target, baseline) for scripts/bench.sh.
//
//   1. Claim + complete cycles (ClaimNextJob, MarkRunning, FinishExecution: the three
//      transactions of an idle worker's job) with 1, 4 and 8 workers spread over two nodes:
//      two stores with pools of their own, as two processes have. Every job must be claimed
//      exactly once and end SUCCEEDED after one attempt, or the benchmark fails.
//   2. A busy worker's cycle (FinishAndClaimNext: one transaction per job) with 4 workers.
//   3. Claims alone (ClaimNextJob; the jobs stay LEASED) with 4 workers: the claim's own rate,
//      without the run's start and end.
//   4. The baseline, on the same cluster in the same run: pgbench running the raw claim (UPDATE
//      of the first QUEUED row picked FOR UPDATE SKIP LOCKED) and complete (UPDATE to DONE) on a
//      bare table, with as many clients as workers.
//
// Usage: cronium_cluster_bench POSTGRES_URL JOBS [WORKERS[b|c]] (one measurement: idle, busy or
// claims alone)

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "bench_records.h"
#include "bench_util.h"
#include "queue/job_queue.h"
#include "store/postgres/pg_db.h"
#include "store/postgres/pg_store.h"
#include "store/store.h"
#include "testutil/temp_dir.h"

namespace cronium {
namespace {

using bench::Fail;
using bench::Plural;
using bench::Row;
using bench::Seconds;
using bench::Steady;
using bench::Thousands;
using std::chrono::milliseconds;

// A schema of its own for one measurement, dropped at the end.
class Schema {
 public:
  Schema(const std::string& url, std::string name) : name_(std::move(name)) {
    auto conn = store::postgres::PgConnection::Open(url);
    if (!conn) Fail("cannot reach PostgreSQL: " + conn.error().message);
    admin_ = std::move(*conn);
    (void)admin_->Exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    if (!admin_->Exec("CREATE SCHEMA " + name_)) Fail("cannot create schema " + name_);
  }
  ~Schema() { (void)admin_->Exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE"); }
  const std::string& name() const { return name_; }
  store::postgres::PgConnection& admin() { return *admin_; }

 private:
  std::string name_;
  std::unique_ptr<store::postgres::PgConnection> admin_;
};

int64_t Scalar(store::postgres::PgConnection& conn, const std::string& sql) {
  auto stmt = conn.Prepare(sql);
  if (!stmt) Fail(sql + ": " + stmt.error().message);
  auto row = stmt->Step();
  if (!row || !*row) Fail(sql + ": no row");
  return stmt->Int(0);
}

struct Measured {
  double enqueue_per_s = 0;
  double cycles_per_s = 0;
};

using Nodes = std::vector<std::unique_ptr<store::Store>>;

// Queues `jobs` runs of `event` from 8 threads over both nodes, as their APIs would; jobs/s.
double EnqueueOnBothNodes(Nodes& nodes, const store::EventRecord& event, int jobs) {
  SystemClock clock;
  std::atomic<int> next{0}, errors{0};
  const auto start = Steady::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t) {
    pool.emplace_back([&, t] {
      while (next.fetch_add(1) < jobs) {
        const TimePoint now = clock.Now();
        auto [job, execution] = queue::NewJob(queue::ParamsFor(event), now);
        const auto audit =
            store::MakeAudit(store::Actor{}, now, "run.start", "execution", execution.id, "{}");
        if (!nodes[static_cast<size_t>(t % 2)]->EnqueueJob(job, execution, audit)) ++errors;
      }
    });
  }
  for (auto& thread : pool) thread.join();
  if (errors > 0) Fail("enqueue failed " + std::to_string(errors.load()) + " times");
  return jobs / Seconds(Steady::now() - start);
}

// What a worker does with each job.
enum class Cycle {
  kIdle,       // claims, starts, ends: three transactions
  kBusy,       // ends a job and claims the next in one transaction
  kClaimOnly,  // claims, and leaves the job LEASED
};

const char* Name(Cycle cycle) {
  switch (cycle) {
    case Cycle::kIdle:
      return "idle";
    case Cycle::kBusy:
      return "busy";
    case Cycle::kClaimOnly:
      return "claims";
  }
  return "?";
}

// One worker: claims (starts and ends) jobs until none is left, noting the id of each in
// `mine`.
void Work(store::Store& store, const std::string& worker, int jobs, Cycle cycle,
          std::vector<std::string>& mine, std::atomic<int>& errors) {
  SystemClock clock;
  std::optional<store::ClaimedJob> current;
  for (int guard = 0; guard <= jobs; ++guard) {
    if (!current) {
      const TimePoint now = clock.Now();
      auto claim = store.ClaimNextJob(worker, now, now + milliseconds(30'000));
      if (!claim) ++errors;
      if (!claim || !*claim) return;
      current = std::move(**claim);
      if (cycle == Cycle::kClaimOnly) {
        mine.push_back(current->job.id);
        current.reset();
        continue;
      }
      if (!store.MarkRunning(current->job.id, current->execution.id, worker, clock.Now())) {
        ++errors;
        return;
      }
    }
    mine.push_back(current->job.id);
    const TimePoint end = clock.Now();
    const auto done = bench::Succeeded(current->execution, end, end);
    if (cycle == Cycle::kBusy) {
      auto next = store.FinishAndClaimNext(done, end, std::nullopt, bench::EndAudit(done, end),
                                           worker, end + milliseconds(30'000));
      if (!next) {
        ++errors;
        return;
      }
      current = std::move(*next);
      if (!current) return;
    } else {
      if (!store.FinishExecution(done, end, std::nullopt, bench::EndAudit(done, end))) {
        ++errors;
        return;
      }
      current.reset();
    }
  }
}

// `workers` threads over two nodes run (or only claim) `jobs` jobs. With `rounds` > 1 the jobs
// are queued and run that many times in the same tables, and the last round is measured: the
// queue with a history of finished jobs behind it.
Measured MeasureCycles(const std::string& url, int workers, int jobs, Cycle cycle, int rounds = 1) {
  Schema schema(url, "bench_cycles_" + std::to_string(workers) + "_" + Name(cycle));
  SystemClock clock;
  Nodes nodes;
  for (int n = 0; n < 2; ++n) {
    auto opened = store::postgres::OpenStore(
        {.url = url, .schema = schema.name(), .pool_size = std::max(2, workers / 2 + 2)});
    if (!opened) Fail("cannot open the PostgreSQL store: " + opened.error().message);
    nodes.push_back(std::move(*opened));
  }
  const store::EventRecord event = bench::TrueEvent(clock.Now());
  if (!nodes[0]->InsertEvent(event, {})) Fail("insert event");
  auto& admin = schema.admin();
  (void)admin.Exec("SET search_path TO " + schema.name());

  Measured measured;
  for (int round = 1; round <= rounds; ++round) {
    measured.enqueue_per_s = EnqueueOnBothNodes(nodes, event, jobs);
    std::vector<std::vector<std::string>> claimed(static_cast<size_t>(workers));
    std::atomic<int> errors{0};
    const auto start = Steady::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < workers; ++t) {
      pool.emplace_back([&, t] {
        Work(*nodes[static_cast<size_t>(t % 2)],
             "n" + std::to_string(t % 2) + "/w" + std::to_string(t), jobs, cycle,
             claimed[static_cast<size_t>(t)], errors);
      });
    }
    for (auto& thread : pool) thread.join();
    const double wall = Seconds(Steady::now() - start);

    // Every job claimed once, by one worker, and ended (or left LEASED) after one attempt.
    std::set<std::string> unique;
    size_t total = 0;
    for (const auto& ids : claimed) {
      unique.insert(ids.begin(), ids.end());
      total += ids.size();
    }
    const std::string ended = cycle == Cycle::kClaimOnly ? "LEASED" : "SUCCEEDED";
    const int64_t succeeded =
        Scalar(admin, "SELECT COUNT(*) FROM jobs WHERE status = '" + ended + "'") -
        (round - 1) * jobs;
    const int64_t retried = Scalar(admin, "SELECT COUNT(*) FROM jobs WHERE attempts <> 1");
    if (errors > 0 || total != static_cast<size_t>(jobs) || unique.size() != total ||
        succeeded != jobs || retried != 0) {
      Fail("cycles with " + std::to_string(workers) + " workers: " + std::to_string(total) +
           " claims of " + std::to_string(unique.size()) + " jobs (of " + std::to_string(jobs) +
           "), " + std::to_string(succeeded) + " " + ended + ", " + std::to_string(retried) +
           " with more than one attempt, " + std::to_string(errors.load()) + " errors");
    }
    measured.cycles_per_s = jobs / wall;
    // As a node does after every 5,000 ends of its jobs.
    if (rounds > 1 && !nodes[0]->TidyQueue()) Fail("cannot tidy the queue");
  }
  return measured;
}

// pgbench running the raw claim and complete (or, with `claim_only`, the claim alone) with
// `clients` clients; cycles (claims) per second.
double MeasureRawSkipLocked(const std::string& url, int clients, int jobs,
                            bool claim_only = false) {
  Schema schema(url, "bench_raw_" + std::to_string(clients) + (claim_only ? "_claims" : ""));
  auto& admin = schema.admin();
  const std::string table = schema.name() + ".q";
  if (!admin.Exec("CREATE TABLE " + table +
                  " (id BIGSERIAL PRIMARY KEY, status TEXT NOT NULL, owner TEXT NOT NULL "
                  "DEFAULT '', updated_at BIGINT NOT NULL DEFAULT 0); CREATE INDEX ON " +
                  table + " (id) WHERE status = 'QUEUED'; INSERT INTO " + table +
                  " (status) SELECT 'QUEUED' FROM generate_series(1, " +
                  std::to_string(jobs + 1000) + ")") ||
      !admin.Exec("VACUUM ANALYZE " + table)) {
    Fail("cannot make the raw queue table");
  }
  testutil::TempDir dir;
  const std::string script = dir.path() + "/cycle.sql";
  {
    std::ofstream file(script);
    file << "UPDATE " << table
         << " SET status = 'LEASED', owner = :client_id::text, updated_at = 1 WHERE id = (SELECT "
            "id FROM "
         << table
         << " WHERE status = 'QUEUED' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id "
            "AS claimed \\gset\n";
    if (!claim_only) {
      file << "UPDATE " << table << " SET status = 'DONE', updated_at = 2 WHERE id = :claimed;\n";
    }
  }
  const std::string out = dir.path() + "/pgbench.out";
  const std::string command = "pgbench -n -c " + std::to_string(clients) + " -j " +
                              std::to_string(clients) + " -t " + std::to_string(jobs / clients) +
                              " -f " + script + " '" + url + "' > " + out + " 2>&1";
  if (std::system(command.c_str()) != 0) {
    std::ifstream log(out);
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    Fail("pgbench failed: " + text);
  }
  std::ifstream log(out);
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  std::smatch tps;
  if (!std::regex_search(text, tps, std::regex(R"(tps = ([\d.]+))"))) {
    Fail("no tps in pgbench's output: " + text);
  }
  const int64_t done = Scalar(admin, "SELECT COUNT(*) FROM " + table + " WHERE status = '" +
                                         (claim_only ? "LEASED" : "DONE") + "'");
  if (done != jobs / clients * clients) Fail("pgbench completed " + std::to_string(done));
  return std::stod(tps[1]);
}

int Main(int argc, char** argv) {
  if (argc != 3 && argc != 4) Fail("usage: cronium_cluster_bench POSTGRES_URL JOBS [WORKERS[b|c]]");
  const std::string url = argv[1];
  const int jobs = std::max(100, std::atoi(argv[2]));
  std::map<int, double> raw;
  std::vector<int> counts{1, 4, 8};
  if (argc == 4) {  // one measurement, for profiling: "4", "4b" for busy workers, "4c" claims
    const int workers = std::max(1, std::atoi(argv[3]));
    const std::string which(argv[3]);
    if (which.ends_with("b") || which.ends_with("c")) {
      const Cycle cycle = which.ends_with("b") ? Cycle::kBusy : Cycle::kClaimOnly;
      Row(Name(cycle), Thousands(MeasureCycles(url, workers, jobs, cycle).cycles_per_s), "-", "-");
      return 0;
    }
    counts = {workers};
  }
  for (int workers : counts) {
    raw[workers] = MeasureRawSkipLocked(url, workers, jobs);
    const Measured m = MeasureCycles(url, workers, jobs, Cycle::kIdle);
    if (workers == 1) {
      Row("PostgreSQL store: enqueue (job + execution + audit), 8 threads on 2 nodes",
          Thousands(m.enqueue_per_s) + " jobs/s", "-", "-");
    }
    Row("PostgreSQL: claim + mark running + finish, " + Plural(workers, "worker") +
            " on 2 nodes (" + Thousands(jobs) + " jobs, none twice)",
        Thousands(m.cycles_per_s) + " cycles/s",
        workers == 4 ? "- (claims: see claims alone)" : "-",
        Thousands(raw[workers]) + " cycles/s (raw SKIP LOCKED claim + complete, pgbench, " +
            Plural(workers, "client") + ")");
  }
  if (argc == 4) return 0;
  const double raw_claims = MeasureRawSkipLocked(url, 4, jobs, /*claim_only=*/true);
  const Measured claims = MeasureCycles(url, 4, jobs, Cycle::kClaimOnly);
  Row("PostgreSQL: claims alone (ClaimNextJob; the job stays LEASED), 4 workers on 2 nodes (" +
          Thousands(jobs) + " jobs, none twice)",
      Thousands(claims.cycles_per_s) + " claims/s", ">= 5,000 claims/s",
      Thousands(raw_claims) + " claims/s (raw SKIP LOCKED claim alone, pgbench, 4 clients)");
  const Measured busy = MeasureCycles(url, 4, jobs, Cycle::kBusy);
  Row("PostgreSQL: busy workers' finish-and-claim-next, 4 workers on 2 nodes",
      Thousands(busy.cycles_per_s) + " jobs/s", "-",
      Thousands(raw[4]) + " cycles/s (raw, pgbench, 4 clients)");
  const Measured history = MeasureCycles(url, 4, jobs, Cycle::kBusy, /*rounds=*/5);
  Row("PostgreSQL: the same with " + Thousands(4.0 * jobs) +
          " finished jobs in the tables (tidied every 5,000 ends, as nodes do)",
      Thousands(history.cycles_per_s) + " jobs/s", "no sag",
      Thousands(busy.cycles_per_s) + " jobs/s (empty tables, above)");
  return 0;
}

}  // namespace
}  // namespace cronium

int main(int argc, char** argv) { return cronium::Main(argc, argv); }
