#pragma once

// The scheduler: turns planned occurrences of the schedules of ACTIVE events into jobs, and of
// ACTIVE workflows into workflow runs, exactly once, and records the fate of every occurrence
// in the ledger. A min-heap of next due instants is
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
#include "workflow/engine.h"

namespace cronium::scheduler {

struct SchedulerOptions {
  // An occurrence handled later than this after its planned instant is a misfire.
  std::chrono::milliseconds misfire_grace{60'000};
  int max_catch_up_runs = 100;            // RUN_ALL cap per pass
  int max_occurrences_per_pass = 10'000;  // bounds enumerating a long downtime
  std::chrono::milliseconds max_sleep{60'000};
  // Several nodes on one database: whether this node leads the scheduler now, asked before
  // every pass (empty: it always does). Only the leader fires; the others stand by, asking
  // every `standby_poll`, and a node that becomes leader reads every schedule again, so the
  // misfire policy applies to what was due while nobody led. Called on the scheduler's thread.
  std::function<bool()> leads;
  std::chrono::milliseconds standby_poll{1'000};
};

class Scheduler {
 public:
  // Without `workflows`, schedules of workflows are refused (kFailedPrecondition).
  Scheduler(SchedulerOptions options, store::Store& store, queue::JobQueue& queue,
            events::EventService& events, const Clock& clock,
            workflow::Engine* workflows = nullptr);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Reads every schedule. Call once before Start (and before RunDue in tests).
  Status Load();
  void Start();
  void Stop();

  // Creates or replaces the schedule of an event or a workflow (validated; kInvalidArgument
  // names the field). Takes effect at once: the next occurrence is computed from now.
  Result<store::ScheduleRecord> SetSchedule(const std::string& event_id, const ScheduleSpec& spec,
                                            const store::Actor& actor);
  Result<store::ScheduleRecord> SetWorkflowSchedule(const std::string& workflow_id,
                                                    const ScheduleSpec& spec,
                                                    const store::Actor& actor);
  // The schedule of an event or workflow being created (id and created_at already chosen),
  // planned from now, with its audit row: the caller writes it in the target's own insert
  // (store::Store::InsertEvent, InsertWorkflow), then calls Adopt. kInvalidArgument as
  // SetSchedule; kFailedPrecondition for a workflow where this scheduler runs none.
  Result<store::NewSchedule> PlanNew(store::ScheduleTarget target, const std::string& id,
                                     TimePoint created_at, const ScheduleSpec& spec,
                                     const store::Actor& actor);
  // Takes on the schedule that a target's insert wrote (as Reload), and tells the other nodes.
  void Adopt(const std::string& target_id);
  // Removes the schedule of an event or workflow, and its ledger.
  Status RemoveSchedule(const std::string& target_id, const store::Actor& actor);
  // The event or workflow changed (status, deletion): re-read it. Resuming plans from now, not
  // the past.
  void Refresh(const std::string& target_id);

  // Another node changed the schedule of `target_id` (or its event or workflow): read it
  // again from the store.
  void Reload(const std::string& target_id);
  // Reads every schedule again (this node became leader, or may have missed changes).
  Status ReloadAll();

  // Handles every occurrence due at or before `now`; returns how many jobs it enqueued.
  Result<int> RunDue(TimePoint now);

  // Called after this node changed a schedule, or its event or workflow (SetSchedule,
  // RemoveSchedule, Refresh), with the target's id: the server tells the other nodes.
  std::function<void(const std::string& target_id)> on_change;

  // Stops an event's run for CANCEL_PREVIOUS (wired to the worker pool by the server); a
  // workflow's runs are cancelled through the engine.
  std::function<void(const std::string& execution_id)> cancel_run;

 private:
  struct Entry {
    store::ScheduleTarget target = store::ScheduleTarget::kEvent;
    std::optional<CompiledSchedule> compiled;
    store::ScheduleRecord state;
    bool active = false;
    bool paused = false;  // status PAUSED: occurrences are recorded as PAUSED, not run
    Occurrence next;      // state.next_due_at with its DST mark and what a gap skipped before it
    // What a job needs from its event, kept so firing needs no read (refreshed on changes). A
    // workflow's run reads the workflow when it fires.
    std::string owner_id;
    int retries = 0;
    int64_t timeout_seconds = 30;
    store::Priority priority = store::Priority::kNormal;
    store::JobKind kind = store::JobKind::kScript;
    uint64_t version = 0;
  };
  using HeapItem = std::pair<TimePoint, std::pair<std::string, uint64_t>>;

  Status LoadOne(const store::ScheduleRecord& record, TimePoint now);    // REQUIRES: mutex_
  void LoadEntry(const store::ScheduleWithTarget& item, TimePoint now);  // REQUIRES: mutex_
  Result<store::ScheduleRecord> Set(store::ScheduleTarget target, const std::string& id,
                                    const ScheduleSpec& spec, const store::Actor& actor);
  // What a schedule needs from its event or workflow (kNotFound when it is gone), and its
  // copy into an entry.
  Result<store::ScheduleWithTarget> ReadTarget(store::ScheduleTarget target, const std::string& id);
  static void ApplyTarget(const store::ScheduleWithTarget& target, Entry& entry);
  void Push(const std::string& event_id, Entry& entry);  // REQUIRES: mutex_
  void RefreshEntry(const std::string& target_id);       // Refresh, without on_change
  // The RESUMED ledger row that ends the pause of a schedule being resumed at `now` (with the
  // occurrences it covered), or nullopt when no pause covered an occurrence or another node
  // closed it already.
  std::optional<store::LedgerRecord> ClosePause(const std::string& target_id,
                                                const CompiledSchedule& compiled,
                                                const store::ScheduleRecord& stored, TimePoint now);
  // What one RunDue pass will write, in one transaction per batch.
  struct Batch {
    std::vector<store::ScheduleStep> steps;
    std::map<std::string, int> pending_fires;  // by target: fired in this batch, not yet stored
    std::map<std::string, int> pending_held;   // by workflow: runs held among those
    std::vector<std::string> events;           // touched, to resync if the write fails
    // Schedules that are over: their event or workflow is paused after the pass.
    std::vector<std::pair<store::ScheduleTarget, std::string>> to_pause;
  };
  Status Handle(const std::string& id, Entry& entry, TimePoint now, Batch& batch);
  // The job, or workflow run, of one occurrence that fires (written with its ledger row).
  // `enqueued` is when the step is expected to be written (audited).
  Status Fire(const std::string& id, Entry& entry, const Occurrence& occurrence, bool serialize,
              TimePoint now, TimePoint enqueued, store::ScheduleStep& step);
  int Flush(Batch& batch);  // REQUIRES: mutex_; returns how many jobs were enqueued
  void Loop();

  // Immutable after construction.
  const SchedulerOptions options_;
  store::Store& store_;
  queue::JobQueue& queue_;
  events::EventService& events_;
  const Clock& clock_;
  workflow::Engine* const workflows_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, Entry> entries_;                                       // Guarded by mutex_.
  std::priority_queue<HeapItem, std::vector<HeapItem>, std::greater<>> heap_;  // Guarded.
  uint64_t next_version_ = 1;                                                  // Guarded by mutex_.
  bool stopping_ = false;                                                      // Guarded by mutex_.
  TimePoint last_sweep_{};  // the last ReleaseAllHeld; only the scheduler thread uses it
  std::thread thread_;
};

}  // namespace cronium::scheduler
