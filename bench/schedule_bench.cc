// Scheduler at scale: 100,000 active cron schedules with mixed expressions and zones. Prints
// table rows (metric | measured | target | baseline) for scripts/bench.sh.
//
// Usage: cronium_schedule_bench [schedule_count]

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "base/ids.h"
#include "base/time_format.h"
#include "crypto/secrets.h"
#include "events/event_service.h"
#include "queue/job_queue.h"
#include "scheduler/scheduler.h"
#include "store/sqlite/sqlite_store.h"
#include "testutil/temp_dir.h"

namespace cronium {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

double RssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

void Row(const std::string& metric, const std::string& measured, const std::string& target,
         const std::string& baseline) {
  std::printf("ROW\t%s\t%s\t%s\t%s\n", metric.c_str(), measured.c_str(), target.c_str(),
              baseline.c_str());
  std::fflush(stdout);
}

int Main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 100'000;
  testutil::TempDir dir;
  SystemClock clock;
  auto opened = store::sqlite::OpenStore({.path = dir.path() + "/bench.db"});
  if (!opened) return 1;
  auto& store = **opened;
  std::array<unsigned char, crypto::kKeyBytes> key{};
  events::EventService events(
      events::EventsOptions{}, store,
      crypto::MasterKey::FromBytesForTest(key).Box(crypto::KeyPurpose::kEventEnvVars), clock);
  queue::JobQueue queue(store, clock);

  // Mixed expressions and zones, all due months away, so that "idle" means idle.
  const char* crons[] = {"0 0 1 1 *",    "30 4 1 1 *", "0 12 1 1 MON", "15 3 2 1 *", "0 0 1 JAN *",
                         "*/30 9 1 1 *", "0 0 L 1 *",  "5 5 1W 1 *",   "0 22 1 1 *", "0 0 1 1 1#1"};
  const char* zones[] = {"UTC",         "Europe/Berlin",    "America/New_York",
                         "Asia/Tokyo",  "Australia/Sydney", "America/Sao_Paulo",
                         "Asia/Kolkata"};
  const auto insert_start = Steady::now();
  for (int n = 0; n < count; ++n) {
    store::EventRecord event;
    event.id = NewId("evt", clock.Now());
    event.name = "bench";
    event.status = store::EventStatus::kActive;
    event.created_at = event.updated_at = clock.Now();
    (void)store.InsertEvent(event, {});
    json spec = {{"kind", "CRON"},
                 {"cron", crons[n % 10]},
                 {"timezone", zones[n % 7]},
                 {"overlapPolicy", "ALLOW"}};
    (void)store.PutSchedule(
        {.target_id = event.id, .spec_json = spec.dump(), .updated_at = clock.Now()}, {});
  }
  const double insert_s = std::chrono::duration<double>(Steady::now() - insert_start).count();

  const double rss_before = RssMb();
  scheduler::Scheduler sched({}, store, queue, events, clock);
  const auto load_start = Steady::now();
  if (!sched.Load()) return 1;
  const double load_s = std::chrono::duration<double>(Steady::now() - load_start).count();
  const double rss_after = RssMb();
  Row(std::to_string(count) + " cron schedules: load", std::to_string(load_s).substr(0, 5) + " s",
      "< 2 s", "insert " + std::to_string(insert_s).substr(0, 5) + " s");
  Row(std::to_string(count) + " cron schedules: extra RSS",
      std::to_string(rss_after - rss_before).substr(0, 5) + " MB", "< 100 MB",
      std::to_string(rss_before).substr(0, 5) + " MB before");

  sched.Start();
  const double cpu_start = CpuSeconds();
  const auto idle_start = Steady::now();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const double idle_cpu = (CpuSeconds() - cpu_start) /
                          std::chrono::duration<double>(Steady::now() - idle_start).count() * 100;
  Row("scheduler idle CPU (nothing due)", std::to_string(idle_cpu).substr(0, 4) + " %", "< 1 %",
      "-");

  // A burst of 1,000 one-time schedules due in the same second, then 20 due alone.
  const auto now_s = std::chrono::floor<std::chrono::seconds>(clock.Now());
  const TimePoint burst_at = now_s + std::chrono::seconds(2);
  std::vector<std::string> burst, alone;
  auto make = [&](TimePoint at, std::vector<std::string>& into) {
    events::EventFields f;
    f.name = "due";
    f.type = store::EventType::kBash;
    f.status = store::EventStatus::kActive;
    auto event = events.Create(f, store::Actor{});
    scheduler::ScheduleSpec spec;
    spec.kind = scheduler::ScheduleKind::kOnce;
    spec.at = at;
    spec.overlap = scheduler::OverlapPolicy::kAllow;
    (void)sched.SetSchedule(event->id, spec, store::Actor{});
    into.push_back(event->id);
  };
  for (int n = 0; n < 1000; ++n) make(burst_at, burst);
  for (int n = 0; n < 20; ++n) make(burst_at + std::chrono::milliseconds(3000 + 97 * n), alone);
  std::this_thread::sleep_for(std::chrono::milliseconds(2000 + 3000 + 97 * 20 + 1500));
  sched.Stop();
  auto lateness = [&](const std::vector<std::string>& ids) {
    std::vector<int64_t> out;
    for (const auto& id : ids) {
      auto ledger = store.ListLedger(id, "", 5);
      if (ledger && !ledger->empty() && ledger->front().lateness_ms) {
        out.push_back(*ledger->front().lateness_ms);
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  const auto burst_late = lateness(burst);
  const auto alone_late = lateness(alone);
  if (!alone_late.empty()) {
    Row("enqueue lateness, schedules due alone (p50 / p99)",
        std::to_string(alone_late[alone_late.size() / 2]) + " / " +
            std::to_string(alone_late[alone_late.size() * 99 / 100]) + " ms",
        "p99 < 5 ms", std::to_string(alone_late.size()) + " samples");
  }
  if (!burst_late.empty()) {
    Row("enqueue lateness, last of 1,000 due together", std::to_string(burst_late.back()) + " ms",
        "< 50 ms", std::to_string(burst_late.size()) + " fired");
  }
  queue.Shutdown();
  return 0;
}

}  // namespace
}  // namespace cronium

int main(int argc, char** argv) { return cronium::Main(argc, argv); }
