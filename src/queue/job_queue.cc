#include "queue/job_queue.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "base/ids.h"
#include "base/time_format.h"

namespace cronium::queue {

std::chrono::milliseconds TimeoutOf(int64_t timeout_seconds) {
  return std::chrono::seconds(timeout_seconds);
}

JobParams ParamsFor(const store::EventRecord& event) {
  return JobParams{.event_id = event.id,
                   .owner_id = event.owner_id,
                   .kind = store::JobKindOf(event.type),
                   .priority = event.priority,
                   .max_attempts = 1 + event.retries,
                   .timeout = TimeoutOf(event.timeout_seconds)};
}

std::pair<store::JobRecord, store::ExecutionRecord> NewJob(const JobParams& params, TimePoint now) {
  store::JobRecord job;
  job.id = NewId("job", now);
  job.event_id = params.event_id;
  job.owner_id = params.owner_id;
  job.kind = params.kind;
  job.trigger = params.trigger;
  job.requested_by = params.requested_by;
  job.status = store::RunStatus::kQueued;
  job.input_json = params.input_json;
  job.priority = params.priority;
  job.run_after = now + params.delay;
  job.max_attempts = std::max(1, params.max_attempts);
  job.timeout = params.timeout;
  job.unique_key = params.unique_key;
  job.serialize = params.serialize;
  job.workflow_run_id = params.workflow_run_id;
  job.workflow_node_id = params.workflow_node_id;
  job.caused_by = params.caused_by;
  job.chain_depth = params.chain_depth;
  job.chain_root = params.chain_root;
  job.created_at = job.updated_at = now;
  store::ExecutionRecord execution;
  execution.id = NewId("exe", now);
  execution.job_id = job.id;
  execution.event_id = job.event_id;
  execution.attempt = 1;
  execution.status = store::RunStatus::kQueued;
  execution.trigger = params.trigger;
  execution.created_at = now;
  job.current_execution_id = execution.id;
  return {std::move(job), std::move(execution)};
}

RetryPolicy RetryPolicyOf(const store::EventRecord& event) {
  return RetryPolicy{.base_delay = std::chrono::milliseconds(event.retry_delay_ms),
                     .max_delay = std::chrono::milliseconds(event.retry_max_delay_ms),
                     .retry_on = event.retry_on};
}

std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int retry_number, double random01) {
  using std::chrono::milliseconds;
  const int64_t base = std::max<int64_t>(0, policy.base_delay.count());
  const int64_t cap = std::max<int64_t>(0, policy.max_delay.count());
  int64_t delay = base;
  for (int i = 1; i < retry_number && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  const double jitter = std::clamp(random01, 0.0, 1.0);
  return milliseconds(delay / 2 +
                      static_cast<int64_t>(jitter * static_cast<double>(delay - delay / 2)));
}

JobQueue::JobQueue(store::Store& store, const Clock& clock, QueueOptions options)
    : store_(store), clock_(clock), options_(std::move(options)), timer_([this] { TimerLoop(); }) {
  if (!options_.random) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    options_.random = [engine] { return std::uniform_real_distribution<double>(0, 1)(*engine); };
  }
}

JobQueue::~JobQueue() { Shutdown(); }

double JobQueue::Random() {
  std::lock_guard lock(random_mutex_);
  return options_.random();
}

Result<EnqueuedRun> JobQueue::Enqueue(const store::EventRecord& event,
                                      const EnqueueOptions& options) {
  if (event.status == store::EventStatus::kArchived) {
    return FailedPrecondition(fmt::format(
        "event {} is archived; set its status to ACTIVE or PAUSED to run it", event.id));
  }
  const TimePoint now = clock_.Now();
  JobParams params = ParamsFor(event);
  params.trigger = options.trigger;
  params.requested_by = options.actor.id;
  params.input_json = options.input_json;
  if (options.priority) params.priority = *options.priority;
  params.delay = options.delay;
  params.unique_key = options.unique_key;
  auto [job, execution] = NewJob(params, now);
  EnqueuedRun run{job.id, execution.id};
  CRONIUM_RETURN_IF_ERROR(store_.EnqueueJob(
      job, execution,
      store::MakeAudit(options.actor, now, "run.start", "execution", execution.id,
                       fmt::format(R"({{"eventId":"{}","jobId":"{}","trigger":"{}"}})", event.id,
                                   job.id, options.trigger)),
      options.idempotency ? options.idempotency(run) : store::IdempotencyRecords()));
  Wake();
  if (broadcast_.queued) broadcast_.queued();
  return run;
}

Result<std::optional<store::ClaimedJob>> JobQueue::Claim(const std::string& worker_id,
                                                         std::chrono::milliseconds lease) {
  const TimePoint now = clock_.Now();
  return store_.ClaimNextJob(worker_id, now, now + lease);
}

Result<std::string> JobQueue::MarkRunning(store::ClaimedJob& claimed) {
  const TimePoint now = clock_.Now();
  CRONIUM_ASSIGN_OR_RETURN(
      std::string cancel_reason,
      store_.MarkRunning(claimed.job.id, claimed.execution.id, claimed.job.lease_owner, now));
  claimed.job.status = claimed.execution.status = store::RunStatus::kRunning;
  claimed.execution.started_at = now;
  claimed.job.cancel_reason = cancel_reason;
  return cancel_reason;
}

Result<std::vector<store::LeaseState>> JobQueue::Heartbeat(
    const std::vector<std::pair<std::string, std::string>>& held, std::chrono::milliseconds lease) {
  if (held.empty()) return std::vector<store::LeaseState>();
  const TimePoint now = clock_.Now();
  return store_.ExtendLeases(held, now + lease, now);
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

JobQueue::Ending JobQueue::PrepareEnd(const store::JobRecord& job,
                                      const store::ExecutionRecord& execution,
                                      const RetryPolicy& policy, bool interrupted, TimePoint now) {
  Ending ending;
  const bool retryable = std::find(policy.retry_on.begin(), policy.retry_on.end(),
                                   execution.status) != policy.retry_on.end();
  if (job.cancel_reason.empty() && execution.status != store::RunStatus::kSucceeded &&
      execution.status != store::RunStatus::kCancelled &&
      (interrupted || (retryable && job.attempts < job.max_attempts))) {
    store::RetryPlan plan;
    plan.refund_attempt = interrupted;
    plan.run_after = interrupted ? now : now + RetryDelay(policy, job.attempts, Random());
    auto& next = plan.next_execution;
    next.id = NewId("exe", now);
    next.job_id = job.id;
    next.event_id = job.event_id;
    next.attempt = job.attempts + 1;
    next.status = store::RunStatus::kQueued;
    next.trigger = execution.trigger;
    next.created_at = now;
    ending.retry = std::move(plan);
  }
  std::string details = fmt::format(
      R"({{"eventId":"{}","jobId":"{}","status":"{}","exitCode":{},"attempt":{},"retry":{}}})",
      execution.event_id, job.id, ToString(execution.status),
      execution.exit_code ? std::to_string(*execution.exit_code) : "null", execution.attempt,
      ending.retry
          ? fmt::format(R"({{"executionId":"{}","runAfter":"{}"}})",
                        ending.retry->next_execution.id, FormatRfc3339(ending.retry->run_after))
          : "null");
  ending.audit = store::MakeAudit(store::Actor{}, now, "run.end", "execution", execution.id,
                                  std::move(details));
  if (execution.status != store::RunStatus::kSucceeded) ending.audit.outcome = "failure";
  return ending;
}

void JobQueue::Ended(const store::ExecutionRecord& execution, const Ending& ending) {
  NotifyFinished(execution.id);
  if (ending.retry) Wake();
}

Status JobQueue::Finish(const store::JobRecord& job, const store::ExecutionRecord& execution,
                        const RetryPolicy& policy, bool interrupted) {
  const TimePoint now = clock_.Now();
  const Ending ending = PrepareEnd(job, execution, policy, interrupted, now);
  CRONIUM_RETURN_IF_ERROR(store_.FinishExecution(execution, now, ending.retry, ending.audit));
  Ended(execution, ending);
  return OkStatus();
}

Result<std::optional<store::ClaimedJob>> JobQueue::FinishAndClaimNext(
    const store::JobRecord& job, const store::ExecutionRecord& execution, const RetryPolicy& policy,
    const std::string& worker_id, std::chrono::milliseconds lease) {
  const TimePoint now = clock_.Now();
  const Ending ending = PrepareEnd(job, execution, policy, /*interrupted=*/false, now);
  CRONIUM_ASSIGN_OR_RETURN(
      auto next, store_.FinishAndClaimNext(execution, now, ending.retry, ending.audit, worker_id,
                                           now + lease));
  Ended(execution, ending);
  return next;
}

Result<int> JobQueue::ReapLapsedLeases(const std::string& owner_prefix, const std::string& reason) {
  constexpr int kBatch = 100;
  int recovered = 0;
  for (;;) {
    CRONIUM_ASSIGN_OR_RETURN(auto lapsed,
                             store_.ListLapsedLeases(clock_.Now(), owner_prefix, kBatch));
    int recovered_here = 0;
    for (const store::JobRecord& job : lapsed) {
      auto execution = store_.GetExecution(job.current_execution_id);
      if (!execution) {
        spdlog::warn("lease recovery: job {}: {}", job.id, execution.error().message);
        continue;
      }
      RetryPolicy policy;
      if (auto event = store_.GetEvent(job.event_id)) policy = RetryPolicyOf(*event);
      const TimePoint now = clock_.Now();
      execution->status = store::RunStatus::kLost;
      execution->end_reason = job.cancel_reason.empty() ? reason : job.cancel_reason;
      if (!job.cancel_reason.empty()) execution->status = store::RunStatus::kCancelled;
      execution->finished_at = now;
      if (execution->started_at) {
        execution->duration_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(now - *execution->started_at)
                .count();
      }
      Status finished = Finish(job, *execution, policy);
      // Another node may have finished or reaped it meanwhile; that is fine. Any other failure
      // leaves this job for the next pass and does not hold up the others.
      if (!finished && finished.error().code != ErrorCode::kFailedPrecondition) {
        spdlog::warn("lease recovery: job {}: {}", job.id, finished.error().message);
      }
      if (finished) ++recovered, ++recovered_here;
    }
    // A batch that recovered nothing would come back the same: stop until the next pass.
    if (static_cast<int>(lapsed.size()) < kBatch || recovered_here == 0) return recovered;
  }
}

Result<store::CancelOutcome> JobQueue::Cancel(const std::string& job_id,
                                              const std::string& execution_id,
                                              const std::string& reason,
                                              const store::Actor& actor) {
  const TimePoint now = clock_.Now();
  CRONIUM_ASSIGN_OR_RETURN(
      auto outcome,
      store_.CancelJob(job_id, reason, now,
                       store::MakeAudit(actor, now, "run.cancel", "execution", execution_id)));
  if (outcome == store::CancelOutcome::kCancelledWhileQueued) NotifyFinished(execution_id);
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

void JobQueue::NotifyFinished(const std::string& id) {
  ReleaseWaiters(id);
  if (broadcast_.finished) broadcast_.finished(id);
}

std::vector<std::string> JobQueue::WaitedIds() {
  std::lock_guard lock(waiters_mutex_);
  std::vector<std::string> ids;
  ids.reserve(waiters_.size());
  for (const auto& [id, list] : waiters_) ids.push_back(id);
  return ids;
}

void JobQueue::ReleaseWaiters(const std::string& execution_id) {
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
