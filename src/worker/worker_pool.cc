#include "worker/worker_pool.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/utf8.h"
#include "live/output_hub.h"
#include "runtime/runtime_service.h"

namespace cronium::worker {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kInterruptedReason =
    "interrupted: the server stopped or drained during the run; it runs again";
constexpr std::string_view kLapsedReason =
    "lost: the worker running it stopped responding and its lease expired";

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

std::map<std::string, std::string> ScriptEnvironment(std::map<std::string, std::string> event_vars,
                                                     const std::string& execution_id,
                                                     const std::string& job_id,
                                                     const std::string& event_id,
                                                     const RuntimeAccess* runtime) {
  std::map<std::string, std::string> env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
                                            {"HOME", "{workdir}"},
                                            // Else bash looks the run's uid up in the user
                                            // database at every start (NSS modules and all).
                                            {"SHELL", "/bin/sh"},
                                            {"TMPDIR", "{workdir}"},
                                            {"LANG", "C.UTF-8"},
                                            {"PYTHONUNBUFFERED", "1"},
                                            {"PYTHONDONTWRITEBYTECODE", "1"}};
  for (auto& [key, value] : event_vars) env[key] = std::move(value);
  env["CRONIUM_EXECUTION_ID"] = execution_id;
  env["CRONIUM_JOB_ID"] = job_id;
  env["CRONIUM_EVENT_ID"] = event_id;
  env["CRONIUM_EXECUTION_MODE"] = "process";
  if (runtime != nullptr) {
    env["CRONIUM_RUNTIME_API"] = env["CRONIUM_API_ENDPOINT"] = runtime->url;
    env["CRONIUM_EXECUTION_TOKEN"] = env["CRONIUM_API_TOKEN"] = runtime->token;
    env["CRONIUM_HELPER_MODE"] = "api";
    if (!runtime->helpers_dir.empty()) {
      const std::string& dir = runtime->helpers_dir;
      auto prepend = [&env](const std::string& name, const std::string& value, char separator) {
        auto found = env.find(name);
        env[name] =
            found == env.end() || found->second.empty() ? value : value + separator + found->second;
      };
      env["CRONIUM_HELPERS_DIR"] = dir;
      prepend("PATH", dir + "/bin", ':');
      prepend("PYTHONPATH", dir + "/python", ':');
      prepend("NODE_PATH", dir + "/node", ':');
      prepend("NODE_OPTIONS", "--require " + dir + "/node/preload.js", ' ');
      env["BASH_ENV"] = dir + "/bin/cronium.sh";
    }
  }
  return env;
}

std::string RuntimeListenerTag(int index) { return "worker-" + std::to_string(index); }

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
  keeper_ = std::thread([this] { KeeperLoop(); });
}

void WorkerPool::Stop(milliseconds grace) {
  if (threads_.empty()) return;
  Drain(grace);
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return running_.empty(); });
    // A worker between its claim and the start of its run sees this and gives the job back.
    stopping_ = true;
  }
  changed_.notify_all();
  queue_.Wake();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  if (keeper_.joinable()) keeper_.join();
}

void WorkerPool::Drain(milliseconds grace) {
  {
    std::lock_guard lock(mutex_);
    const auto deadline = SteadyClock::now() + grace;
    if (!draining_ || !drain_deadline_ || deadline < *drain_deadline_) drain_deadline_ = deadline;
    draining_ = true;
  }
  changed_.notify_all();
  queue_.Wake();
}

void WorkerPool::Resume() {
  {
    std::lock_guard lock(mutex_);
    draining_ = false;
    drain_deadline_.reset();
  }
  changed_.notify_all();
  queue_.Wake();
}

DrainState WorkerPool::Drainage() {
  std::lock_guard lock(mutex_);
  return DrainState{.draining = draining_,
                    .running = static_cast<int>(running_.size()),
                    .deadline = drain_deadline_};
}

int WorkerPool::RunningCount() {
  std::lock_guard lock(mutex_);
  return static_cast<int>(running_.size());
}

void WorkerPool::InterruptAll() {
  std::lock_guard lock(mutex_);
  for (auto& [job_id, run] : running_) {
    run->interrupted = true;
    run->token.Cancel();
  }
}

Status WorkerPool::Cancel(const std::string& execution_id, const std::string& reason,
                          const store::Actor& actor) {
  CRONIUM_ASSIGN_OR_RETURN(auto execution, queue_.store().GetExecution(execution_id));
  CRONIUM_ASSIGN_OR_RETURN(auto job, queue_.store().GetJob(execution.job_id));
  if (job.current_execution_id != execution_id || store::IsTerminal(job.status)) {
    return FailedPrecondition(
        fmt::format("execution {} already ended ({})", execution_id, ToString(execution.status)));
  }
  CRONIUM_ASSIGN_OR_RETURN(auto outcome, queue_.Cancel(job.id, execution_id, reason, actor));
  if (outcome == store::CancelOutcome::kCancelRequested) {
    // If the run is on another node (or between claim and start here), the heartbeat or
    // MarkRunning delivers the request.
    std::lock_guard lock(mutex_);
    auto it = running_.find(job.id);
    if (it != running_.end()) it->second->token.Cancel();
  }
  return OkStatus();
}

void WorkerPool::HeartbeatOnce() {
  std::vector<std::pair<std::string, std::string>> held;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [job_id, run] : running_) held.emplace_back(job_id, run->worker_id);
  }
  auto states = queue_.Heartbeat(held, options_.lease);
  if (!states) {
    spdlog::warn("heartbeat: cannot extend leases: {}", states.error().message);
    return;
  }
  std::lock_guard lock(mutex_);
  for (const auto& state : *states) {
    auto it = running_.find(state.job_id);
    if (it == running_.end()) continue;
    if (!state.held) {
      spdlog::warn("job {}: its lease was taken over; stopping the local run", state.job_id);
      it->second->lease_lost = true;
      it->second->token.Cancel();
    } else if (!state.cancel_reason.empty()) {
      it->second->token.Cancel();
    }
  }
}

void WorkerPool::ReapOnce() {
  auto reaped = queue_.ReapLapsedLeases("", std::string(kLapsedReason));
  if (!reaped) {
    spdlog::warn("reaper: {}", reaped.error().message);
  } else if (*reaped > 0) {
    spdlog::warn("reaper: recovered {} job(s) whose worker stopped responding", *reaped);
  }
}

void WorkerPool::KeeperLoop() {
  std::unique_lock lock(mutex_);
  auto next_beat = SteadyClock::now() + options_.heartbeat;
  while (!stopping_) {
    auto wake_at = next_beat;
    if (drain_deadline_) wake_at = std::min(wake_at, *drain_deadline_);
    changed_.wait_until(lock, wake_at);
    if (stopping_) break;
    const auto now = SteadyClock::now();
    if (drain_deadline_ && now >= *drain_deadline_) {
      drain_deadline_.reset();
      lock.unlock();
      InterruptAll();
      lock.lock();
    }
    if (now >= next_beat) {
      lock.unlock();
      HeartbeatOnce();
      ReapOnce();
      lock.lock();
      next_beat = SteadyClock::now() + options_.heartbeat;
    }
  }
}

void WorkerPool::Loop(int index) {
  const std::string worker_id = fmt::format("{}/w{}", options_.node_id, index);
  std::optional<store::ClaimedJob> next;
  while (!stopping_) {
    if (next) {
      store::ClaimedJob job = std::move(*next);
      next = RunJob(std::move(job), index);
      continue;
    }
    const uint64_t generation = queue_.WorkGeneration();
    if (draining_) {
      queue_.WaitForWork(generation, options_.idle_wait);
      continue;
    }
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
    next = std::move(**claimed);
  }
  if (next) {
    // Claimed while the pool stopped: give it back at once, without costing an attempt.
    store::ExecutionRecord record = next->execution;
    record.status = store::RunStatus::kLost;
    record.end_reason = std::string(kInterruptedReason);
    record.finished_at = clock_.Now();
    auto released = queue_.Finish(next->job, record, queue::RetryPolicy{}, /*interrupted=*/true);
    if (!released) spdlog::warn("job {}: not released: {}", next->job.id, released.error().message);
  }
}

Result<exec::RunSpec> WorkerPool::BuildSpec(const store::ClaimedJob& claimed,
                                            const store::EventRecord& event,
                                            const RuntimeAccess* runtime) {
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
  spec.env =
      ScriptEnvironment(std::move(env), claimed.execution.id, claimed.job.id, event.id, runtime);
  spec.work_root = options_.work_root;
  spec.env["CRONIUM_EXECUTION_MODE"] = options_.isolation == "sandbox" ? "sandbox" : "process";
  spec.timeout = claimed.job.timeout;
  spec.kill_grace = options_.kill_grace;
  spec.max_output_bytes = options_.max_output_bytes;
  spec.limits = options_.default_limits;
  const store::RunLimits& limits = event.limits;
  if (limits.memory_mb > 0)
    spec.limits.memory_bytes = static_cast<uint64_t>(limits.memory_mb) << 20;
  if (limits.pids > 0) spec.limits.pids = static_cast<uint64_t>(limits.pids);
  if (limits.cpu_seconds > 0) spec.limits.cpu_seconds = static_cast<uint64_t>(limits.cpu_seconds);
  if (limits.cpu_millis > 0) spec.limits.cpu_millicores = static_cast<uint32_t>(limits.cpu_millis);
  if (limits.disk_mb > 0) {
    spec.limits.workdir_bytes = spec.limits.tmp_bytes = static_cast<uint64_t>(limits.disk_mb) << 20;
  }
  if (limits.output_kb > 0) spec.max_output_bytes = static_cast<size_t>(limits.output_kb) << 10;
  spec.network = limits.network == "host" ? sandbox::Network::kHost : sandbox::Network::kNone;
  if (options_.hub != nullptr) {
    spec.on_output = [hub = options_.hub, id = claimed.execution.id](exec::OutputStream stream,
                                                                     std::string_view data) {
      hub->Append(
          id, stream == exec::OutputStream::kStdout ? live::Stream::kStdout : live::Stream::kStderr,
          data);
    };
  }
  return spec;
}

std::optional<store::ClaimedJob> WorkerPool::RunJob(store::ClaimedJob claimed, int index) {
  const std::string& job_id = claimed.job.id;
  auto run = std::make_shared<Running>();
  run->worker_id = claimed.job.lease_owner;
  {
    std::lock_guard lock(mutex_);
    running_.emplace(job_id, run);
    if (stopping_ || (drain_deadline_ && SteadyClock::now() >= *drain_deadline_)) {
      run->interrupted = true;
      run->token.Cancel();
    }
  }
  auto unregister = [&] {
    {
      std::lock_guard lock(mutex_);
      running_.erase(job_id);
    }
    changed_.notify_all();
  };

  store::ExecutionRecord record = claimed.execution;
  queue::RetryPolicy policy;
  std::optional<store::ClaimedJob> next;
  auto finish = [&](bool interrupted) {
    record.finished_at = clock_.Now();
    if (record.started_at) {
      record.duration_ms =
          std::chrono::duration_cast<milliseconds>(*record.finished_at - *record.started_at)
              .count();
    }
    Status finished = OkStatus();
    if (!interrupted && !draining_ && !stopping_) {
      auto ended =
          queue_.FinishAndClaimNext(claimed.job, record, policy, run->worker_id, options_.lease);
      if (ended) {
        next = std::move(*ended);
      } else {
        finished = tl::unexpected(ended.error());
      }
    } else {
      finished = queue_.Finish(claimed.job, record, policy, interrupted);
    }
    if (!finished && finished.error().code == ErrorCode::kUnavailable &&
        (!record.stdout_text.empty() || !record.stderr_text.empty())) {
      // The store could not take the output (a full disk, most likely): record the end
      // without it rather than leave the run unrecorded.
      spdlog::error("execution {}: output not stored: {}", record.id, finished.error().message);
      record.end_reason += "; its output was not stored: " + finished.error().message;
      record.stdout_text.clear();
      record.stderr_text.clear();
      record.stdout_truncated = record.stderr_truncated = true;
      finished = queue_.Finish(claimed.job, record, policy, interrupted);
    }
    if (!finished && finished.error().code == ErrorCode::kFailedPrecondition) {
      spdlog::info("execution {}: ended elsewhere meanwhile ({})", record.id,
                   finished.error().message);
    } else if (!finished) {
      // The job stays held; once its lease lapses the reaper recovers it.
      spdlog::error("execution {}: result not recorded: {}", record.id, finished.error().message);
    }
  };

  if (claimed.job.status == store::RunStatus::kLeased) {
    auto started = queue_.MarkRunning(claimed);
    if (!started) {
      unregister();
      spdlog::warn("execution {}: not started: {}", record.id, started.error().message);
      return std::nullopt;
    }
    record = claimed.execution;
    if (!started->empty()) run->token.Cancel();
  } else if (auto now = queue_.store().GetJob(job_id); now && !now->cancel_reason.empty()) {
    // Claimed RUNNING with the previous run's end: a cancel may have come before this run
    // was registered above (a read, not a write, catches it).
    run->token.Cancel();
  }

  auto event = events_.GetRecord(claimed.job.event_id);
  if (event) policy = queue::RetryPolicyOf(*event);
  // The runtime API: the run's token works from here until End below. A sandbox with network
  // "none" reaches the API through this worker's own socket, and its token works only there.
  std::optional<RuntimeAccess> access;
  std::string runtime_socket;
  if (event && options_.runtime != nullptr) {
    const bool own_socket = static_cast<size_t>(index) < options_.runtime_sockets.size() &&
                            event->limits.network != "host";
    if (own_socket) runtime_socket = options_.runtime_sockets[static_cast<size_t>(index)];
    const TimePoint now = clock_.Now();
    access = RuntimeAccess{
        .url = own_socket ? "http://127.0.0.1:8081" : options_.runtime->TcpUrl(),
        .token = options_.runtime->Begin({.execution_id = record.id,
                                          .job_id = job_id,
                                          .event_id = event->id,
                                          .event_name = event->name,
                                          .event_type = std::string(ToString(event->type)),
                                          .user_id = event->owner_id,
                                          .trigger = record.trigger,
                                          .attempt = record.attempt,
                                          .started_at = record.started_at.value_or(now),
                                          .deadline = now + claimed.job.timeout,
                                          .input_json = claimed.job.input_json,
                                          .listener = own_socket ? RuntimeListenerTag(index) : ""}),
        .helpers_dir = options_.helpers_dir.empty()      ? ""
                       : options_.isolation == "sandbox" ? std::string(sandbox::kHelpersDir)
                                                         : options_.helpers_dir};
  }
  auto end_runtime = [&] {
    if (access) {
      runtime::RunEffects effects = options_.runtime->End(record.id);
      access.reset();
      if (effects.output_json) record.output_json = std::move(effects.output_json);
      if (effects.condition) record.condition = effects.condition;
    }
  };
  Result<exec::RunSpec> spec = event ? BuildSpec(claimed, *event, access ? &*access : nullptr)
                                     : Result<exec::RunSpec>(tl::unexpected(event.error()));
  if (spec) spec->runtime_socket = runtime_socket;
  if (!spec) {
    end_runtime();
    unregister();
    record.status = store::RunStatus::kFailed;
    record.end_reason = fmt::format("could not start: {}", spec.error().message);
    record.isolation = "none";
    policy.retry_on.clear();  // trying again cannot help
    finish(false);
    return next;
  }

  if (options_.hub != nullptr) options_.hub->Begin(record.id);
  spdlog::info("execution {} of event {} started (attempt {} of {})", record.id,
               claimed.job.event_id, record.attempt, claimed.job.max_attempts);
  const exec::RunResult result = executor_.Run(*spec, run->token);
  end_runtime();
  unregister();

  record.status = StatusOf(result);
  record.exit_code = result.exit_code;
  record.signal = result.signal;
  record.stdout_text = SanitizeUtf8(result.stdout_text);
  record.stderr_text = SanitizeUtf8(result.stderr_text);
  record.stdout_truncated = result.stdout_truncated;
  record.stderr_truncated = result.stderr_truncated;
  record.isolation = result.isolation;
  record.cpu_time_ms = result.cpu_time_ms;
  record.max_rss_kb = result.max_rss_kb;
  record.end_reason = result.Describe(spec->timeout);
  bool interrupted = false;
  if (result.end_reason == exec::EndReason::kCancelled) {
    if (run->lease_lost) {
      if (options_.hub != nullptr) options_.hub->End(record.id);
      spdlog::warn("execution {}: stopped, another worker owns its job now", record.id);
      return std::nullopt;
    }
    if (run->interrupted) {
      interrupted = true;
      record.status = store::RunStatus::kLost;
      record.end_reason = std::string(kInterruptedReason);
    } else {
      // The reason was stored with the request (here, on another node, or before the start).
      auto job = queue_.store().GetJob(job_id);
      claimed.job.cancel_reason =
          job && !job->cancel_reason.empty() ? job->cancel_reason : "cancelled";
      record.end_reason = claimed.job.cancel_reason;
    }
  }
  // Partial lines reach live readers before the final status, which follows the record.
  if (options_.hub != nullptr) options_.hub->Flush(record.id);
  finish(interrupted);
  if (options_.hub != nullptr) options_.hub->End(record.id);
  spdlog::info("execution {} ended: {} ({})", record.id, ToString(record.status),
               record.end_reason);
  return next;
}

}  // namespace cronium::worker
