#pragma once

// The pool of workers that run jobs: each worker thread claims a job from the queue, builds
// the run from its event (interpreter, script, environment from scratch), runs it through the
// Executor, and records the execution's end. Cancellation reaches a running job through its
// CancelToken. Thread-safe.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/synchronized.h"
#include "events/event_service.h"
#include "exec/executor.h"
#include "queue/job_queue.h"

namespace cronium::worker {

struct WorkerOptions {
  int workers = 4;
  std::string node_id = "local";
  std::string work_root;  // runs get private work dirs under it
  std::chrono::milliseconds lease{10 * 60'000};
  std::chrono::milliseconds kill_grace{2'000};
  std::chrono::milliseconds idle_wait{1'000};  // poll interval when no wake-up arrives
  size_t max_output_bytes = 1 << 20;
};

class WorkerPool {
 public:
  WorkerPool(WorkerOptions options, queue::JobQueue& queue, events::EventService& events,
             exec::Executor& executor, const Clock& clock);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Start();
  // Stops claiming, lets running jobs finish for up to `grace`, then stops the rest; they are
  // recorded as LOST ("the server shut down during the run").
  void Stop(std::chrono::milliseconds grace);

  // Cancels a queued or running execution. kNotFound, or kFailedPrecondition if it ended.
  Status Cancel(const std::string& execution_id, const std::string& reason,
                const store::Actor& actor);

  int RunningCount();

 private:
  struct Running {
    exec::CancelToken token;
    std::atomic<bool> shutdown{false};
  };

  void Loop(int index);
  void RunJob(const store::ClaimedJob& claimed);
  Result<exec::RunSpec> BuildSpec(const store::ClaimedJob& claimed,
                                  const store::EventRecord& event);

  // Immutable after construction.
  const WorkerOptions options_;
  queue::JobQueue& queue_;
  events::EventService& events_;
  exec::Executor& executor_;
  const Clock& clock_;

  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  Synchronized<std::map<std::string, std::shared_ptr<Running>>> running_;  // by job id
};

}  // namespace cronium::worker
