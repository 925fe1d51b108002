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

// Everything a new job needs besides ids and times. Built from an event by ParamsFor, or by the
// scheduler from its cached copy of the event.
struct JobParams {
  std::string event_id;
  std::string owner_id;
  store::JobKind kind = store::JobKind::kScript;
  std::string trigger = "MANUAL";
  std::string requested_by;  // user id, "" for the system
  std::string input_json = "null";
  store::Priority priority = store::Priority::kNormal;
  int max_attempts = 1;
  std::chrono::milliseconds timeout{30'000};
  std::string unique_key;
  bool serialize = false;
  std::chrono::milliseconds delay{0};  // run_after = now + delay
  std::string workflow_run_id;         // for a node of a workflow run
  std::string workflow_node_id;
  std::string caused_by;  // the execution whose conditional action starts it
  int chain_depth = 0;
  std::string chain_root;
};

// The one place where an event's timeout (seconds, as users write it) becomes a duration.
std::chrono::milliseconds TimeoutOf(int64_t timeout_seconds);
JobParams ParamsFor(const store::EventRecord& event);
// A QUEUED job and the execution row of its first attempt.
std::pair<store::JobRecord, store::ExecutionRecord> NewJob(const JobParams& params, TimePoint now);

// When an ended attempt is tried again: the event's retry policy.
struct RetryPolicy {
  std::chrono::milliseconds base_delay{1'000};
  std::chrono::milliseconds max_delay{300'000};
  std::vector<store::RunStatus> retry_on = {store::RunStatus::kFailed, store::RunStatus::kTimedOut,
                                            store::RunStatus::kLost};
};
RetryPolicy RetryPolicyOf(const store::EventRecord& event);
// Exponential backoff with "equal jitter": the n-th retry waits between d/2 and d, where
// d = min(max_delay, base_delay * 2^(n-1)). `random01` is uniform in [0, 1).
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int retry_number, double random01);

struct EnqueuedRun {
  std::string job_id;
  std::string execution_id;
};

struct EnqueueOptions {
  store::Actor actor;  // who asked (audited; their user id is the job's requested_by)
  std::string trigger = "MANUAL";
  std::optional<store::Priority> priority;  // the event's priority if unset
  std::string input_json = "null";          // valid JSON, checked by the caller
  std::chrono::milliseconds delay{0};       // not run before now + delay
  std::string unique_key;  // refuse a second run with this key (kAlreadyExists); "" = none
  // Called with the run's ids before it is written; what it returns is written with the run
  // (see store::IdempotencyRecord). Unset: nothing.
  std::function<store::IdempotencyRecords(const EnqueuedRun&)> idempotency;
};

struct QueueOptions {
  // Uniform in [0, 1), for retry jitter. A seeded generator when unset.
  std::function<double()> random;
};

class JobQueue {
 public:
  JobQueue(store::Store& store, const Clock& clock, QueueOptions options = {});
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // Queues a run of `event` and wakes a waiting worker. kFailedPrecondition for an ARCHIVED
  // event; kNotFound if the event vanished; kAlreadyExists for a repeated unique key or
  // idempotency key (nothing written).
  Result<EnqueuedRun> Enqueue(const store::EventRecord& event, const EnqueueOptions& options);

  // Claims the next runnable job for `worker_id` with a lease, or nullopt if there is none.
  Result<std::optional<store::ClaimedJob>> Claim(const std::string& worker_id,
                                                 std::chrono::milliseconds lease);
  // The claimed job's process is about to start (see Store::MarkRunning); updates `claimed`.
  // Returns the pending cancel reason, "" if none.
  Result<std::string> MarkRunning(store::ClaimedJob& claimed);
  // Extends the leases of held (job id, worker id) pairs.
  Result<std::vector<store::LeaseState>> Heartbeat(
      const std::vector<std::pair<std::string, std::string>>& held,
      std::chrono::milliseconds lease);
  // A counter that changes whenever work may have arrived. Read it before Claim, then pass it
  // to WaitForWork so a wake-up between the two is not lost.
  uint64_t WorkGeneration();
  // Blocks until the generation differs from `seen` (Enqueue or Wake) or `max_wait` passes.
  void WaitForWork(uint64_t seen, std::chrono::milliseconds max_wait);
  void Wake();

  // Records the end of the claimed job's execution, audited as run.end. The attempt is tried
  // again (a new QUEUED execution after a backoff) when `policy` says its status is retryable,
  // attempts are left and no cancel was requested; `interrupted` attempts (stopped by a
  // shutdown or drain) are always tried again, at once, without counting. Notifies waiters of
  // the execution.
  Status Finish(const store::JobRecord& job, const store::ExecutionRecord& execution,
                const RetryPolicy& policy, bool interrupted = false);
  // Finish, then a claim for `worker_id`, in one store transaction: a busy worker takes its
  // next job with one write, already RUNNING (see Store::FinishAndClaimNext). Nothing is
  // claimed if the finish fails.
  Result<std::optional<store::ClaimedJob>> FinishAndClaimNext(
      const store::JobRecord& job, const store::ExecutionRecord& execution,
      const RetryPolicy& policy, const std::string& worker_id, std::chrono::milliseconds lease);
  // Recovers held jobs whose lease lapsed (their worker died), or every job held by a worker
  // whose id starts with `owner_prefix` (a restarted node's own): the attempt ends LOST with
  // `reason` and is retried per its event's policy. Returns how many jobs were recovered; a job
  // that cannot be recovered now is logged and left for the next pass.
  Result<int> ReapLapsedLeases(const std::string& owner_prefix, const std::string& reason);
  // See store::Store::CancelJob; `execution_id` is the job's current execution (the caller
  // has read it). Waiters are notified when a queued job is cancelled.
  Result<store::CancelOutcome> Cancel(const std::string& job_id, const std::string& execution_id,
                                      const std::string& reason, const store::Actor& actor);

  // Calls `done(true)` once the execution has reached a terminal state, or `done(false)` after
  // `max_wait` or at shutdown. `done` runs on an internal thread or the caller's; it must not
  // block. The caller checks the state itself first; this only waits.
  void WhenFinished(const std::string& execution_id, std::chrono::milliseconds max_wait,
                    std::function<void(bool finished)> done);

  // Releases the waiters of `id` with done(true): an execution that ended (the queue does this
  // itself), or anything else waited on by its id (a workflow run). Tells the other nodes too.
  void NotifyFinished(const std::string& id);
  // Releases this node's waiters of `id`, which ended on another node.
  void ReleaseWaiters(const std::string& id);
  // The ids waited on now (for a node that may have missed word of their ends).
  std::vector<std::string> WaitedIds();

  // What this node tells the other nodes sharing its database (server::Cluster). Set before
  // work starts; both must not block.
  struct Broadcast {
    std::function<void(const std::string& id)> finished;  // see NotifyFinished
    std::function<void()> queued;                         // a job was queued here
  };
  void SetBroadcast(Broadcast broadcast) { broadcast_ = std::move(broadcast); }

  // Releases every waiter (done(false)) and stops the timer thread.
  void Shutdown();

  store::Store& store() { return store_; }

 private:
  // What recording an attempt's end writes besides the execution: the retry (if any) and the
  // run.end audit row.
  struct Ending {
    std::optional<store::RetryPlan> retry;
    store::AuditEntry audit;
  };
  Ending PrepareEnd(const store::JobRecord& job, const store::ExecutionRecord& execution,
                    const RetryPolicy& policy, bool interrupted, TimePoint now);
  void Ended(const store::ExecutionRecord& execution, const Ending& ending);
  void TimerLoop();
  double Random();

  // Immutable after construction.
  store::Store& store_;
  const Clock& clock_;
  QueueOptions options_;  // options_.random is set; guarded by random_mutex_ when called

  std::mutex random_mutex_;

  Broadcast broadcast_;  // set before work starts, read-only after

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
