#pragma once

// The durable job queue on top of the store: every run (manual, API, later schedules and
// workflows) is a job row plus one execution row per attempt. Workers claim jobs with a lease
// and report the end of each execution; other threads may wait for a job to end.
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "store/records.h"
#include "store/store.h"

namespace cronium::queue {

struct EnqueueOptions {
  store::Actor actor;  // who asked (audited; their user id is the job's requested_by)
  std::string trigger = "MANUAL";
  int priority = 1;
  std::string input_json = "null";  // valid JSON, checked by the caller
};

struct EnqueuedRun {
  std::string job_id;
  std::string execution_id;
};

class JobQueue {
 public:
  JobQueue(store::Store& store, const Clock& clock);
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // Queues a run of `event` and wakes a waiting worker. kFailedPrecondition for an ARCHIVED
  // event; kNotFound if the event vanished.
  Result<EnqueuedRun> Enqueue(const store::EventRecord& event, const EnqueueOptions& options);

  // Claims the next runnable job for `worker_id`, or nullopt if there is none.
  Result<std::optional<store::ClaimedJob>> Claim(const std::string& worker_id,
                                                 std::chrono::milliseconds lease);
  // A counter that changes whenever work may have arrived. Read it before Claim, then pass it
  // to WaitForWork so a wake-up between the two is not lost.
  uint64_t WorkGeneration();
  // Blocks until the generation differs from `seen` (Enqueue or Wake) or `max_wait` passes.
  void WaitForWork(uint64_t seen, std::chrono::milliseconds max_wait);
  void Wake();

  // Records the end of a running execution (and its job), audited as run.end, and notifies
  // waiters.
  Status Finish(const store::ExecutionRecord& execution);
  // See store::Store::CancelJob. Waiters are notified when a queued job is cancelled.
  Result<store::CancelOutcome> Cancel(const std::string& job_id, const std::string& reason,
                                      const store::Actor& actor);

  // Calls `done(true)` once the execution has reached a terminal state, or `done(false)` after
  // `max_wait` or at shutdown. `done` runs on an internal thread or the caller's; it must not
  // block. The caller checks the state itself first; this only waits.
  void WhenFinished(const std::string& execution_id, std::chrono::milliseconds max_wait,
                    std::function<void(bool finished)> done);

  // Releases every waiter (done(false)) and stops the timer thread.
  void Shutdown();

  store::Store& store() { return store_; }

 private:
  void NotifyFinished(const std::string& execution_id);
  void TimerLoop();

  // Immutable after construction.
  store::Store& store_;
  const Clock& clock_;

  // Work signal for idle workers. Guarded by work_mutex_.
  std::mutex work_mutex_;
  std::condition_variable work_cv_;
  uint64_t work_generation_ = 0;

  struct Waiter {
    uint64_t id;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(bool)> done;
  };
  // Guarded by waiters_mutex_.
  std::mutex waiters_mutex_;
  std::condition_variable waiters_cv_;
  std::map<std::string, std::vector<Waiter>> waiters_;  // by execution id
  uint64_t next_waiter_id_ = 0;
  bool shutting_down_ = false;
  std::thread timer_;
};

}  // namespace cronium::queue
