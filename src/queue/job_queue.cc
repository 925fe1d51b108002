#include "queue/job_queue.h"

#include <fmt/format.h>

#include "base/ids.h"

namespace cronium::queue {

JobQueue::JobQueue(store::Store& store, const Clock& clock)
    : store_(store), clock_(clock), timer_([this] { TimerLoop(); }) {}

JobQueue::~JobQueue() { Shutdown(); }

Result<EnqueuedRun> JobQueue::Enqueue(const store::EventRecord& event,
                                      const EnqueueOptions& options) {
  if (event.status == store::EventStatus::kArchived) {
    return FailedPrecondition(fmt::format(
        "event {} is archived; set its status to ACTIVE or PAUSED to run it", event.id));
  }
  const TimePoint now = clock_.Now();
  store::JobRecord job;
  job.id = NewId("job", now);
  job.event_id = event.id;
  job.owner_id = event.owner_id;
  job.trigger = options.trigger;
  job.requested_by = options.actor.id;
  job.status = store::RunStatus::kQueued;
  job.input_json = options.input_json;
  job.priority = options.priority;
  job.run_after = now;
  job.max_attempts = 1 + event.retries;
  job.timeout_ms = event.timeout_seconds * 1000;
  job.created_at = job.updated_at = now;
  store::ExecutionRecord execution;
  execution.id = NewId("exe", now);
  execution.job_id = job.id;
  execution.event_id = event.id;
  execution.attempt = 1;
  execution.status = store::RunStatus::kQueued;
  execution.trigger = options.trigger;
  execution.created_at = now;
  job.current_execution_id = execution.id;
  CRONIUM_RETURN_IF_ERROR(store_.EnqueueJob(
      job, execution,
      store::MakeAudit(options.actor, now, "run.start", "execution", execution.id,
                       fmt::format(R"({{"eventId":"{}","jobId":"{}","trigger":"{}"}})", event.id,
                                   job.id, options.trigger))));
  Wake();
  return EnqueuedRun{job.id, execution.id};
}

Result<std::optional<store::ClaimedJob>> JobQueue::Claim(const std::string& worker_id,
                                                         std::chrono::milliseconds lease) {
  const TimePoint now = clock_.Now();
  return store_.ClaimNextJob(worker_id, now, now + lease);
}

uint64_t JobQueue::WorkGeneration() {
  std::lock_guard lock(work_mutex_);
  return work_generation_;
}

void JobQueue::WaitForWork(uint64_t seen, std::chrono::milliseconds max_wait) {
  std::unique_lock lock(work_mutex_);
  work_cv_.wait_for(lock, max_wait, [&] { return work_generation_ != seen; });
}

void JobQueue::Wake() {
  {
    std::lock_guard lock(work_mutex_);
    ++work_generation_;
  }
  work_cv_.notify_all();
}

Status JobQueue::Finish(const store::ExecutionRecord& execution) {
  const TimePoint now = clock_.Now();
  std::string details =
      fmt::format(R"({{"eventId":"{}","status":"{}","exitCode":{}}})", execution.event_id,
                  ToString(execution.status),
                  execution.exit_code ? std::to_string(*execution.exit_code) : "null");
  auto outcome = store::MakeAudit(store::Actor{}, now, "run.end", "execution", execution.id,
                                  std::move(details));
  if (execution.status != store::RunStatus::kSucceeded) outcome.outcome = "failure";
  CRONIUM_RETURN_IF_ERROR(store_.FinishExecution(execution, now, outcome));
  NotifyFinished(execution.id);
  return OkStatus();
}

Result<store::CancelOutcome> JobQueue::Cancel(const std::string& job_id, const std::string& reason,
                                              const store::Actor& actor) {
  CRONIUM_ASSIGN_OR_RETURN(auto job, store_.GetJob(job_id));
  const TimePoint now = clock_.Now();
  CRONIUM_ASSIGN_OR_RETURN(auto outcome,
                           store_.CancelJob(job_id, reason, now,
                                            store::MakeAudit(actor, now, "run.cancel", "execution",
                                                             job.current_execution_id)));
  if (outcome == store::CancelOutcome::kCancelledWhileQueued) {
    NotifyFinished(job.current_execution_id);
  }
  return outcome;
}

void JobQueue::WhenFinished(const std::string& execution_id, std::chrono::milliseconds max_wait,
                            std::function<void(bool)> done) {
  {
    std::lock_guard lock(waiters_mutex_);
    if (!shutting_down_) {
      waiters_[execution_id].push_back(
          Waiter{next_waiter_id_++, std::chrono::steady_clock::now() + max_wait, std::move(done)});
      waiters_cv_.notify_all();
      return;
    }
  }
  done(false);
}

void JobQueue::NotifyFinished(const std::string& execution_id) {
  std::vector<Waiter> ready;
  {
    std::lock_guard lock(waiters_mutex_);
    auto it = waiters_.find(execution_id);
    if (it == waiters_.end()) return;
    ready = std::move(it->second);
    waiters_.erase(it);
  }
  for (auto& waiter : ready) waiter.done(true);
}

void JobQueue::TimerLoop() {
  std::unique_lock lock(waiters_mutex_);
  while (!shutting_down_) {
    auto next = std::chrono::steady_clock::time_point::max();
    for (const auto& [id, list] : waiters_) {
      for (const auto& waiter : list) next = std::min(next, waiter.deadline);
    }
    if (next == std::chrono::steady_clock::time_point::max()) {
      waiters_cv_.wait(lock);
    } else {
      waiters_cv_.wait_until(lock, next);
    }
    const auto now = std::chrono::steady_clock::now();
    std::vector<Waiter> expired;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      auto& list = it->second;
      for (auto w = list.begin(); w != list.end();) {
        if (w->deadline <= now) {
          expired.push_back(std::move(*w));
          w = list.erase(w);
        } else {
          ++w;
        }
      }
      it = list.empty() ? waiters_.erase(it) : std::next(it);
    }
    if (!expired.empty()) {
      lock.unlock();
      for (auto& waiter : expired) waiter.done(false);
      lock.lock();
    }
  }
}

void JobQueue::Shutdown() {
  std::map<std::string, std::vector<Waiter>> remaining;
  {
    std::lock_guard lock(waiters_mutex_);
    if (shutting_down_) return;
    shutting_down_ = true;
    remaining.swap(waiters_);
  }
  waiters_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  for (auto& [id, list] : remaining) {
    for (auto& waiter : list) waiter.done(false);
  }
  Wake();
}

}  // namespace cronium::queue
