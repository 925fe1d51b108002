#pragma once

// The pool of workers that run jobs: each worker thread claims a job from the queue with a
// lease, marks it running, builds the run from its event (interpreter, script, environment from
// scratch), runs it through the Executor, and records the execution's end (with a retry when
// the event's policy allows). A keeper thread heartbeats the leases of running jobs, stops runs
// whose lease was taken away or whose cancel was requested elsewhere, reaps lapsed leases of
// dead workers, and ends a drain at its deadline. Thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "events/event_service.h"
#include "exec/executor.h"
#include "queue/job_queue.h"
#include "sandbox/spec.h"

namespace cronium::live {
class OutputHub;
}
namespace cronium::runtime {
class RuntimeService;
}

namespace cronium::worker {

struct WorkerOptions {
  int workers = 4;
  std::string node_id = "local";  // worker ids are "<node_id>/w<n>"
  std::string work_root;          // runs get private work dirs under it
  std::chrono::milliseconds lease{30'000};
  std::chrono::milliseconds heartbeat{10'000};  // also how often lapsed leases are reaped
  std::chrono::milliseconds kill_grace{2'000};
  std::chrono::milliseconds idle_wait{1'000};  // poll interval when no wake-up arrives
  size_t max_output_bytes = 1 << 20;
  live::OutputHub* hub = nullptr;  // live output for subscribers (optional)
  std::string isolation = "none";  // what the executor provides ("sandbox" or "none")
  // Sandbox limits of runs whose event leaves them at 0.
  sandbox::Limits default_limits;
  // The runtime API (optional): each run gets an execution token and the helpers' environment.
  runtime::RuntimeService* runtime = nullptr;
  // Sandbox: per worker index, the Unix socket its sandboxes reach the API through (served
  // with the listener tag RuntimeListenerTag(index)); empty when runs are not sandboxed.
  std::vector<std::string> runtime_sockets;
  std::string helpers_dir;  // host dir of the runtime helpers ("" for none)
};

// The listener tag of worker `index`'s runtime socket.
std::string RuntimeListenerTag(int index);

// Where a run finds the runtime API and the helpers.
struct RuntimeAccess {
  std::string url;          // CRONIUM_RUNTIME_API
  std::string token;        // the execution token
  std::string helpers_dir;  // as the script sees it ("" for none)
};

// The environment of a script, built from scratch (nothing of the server's own reaches it):
// PATH, HOME and TMPDIR ("{workdir}"), LANG and the Python switches, then the event's env vars
// (which may override those), then the CRONIUM_* ids of the run (which they may not). With
// `runtime`, also the API's address and token in both naming families of the original system,
// and the helpers preloaded: BASH_ENV, the helpers' bin dir first on PATH, PYTHONPATH (for
// sitecustomize and `import cronium`), NODE_PATH and NODE_OPTIONS --require (ahead of what the
// event sets for those).
std::map<std::string, std::string> ScriptEnvironment(std::map<std::string, std::string> event_vars,
                                                     const std::string& execution_id,
                                                     const std::string& job_id,
                                                     const std::string& event_id,
                                                     const RuntimeAccess* runtime = nullptr);

struct DrainState {
  bool draining = false;
  int running = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline;  // runs are interrupted then
};

class WorkerPool {
 public:
  WorkerPool(WorkerOptions options, queue::JobQueue& queue, events::EventService& events,
             exec::Executor& executor, const Clock& clock);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Start();
  // Drains (see Drain), waits until no run is left, and joins every thread.
  void Stop(std::chrono::milliseconds grace);

  // Stops claiming jobs. Running jobs may finish within `grace`; then the rest are stopped and
  // queued again at once, their interrupted attempt not counted ("the server drained..."). A
  // second Drain may shorten the deadline. Resume undoes it; it may be called mid-grace.
  void Drain(std::chrono::milliseconds grace);
  void Resume();
  DrainState Drainage();

  // Cancels a queued or running execution. kNotFound, or kFailedPrecondition if it ended.
  Status Cancel(const std::string& execution_id, const std::string& reason,
                const store::Actor& actor);

  int RunningCount();

  // What the keeper thread does on each tick; public for tests with a fake clock.
  void HeartbeatOnce();
  void ReapOnce();

 private:
  struct Running {
    std::string worker_id;
    exec::CancelToken token;
    std::atomic<bool> interrupted{false};  // stopped by a drain or shutdown: queue it again
    std::atomic<bool> lease_lost{false};   // another worker owns it now: record nothing
  };

  void Loop(int index);
  void KeeperLoop();
  // Runs one job and records its end; returns the worker's next job when it could claim one in
  // the same transaction.
  std::optional<store::ClaimedJob> RunJob(store::ClaimedJob claimed, int index);
  Result<exec::RunSpec> BuildSpec(const store::ClaimedJob& claimed, const store::EventRecord& event,
                                  const RuntimeAccess* runtime);
  void InterruptAll();

  // Immutable after construction.
  const WorkerOptions options_;
  queue::JobQueue& queue_;
  events::EventService& events_;
  exec::Executor& executor_;
  const Clock& clock_;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> draining_{false};
  std::vector<std::thread> threads_;
  std::thread keeper_;

  // Guarded by mutex_.
  std::mutex mutex_;
  std::condition_variable changed_;  // a run ended, a drain began or ended, stop
  std::map<std::string, std::shared_ptr<Running>> running_;  // by job id
  std::optional<std::chrono::steady_clock::time_point> drain_deadline_;
};

}  // namespace cronium::worker
