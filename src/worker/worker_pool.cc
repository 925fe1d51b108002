#include "worker/worker_pool.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/utf8.h"

namespace cronium::worker {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kShutdownReason = "the server shut down during the run";

store::RunStatus StatusOf(const exec::RunResult& result) {
  switch (result.end_reason) {
    case exec::EndReason::kExited:
      return result.exit_code == 0 ? store::RunStatus::kSucceeded : store::RunStatus::kFailed;
    case exec::EndReason::kTimedOut:
      return store::RunStatus::kTimedOut;
    case exec::EndReason::kCancelled:
      return store::RunStatus::kCancelled;
    case exec::EndReason::kSignaled:
    case exec::EndReason::kStartFailed:
      return store::RunStatus::kFailed;
  }
  return store::RunStatus::kFailed;
}

}  // namespace

WorkerPool::WorkerPool(WorkerOptions options, queue::JobQueue& queue, events::EventService& events,
                       exec::Executor& executor, const Clock& clock)
    : options_(std::move(options)),
      queue_(queue),
      events_(events),
      executor_(executor),
      clock_(clock) {}

WorkerPool::~WorkerPool() { Stop(milliseconds(0)); }

void WorkerPool::Start() {
  for (int index = 0; index < std::max(1, options_.workers); ++index) {
    threads_.emplace_back([this, index] { Loop(index); });
  }
}

void WorkerPool::Stop(milliseconds grace) {
  if (threads_.empty()) return;
  stopping_ = true;
  queue_.Wake();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  // Give running jobs the grace period, then stop them.
  while (RunningCount() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  {
    auto running = running_.Lock();
    for (auto& [job_id, run] : *running) {
      run->shutdown = true;
      run->token.Cancel();
    }
  }
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

int WorkerPool::RunningCount() { return static_cast<int>(running_.Lock()->size()); }

Status WorkerPool::Cancel(const std::string& execution_id, const std::string& reason,
                          const store::Actor& actor) {
  CRONIUM_ASSIGN_OR_RETURN(auto execution, queue_.store().GetExecution(execution_id));
  CRONIUM_ASSIGN_OR_RETURN(auto job, queue_.store().GetJob(execution.job_id));
  if (job.current_execution_id != execution_id || store::IsTerminal(execution.status)) {
    return FailedPrecondition(
        fmt::format("execution {} already ended ({})", execution_id, ToString(execution.status)));
  }
  CRONIUM_ASSIGN_OR_RETURN(auto outcome, queue_.Cancel(job.id, reason, actor));
  if (outcome == store::CancelOutcome::kCancelRequested) {
    auto running = running_.Lock();
    auto it = running->find(job.id);
    if (it != running->end()) it->second->token.Cancel();
  }
  return OkStatus();
}

void WorkerPool::Loop(int index) {
  const std::string worker_id = fmt::format("{}/w{}", options_.node_id, index);
  while (!stopping_) {
    const uint64_t generation = queue_.WorkGeneration();
    auto claimed = queue_.Claim(worker_id, options_.lease);
    if (!claimed) {
      spdlog::warn("worker {} cannot claim jobs: {}", worker_id, claimed.error().message);
      queue_.WaitForWork(generation, options_.idle_wait);
      continue;
    }
    if (!*claimed) {
      queue_.WaitForWork(generation, options_.idle_wait);
      continue;
    }
    RunJob(**claimed);
  }
}

Result<exec::RunSpec> WorkerPool::BuildSpec(const store::ClaimedJob& claimed,
                                            const store::EventRecord& event) {
  exec::RunSpec spec;
  switch (event.type) {
    case store::EventType::kBash:
      spec.program = "/bin/bash";
      spec.script_name = "script.sh";
      break;
    case store::EventType::kPython:
      // By absolute path: a python3 first on PATH may be a slow shim.
      spec.program = "/usr/bin/python3";
      spec.script_name = "script.py";
      break;
    case store::EventType::kNodejs:
      spec.program = "/usr/bin/node";
      spec.script_name = "script.js";
      break;
    case store::EventType::kHttpRequest:
    case store::EventType::kToolAction:
      return FailedPrecondition(fmt::format(
          "{} events cannot be run by this version of cronium yet", ToString(event.type)));
  }
  spec.args = {"{script}"};
  spec.script = event.content;
  CRONIUM_ASSIGN_OR_RETURN(auto env, events_.UnsealEnvVars(event));
  // Built from scratch: nothing of the server's own environment reaches a script.
  spec.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
              {"HOME", "{workdir}"},
              {"TMPDIR", "{workdir}"},
              {"LANG", "C.UTF-8"},
              {"PYTHONUNBUFFERED", "1"},
              {"PYTHONDONTWRITEBYTECODE", "1"}};
  for (auto& [key, value] : env) spec.env[key] = std::move(value);
  spec.env["CRONIUM_EXECUTION_ID"] = claimed.execution.id;
  spec.env["CRONIUM_JOB_ID"] = claimed.job.id;
  spec.env["CRONIUM_EVENT_ID"] = event.id;
  spec.env["CRONIUM_EXECUTION_MODE"] = "process";
  spec.work_root = options_.work_root;
  spec.timeout = milliseconds(claimed.job.timeout_ms);
  spec.kill_grace = options_.kill_grace;
  spec.max_output_bytes = options_.max_output_bytes;
  return spec;
}

void WorkerPool::RunJob(const store::ClaimedJob& claimed) {
  store::ExecutionRecord record = claimed.execution;
  auto finish = [&](store::ExecutionRecord& done) {
    done.finished_at = clock_.Now();
    if (done.started_at) {
      done.duration_ms =
          std::chrono::duration_cast<milliseconds>(*done.finished_at - *done.started_at).count();
    }
    auto finished = queue_.Finish(done);
    if (!finished) {
      spdlog::warn("execution {}: result not recorded: {}", done.id, finished.error().message);
    }
  };

  auto event = events_.GetRecord(claimed.job.event_id);
  Result<exec::RunSpec> spec =
      event ? BuildSpec(claimed, *event) : Result<exec::RunSpec>(tl::unexpected(event.error()));
  if (!spec) {
    record.status = store::RunStatus::kFailed;
    record.end_reason = fmt::format("could not start: {}", spec.error().message);
    record.isolation = "none";
    finish(record);
    return;
  }

  auto run = std::make_shared<Running>();
  running_.Lock()->emplace(claimed.job.id, run);
  // A cancel may have been requested between the claim and now.
  auto job_now = queue_.store().GetJob(claimed.job.id);
  if (job_now && !job_now->cancel_reason.empty()) run->token.Cancel();

  spdlog::info("execution {} of event {} started (attempt {})", record.id, claimed.job.event_id,
               record.attempt);
  const exec::RunResult result = executor_.Run(*spec, run->token);
  running_.Lock()->erase(claimed.job.id);

  record.status = StatusOf(result);
  record.exit_code = result.exit_code;
  record.signal = result.signal;
  record.stdout_text = SanitizeUtf8(result.stdout_text);
  record.stderr_text = SanitizeUtf8(result.stderr_text);
  record.stdout_truncated = result.stdout_truncated;
  record.stderr_truncated = result.stderr_truncated;
  record.isolation = result.isolation;
  record.end_reason = result.Describe(spec->timeout);
  if (result.end_reason == exec::EndReason::kCancelled) {
    if (run->shutdown) {
      record.status = store::RunStatus::kLost;
      record.end_reason = std::string(kShutdownReason);
    } else {
      auto job = queue_.store().GetJob(claimed.job.id);
      const std::string reason = job && !job->cancel_reason.empty() ? job->cancel_reason : "";
      record.end_reason = reason.empty() ? "cancelled" : reason;
    }
  }
  finish(record);
  spdlog::info("execution {} ended: {} ({})", record.id, ToString(record.status),
               record.end_reason);
}

}  // namespace cronium::worker
