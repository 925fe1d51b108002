#pragma once

// The scheduler: turns planned occurrences of ACTIVE events' schedules into jobs, exactly once,
// and records the fate of every occurrence in the ledger. A min-heap of next due instants is
// served by one thread that sleeps until the earliest one (or a change); RunDue does the work
// and is public so tests drive it with a FakeClock. The schedule's state (next due, last
// planned, run count) advances in the same transaction as each occurrence's job or ledger row,
// so after a crash it knows exactly which occurrences it missed. Thread-safe.

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "events/event_service.h"
#include "queue/job_queue.h"
#include "scheduler/schedule_spec.h"
#include "store/store.h"

namespace cronium::scheduler {

struct SchedulerOptions {
  // An occurrence handled later than this after its planned instant is a misfire.
  std::chrono::milliseconds misfire_grace{60'000};
  int max_catch_up_runs = 100;            // RUN_ALL cap per pass
  int max_occurrences_per_pass = 10'000;  // bounds enumerating a long downtime
  std::chrono::milliseconds max_sleep{60'000};
};

class Scheduler {
 public:
  Scheduler(SchedulerOptions options, store::Store& store, queue::JobQueue& queue,
            events::EventService& events, const Clock& clock);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Reads every schedule. Call once before Start (and before RunDue in tests).
  Status Load();
  void Start();
  void Stop();

  // Creates or replaces the schedule of an event (validated; kInvalidArgument names the
  // field). Takes effect at once: the next occurrence is computed from now.
  Result<store::ScheduleRecord> SetSchedule(const std::string& event_id, const ScheduleSpec& spec,
                                            const store::Actor& actor);
  Status RemoveSchedule(const std::string& event_id, const store::Actor& actor);
  // The event changed (status, deletion): re-read it. Resuming plans from now, not the past.
  void Refresh(const std::string& event_id);

  // Handles every occurrence due at or before `now`; returns how many jobs it enqueued.
  Result<int> RunDue(TimePoint now);

  // Stops a run for CANCEL_PREVIOUS (wired to the worker pool by the server).
  std::function<void(const std::string& execution_id)> cancel_run;

 private:
  struct Entry {
    std::optional<CompiledSchedule> compiled;
    store::ScheduleRecord state;
    bool active = false;
    bool paused = false;  // status PAUSED: occurrences are recorded as PAUSED, not run
    Occurrence next;      // state.next_due_at with its DST mark and what a gap skipped before it
    // What a job needs from its event, kept so firing needs no read (refreshed on changes).
    std::string owner_id;
    int retries = 0;
    int64_t timeout_seconds = 30;
    store::Priority priority = store::Priority::kNormal;
    store::JobKind kind = store::JobKind::kScript;
    uint64_t version = 0;
  };
  using HeapItem = std::pair<TimePoint, std::pair<std::string, uint64_t>>;

  Status LoadOne(const store::ScheduleRecord& record, TimePoint now);   // REQUIRES: mutex_
  void LoadEntry(const store::ScheduleWithEvent& item, TimePoint now);  // REQUIRES: mutex_
  void Push(const std::string& event_id, Entry& entry);                 // REQUIRES: mutex_
  // What one RunDue pass will write, in one transaction per batch.
  struct Batch {
    std::vector<store::ScheduleStep> steps;
    std::map<std::string, int> pending_fires;  // by event: jobs in this batch, not yet stored
    std::vector<std::string> events;           // touched, to resync if the write fails
    std::vector<std::string> to_pause;         // schedules that are over: paused after the pass
  };
  Status Handle(const std::string& event_id, Entry& entry, TimePoint now, Batch& batch);
  int Flush(Batch& batch);  // REQUIRES: mutex_; returns how many jobs were enqueued
  void Loop();

  // Immutable after construction.
  const SchedulerOptions options_;
  store::Store& store_;
  queue::JobQueue& queue_;
  events::EventService& events_;
  const Clock& clock_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, Entry> entries_;                                       // Guarded by mutex_.
  std::priority_queue<HeapItem, std::vector<HeapItem>, std::greater<>> heap_;  // Guarded.
  uint64_t next_version_ = 1;                                                  // Guarded by mutex_.
  bool stopping_ = false;                                                      // Guarded by mutex_.
  std::thread thread_;
};

}  // namespace cronium::scheduler
