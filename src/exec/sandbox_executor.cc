#include "exec/sandbox_executor.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <optional>

#include "exec/internal/child.h"
#include "sandbox/spec.h"

namespace cronium::exec {
namespace {

using Clock = std::chrono::steady_clock;
using internal::Fd;
using std::chrono::milliseconds;

// How long past the run's own deadline and grace the launcher may take before it is killed:
// it reports, removes the cgroup and exits within milliseconds unless something is very wrong.
constexpr milliseconds kLauncherSlack{5000};

std::string ReadAll(int fd) {
  std::string data;
  char buffer[4096];
  off_t offset = 0;
  for (;;) {
    const ssize_t got = ::pread(fd, buffer, sizeof buffer, offset);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return data;
    data.append(buffer, static_cast<size_t>(got));
    offset += got;
  }
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return fmt::format("exit code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("signal {}", WTERMSIG(status));
  return "unknown status";
}

}  // namespace

struct SandboxExecutor::Launch {
  pid_t pid = -1;
  Fd channel;      // the memfd: request in, report out
  Fd go;           // warm only: our end of the launcher's go socket
  Fd run_channel;  // warm only: a memfd for the run's own request
  Fd out_read, err_read;
  sandbox::Request request;  // what it was started with
  bool attached = false;     // warm: told to move into its cgroups ('a' sent)
};

namespace {

// Which thread a prepared sandbox belongs to. Not std::thread::id: a thread's id may be reused
// by a later thread, whose run would then take a launcher that the parent-death signal of the
// first thread's exit (PR_SET_PDEATHSIG goes by thread) is taking down.
uint64_t ThreadKey() {
  static std::atomic<uint64_t> next{1};
  thread_local const uint64_t key = next.fetch_add(1);
  return key;
}

}  // namespace

SandboxExecutor::SandboxExecutor(SandboxOptions options, bool prepare_ahead)
    : options_(std::move(options)),
      prepare_ahead_(prepare_ahead),
      slot_runs_(std::max<uint32_t>(1, options_.uid_count), 0) {}

uint32_t SandboxExecutor::AcquireSlot() {
  std::lock_guard lock(mutex_);
  const uint64_t thread = ThreadKey();
  auto last = thread_slot_.find(thread);
  uint32_t slot = 0;
  if (last != thread_slot_.end() && slot_runs_[last->second] == 0) {
    slot = last->second;
  } else {
    // The first slot no run holds and no other thread had last; then any free one; then (more
    // runs at once than uids) the least used.
    std::vector<bool> claimed(slot_runs_.size(), false);
    for (const auto& [other, other_slot] : thread_slot_) claimed[other_slot] = true;
    auto pick = [&](bool skip_claimed) -> std::optional<uint32_t> {
      for (uint32_t i = 0; i < slot_runs_.size(); ++i) {
        if (slot_runs_[i] == 0 && !(skip_claimed && claimed[i])) return i;
      }
      return std::nullopt;
    };
    if (auto free = pick(true)) {
      slot = *free;
    } else if (auto any = pick(false)) {
      slot = *any;
    } else {
      slot = static_cast<uint32_t>(std::min_element(slot_runs_.begin(), slot_runs_.end()) -
                                   slot_runs_.begin());
    }
  }
  ++slot_runs_[slot];
  thread_slot_[thread] = slot;
  return slot;
}

void SandboxExecutor::ReleaseSlot(uint32_t slot) {
  std::lock_guard lock(mutex_);
  --slot_runs_[slot];
}

SandboxExecutor::~SandboxExecutor() { Shutdown(); }

void SandboxExecutor::Shutdown() {
  std::map<uint64_t, std::unique_ptr<Launch>> warm;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    warm.swap(warm_);
  }
  // A closed go pipe tells a prepared launcher that no run comes: it takes its sandbox down,
  // removes the cgroup and exits.
  for (auto& [thread, launch] : warm) launch->go.reset();
  for (auto& [thread, launch] : warm) ::waitpid(launch->pid, nullptr, 0);
}

sandbox::Request SandboxExecutor::BaseRequest(const RunSpec& spec, uint32_t slot) {
  static std::atomic<uint64_t> runs{0};
  sandbox::Request request;
  request.uid = options_.uid + slot;
  request.gid = options_.gid + slot;
  request.limits = spec.limits;
  request.network = spec.network;
  request.cgroup_name = fmt::format("run-{}", runs.fetch_add(1));
  request.cgroup_parents = options_.cgroups.entries;
  request.cgroup_v2 = options_.cgroups.v2;
  request.runtime_socket =
      spec.runtime_socket.empty() ? options_.runtime_socket : spec.runtime_socket;
  request.shares = options_.shares;
  request.helpers_dir = options_.helpers_dir;
  request.parent_pid = ::getpid();
  request.program = "/bin/true";  // replaced by the run's
  return request;
}

std::unique_ptr<SandboxExecutor::Launch> SandboxExecutor::Spawn(const sandbox::Request& request,
                                                                bool warm, std::string* error) {
  auto launch = std::make_unique<Launch>();
  launch->request = request;
  // The request travels in a memfd (fd 3 of the launcher), which then carries the report back.
  launch->channel.reset(::memfd_create("cronium-run", MFD_CLOEXEC));
  if (launch->channel.get() < 0) {
    *error = fmt::format("memfd_create: {}", std::strerror(errno));
    return nullptr;
  }
  if (!WriteAll(launch->channel.get(), sandbox::Encode(request))) {
    *error = fmt::format("cannot write the sandbox request: {}", std::strerror(errno));
    return nullptr;
  }
  Fd out_write, err_write, go_read;
  if (!internal::MakePipe(launch->out_read, out_write) ||
      !internal::MakePipe(launch->err_read, err_write)) {
    *error = "cannot create a pipe";
    return nullptr;
  }
  if (warm) {
    // A socket, not a pipe: a send to a launcher that is gone fails with EPIPE instead of
    // raising SIGPIPE in the caller (MSG_NOSIGNAL).
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      *error = fmt::format("socketpair: {}", std::strerror(errno));
      return nullptr;
    }
    go_read.reset(pair[0]);
    launch->go.reset(pair[1]);
  }
  if (warm) {
    launch->run_channel.reset(::memfd_create("cronium-run-request", MFD_CLOEXEC));
    if (launch->run_channel.get() < 0) {
      *error = fmt::format("memfd_create: {}", std::strerror(errno));
      return nullptr;
    }
  }
  std::vector<std::pair<int, int>> keep = {{sandbox::kRequestFd, launch->channel.get()}};
  if (warm) {
    keep.emplace_back(sandbox::kGoFd, go_read.get());
    keep.emplace_back(sandbox::kRunRequestFd, launch->run_channel.get());
  }
  std::string launcher_name = "cronium-sandbox";
  char* argv[] = {launcher_name.data(), nullptr};
  char* envp[] = {nullptr};
  const int spawn_rc = internal::SpawnChild(launch->pid, options_.launcher, argv, envp,
                                            out_write.get(), err_write.get(), keep);
  if (spawn_rc != 0) {
    *error = fmt::format("{}: {}", options_.launcher, std::strerror(spawn_rc));
    return nullptr;
  }
  return launch;
}

std::unique_ptr<SandboxExecutor::Launch> SandboxExecutor::TakeWarm(
    const sandbox::Request& request) {
  std::unique_ptr<Launch> launch;
  {
    std::lock_guard lock(mutex_);
    auto found = warm_.find(ThreadKey());
    if (found == warm_.end()) return nullptr;
    launch = std::move(found->second);
    warm_.erase(found);
  }
  sandbox::Request run = request;
  run.cgroup_name = launch->request.cgroup_name;
  const std::string encoded = sandbox::Encode(run);
  const bool fits = launch->request.network == run.network && launch->request.uid == run.uid &&
                    launch->request.gid == run.gid;
  // The launcher reads fd 5 only after the go byte, so the request is complete by then.
  if (fits && WriteAll(launch->run_channel.get(), encoded) &&
      ::send(launch->go.get(), "g", 1, MSG_NOSIGNAL) == 1) {
    launch->go.reset();
    launch->request = std::move(run);
    warm_runs_.fetch_add(1);
    return launch;
  }
  // It does not fit or is gone: let it go, and start one for this run.
  launch->go.reset();
  ::waitpid(launch->pid, nullptr, 0);
  return nullptr;
}

void SandboxExecutor::Prepare(const RunSpec& spec, bool attach) {
  if (!prepare_ahead_ || spec.network != sandbox::Network::kNone) return;
  uint32_t slot = 0;  // the one this thread's last run had
  {
    std::lock_guard lock(mutex_);
    if (shut_down_ || warm_.count(ThreadKey())) return;
    auto last = thread_slot_.find(ThreadKey());
    if (last != thread_slot_.end()) slot = last->second;
  }
  std::string error;
  auto launch = Spawn(BaseRequest(spec, slot), /*warm=*/true, &error);
  if (!launch) return;  // the next run starts cold and reports the problem
  if (attach) launch->attached = ::send(launch->go.get(), "a", 1, MSG_NOSIGNAL) == 1;
  std::lock_guard lock(mutex_);
  if (shut_down_) {
    launch->go.reset();
    ::waitpid(launch->pid, nullptr, 0);
    return;
  }
  warm_[ThreadKey()] = std::move(launch);
}

void SandboxExecutor::Attach(const RunSpec& spec) {
  {
    std::lock_guard lock(mutex_);
    auto found = warm_.find(ThreadKey());
    if (found != warm_.end()) {
      Launch& launch = *found->second;
      if (!launch.attached) {
        launch.attached = ::send(launch.go.get(), "a", 1, MSG_NOSIGNAL) == 1;
      }
      return;
    }
  }
  Prepare(spec, /*attach=*/true);
}

RunResult SandboxExecutor::Run(const RunSpec& spec, CancelToken& cancel) {
  RunResult result;
  result.isolation = "sandbox";
  result.limits = spec.limits;
  const auto started = Clock::now();
  auto fail = [&](std::string message) {
    result.end_reason = EndReason::kStartFailed;
    result.error = std::move(message);
    result.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    return result;
  };

  const uint32_t slot = AcquireSlot();
  struct SlotRelease {
    SandboxExecutor* executor;
    uint32_t slot;
    ~SlotRelease() { executor->ReleaseSlot(slot); }
  } release{this, slot};
  sandbox::Request request = BaseRequest(spec, slot);
  const std::string work_dir(sandbox::kWorkDir);
  const std::string script_path = work_dir + "/" + spec.script_name;
  request.program = spec.program;
  request.args = internal::ExpandArgs(spec, script_path);
  request.env = internal::ExpandEnv(spec, work_dir);
  request.script = spec.script;
  request.script_name = spec.script_name;
  request.timeout_ms = static_cast<uint64_t>(spec.timeout.count());
  request.kill_grace_ms = static_cast<uint64_t>(spec.kill_grace.count());

  std::unique_ptr<Launch> launch = TakeWarm(request);
  if (!launch) {
    std::string error;
    launch = Spawn(request, /*warm=*/false, &error);
    if (!launch) return fail(std::move(error));
  }
  const pid_t pid = launch->pid;
  Fd& out_read = launch->out_read;
  Fd& err_read = launch->err_read;
  // The next run's sandbox is built while this one runs: namespaces, file system, runtime
  // listener; its move into its cgroups waits until this run has ended (Attach below), since
  // on cgroup v1 a move stalls every fork and exit of the machine (this run's start too) for
  // an RCU grace period. A chain of runs (a workflow's nodes) then finds the next sandbox ready.
  Prepare(spec, /*attach=*/false);

  // The launcher enforces the timeout and the grace itself and reports; this deadline is only a
  // backstop. A cancel becomes SIGTERM to the launcher, which passes it on.
  const internal::Supervision supervision{
      .pid = pid,
      .deadline = started + spec.timeout + spec.kill_grace + kLauncherSlack,
      .grace = spec.kill_grace + kLauncherSlack,
      .send = [pid](int signal) { ::kill(pid, signal); },
      .on_exit = nullptr};
  const internal::ChildEnd end =
      internal::Supervise(supervision, out_read, err_read, spec, cancel, result);
  result.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - started);

  const auto report = sandbox::DecodeReport(ReadAll(launch->channel.get()));
  Attach(spec);
  if (!report) {
    // The launcher died before it could report (killed by the backstop or by someone, or
    // crashed): its sandbox died with it (parent-death signals), its cgroups are left over.
    sandbox::RemoveRunCgroup(options_.cgroups, launch->request.cgroup_name);
    result.cpu_time_ms = end.usage.ru_utime.tv_sec * 1000 + end.usage.ru_utime.tv_usec / 1000;
    if (end.cancelled) {
      result.end_reason = EndReason::kCancelled;
      return result;
    }
    if (end.timed_out) {
      result.end_reason = EndReason::kTimedOut;
      return result;
    }
    if (WIFSIGNALED(end.wait_status)) {
      // The run started (or was about to): it was killed with its launcher.
      result.end_reason = EndReason::kSignaled;
      result.signal = WTERMSIG(end.wait_status);
      return result;
    }
    return fail(fmt::format("the sandbox launcher ended without a report ({})",
                            DescribeWaitStatus(end.wait_status)));
  }
  result.exit_code = report->exit_code;
  result.signal = report->signal;
  result.cpu_time_ms = static_cast<int64_t>(report->cpu_time_ms);
  result.max_rss_kb = static_cast<int64_t>(report->memory_peak_bytes / 1024);
  result.oom_killed = report->oom_killed;
  result.pids_limit_hit = report->pids_limit_hit;
  result.cpu_limit_exceeded = report->cpu_limit_exceeded;
  switch (report->end) {
    case sandbox::End::kExited:
      result.end_reason = EndReason::kExited;
      break;
    case sandbox::End::kSignaled:
      result.end_reason = EndReason::kSignaled;
      break;
    case sandbox::End::kTimedOut:
      result.end_reason = EndReason::kTimedOut;
      break;
    case sandbox::End::kCancelled:
      result.end_reason = EndReason::kCancelled;
      break;
    case sandbox::End::kStartFailed:
      result.end_reason = EndReason::kStartFailed;
      result.error = "sandbox: " + report->error;
      break;
  }
  return result;
}

std::string DefaultLauncherPath() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "cronium-sandbox";
  return (self.parent_path() / "cronium-sandbox").string();
}

Result<int> ProbeSandbox(SandboxOptions& options) {
  if (::access(options.launcher.c_str(), X_OK) != 0) {
    return FailedPrecondition(
        fmt::format("the launcher {} is missing: {}", options.launcher, std::strerror(errno)));
  }
  if (options.uid == 0 || options.gid == 0) {
    return InvalidArgument("sandboxed scripts cannot run as root (uid or gid 0)");
  }
  constexpr uint64_t kMaxId = 0x7fffffff;
  if (options.uid_count == 0 || options.uid + uint64_t{options.uid_count} - 1 > kMaxId ||
      options.gid + uint64_t{options.uid_count} - 1 > kMaxId) {
    return InvalidArgument(fmt::format("the sandbox uid range {}-{} is not within 1-{}",
                                       options.uid, options.uid + uint64_t{options.uid_count} - 1,
                                       kMaxId));
  }
  for (const auto& [host, inside] : options.shares) {
    struct stat st {};
    if (host.empty() || host[0] != '/' || ::stat(host.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return InvalidArgument(fmt::format("shared dir {}: not an existing directory", host));
    }
    if (!sandbox::IsSharePath(inside)) {
      return InvalidArgument(fmt::format(
          "shared dir {}: '{}' cannot be its path in the sandbox (absolute and normalized, not "
          "/, /tmp, /proc, /dev, /usr, /etc, /work or inside the last five)",
          host, inside));
    }
  }
  // Shares may not nest, on either side: a script could otherwise plant a symlink in one share
  // where the sandbox's PID 1 (root) later mounts or opens another.
  const auto nested = [](const std::string& a, const std::string& b) {
    return a == b || (b.size() > a.size() && b.compare(0, a.size(), a) == 0 && b[a.size()] == '/');
  };
  for (size_t i = 0; i < options.shares.size(); ++i) {
    std::error_code ec;
    const std::string host = std::filesystem::canonical(options.shares[i].first, ec).string();
    if (ec || host != options.shares[i].first) {
      return InvalidArgument(
          fmt::format("shared dir {}: give its canonical path (no symlinks, no . or ..)",
                      options.shares[i].first));
    }
    for (size_t j = 0; j < options.shares.size(); ++j) {
      if (i == j) continue;
      if (nested(options.shares[i].first, options.shares[j].first) ||
          nested(options.shares[i].second, options.shares[j].second)) {
        return InvalidArgument(fmt::format("shared dirs {} and {} overlap: shares may not nest",
                                           options.shares[i].first, options.shares[j].first));
      }
    }
  }
  std::string why;
  const auto own = sandbox::DetectCgroups(&why);
  if (!own) return FailedPrecondition(why);
  const int stale = sandbox::RemoveStaleCgroups(*own);
  auto server = sandbox::MakeServerCgroups(*own, &why);
  if (!server) return FailedPrecondition(why);
  options.cgroups = std::move(*server);

  SandboxExecutor executor(options, /*prepare_ahead=*/false);
  RunSpec spec;
  spec.program = "/bin/true";
  spec.timeout = milliseconds(10'000);
  CancelToken cancel;
  const RunResult result = executor.Run(spec, cancel);
  if (result.end_reason == EndReason::kStartFailed) {
    sandbox::RemoveServerCgroups(options.cgroups);
    return FailedPrecondition(result.error);
  }
  if (!result.Succeeded()) {
    sandbox::RemoveServerCgroups(options.cgroups);
    return FailedPrecondition("/bin/true in the sandbox " + result.Describe(spec.timeout));
  }
  return stale;
}

}  // namespace cronium::exec
