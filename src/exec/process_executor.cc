#include "exec/process_executor.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include "exec/internal/child.h"

namespace cronium::exec {
namespace {

using internal::Fd;
using internal::MakePipe;

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Removes the run's work dir on scope exit.
class WorkDir {
 public:
  explicit WorkDir(std::string path) : path_(std::move(path)) {}
  ~WorkDir() {
    if (path_.empty()) return;
    ::unlink((path_ + ".run").c_str());
    // Most runs leave only their script behind: two syscalls instead of a tree walk.
    if (!script_.empty()) ::unlink(script_.c_str());
    if (::rmdir(path_.c_str()) == 0) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  void set_script(std::string path) { script_ = std::move(path); }

 private:
  std::string path_;
  std::string script_;
};

}  // namespace

RunResult ProcessExecutor::Run(const RunSpec& spec, CancelToken& cancel) {
  RunResult result;
  result.isolation = "none";
  const auto started = Clock::now();
  auto fail = [&](std::string message) {
    result.end_reason = EndReason::kStartFailed;
    result.error = std::move(message);
    result.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    return result;
  };

  std::string dir_template = spec.work_root + "/run-XXXXXX";
  bool made = ::mkdtemp(dir_template.data()) != nullptr;
  if (!made && errno == ENOENT) {  // the first run under this root
    std::error_code ec;
    std::filesystem::create_directories(spec.work_root, ec);
    dir_template = spec.work_root + "/run-XXXXXX";
    made = ::mkdtemp(dir_template.data()) != nullptr;
  }
  if (!made) {
    return fail(
        fmt::format("cannot create a work dir under {}: {}", spec.work_root, std::strerror(errno)));
  }
  WorkDir work_dir(dir_template);
  const std::string script_path = work_dir.path() + "/" + spec.script_name;
  work_dir.set_script(script_path);
  {
    Fd script_fd(::open(script_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (script_fd.get() < 0)
      return fail(fmt::format("cannot write the script: {}", std::strerror(errno)));
    size_t written = 0;
    while (written < spec.script.size()) {
      const ssize_t n =
          ::write(script_fd.get(), spec.script.data() + written, spec.script.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return fail(fmt::format("cannot write the script: {}", std::strerror(errno)));
      written += static_cast<size_t>(n);
    }
  }

  std::vector<std::string> argv_storage{spec.program};
  for (auto& arg : internal::ExpandArgs(spec, script_path)) argv_storage.push_back(std::move(arg));
  std::vector<std::string> env_storage;
  for (const auto& [key, value] : internal::ExpandEnv(spec, work_dir.path())) {
    env_storage.push_back(key + "=" + value);
  }
  std::vector<char*> argv, envp;
  for (auto& s : argv_storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env_storage) envp.push_back(s.data());
  envp.push_back(nullptr);

  Fd out_read, out_write, err_read, err_write;
  if (!MakePipe(out_read, out_write) || !MakePipe(err_read, err_write)) {
    return fail("cannot create a pipe");
  }

  if (const auto id = spec.env.find("CRONIUM_EXECUTION_ID"); id != spec.env.end()) {
    // Which run this is, beside (not inside) the work dir, written before the run starts: after
    // a crash KillLeftoverRuns finds its processes by this id in their environment.
    Fd marker(
        ::open((work_dir.path() + ".run").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (marker.get() >= 0) (void)!::write(marker.get(), id->second.data(), id->second.size());
  }
  pid_t pid = -1;
  const int spawn_rc =
      internal::SpawnChild(pid, spec.program, argv.data(), envp.data(), out_write.get(),
                           err_write.get(), /*keep=*/{}, work_dir.path());
  if (spawn_rc != 0) {
    return fail(fmt::format("{}: {}", spec.program, std::strerror(spawn_rc)));
  }
  out_write.reset();
  err_write.reset();
  // The rlimits of a run (no cgroups here). The child has exec'd already; a script cannot use
  // much in the microseconds before this.
  const auto limit = [pid](int resource, rlim_t value) {
    const rlimit rl{value, value};
    ::prlimit(pid, static_cast<__rlimit_resource>(resource), &rl, nullptr);
  };
  if (spec.limits.cpu_seconds > 0) {
    const rlimit rl{spec.limits.cpu_seconds, spec.limits.cpu_seconds + 1};
    ::prlimit(pid, RLIMIT_CPU, &rl, nullptr);
  }
  limit(RLIMIT_CORE, 0);
  limit(RLIMIT_NOFILE, spec.limits.open_files);
  limit(RLIMIT_FSIZE, spec.limits.workdir_bytes);

  const internal::Supervision supervision{
      .pid = pid,
      .deadline = started + spec.timeout,
      .grace = spec.kill_grace,
      .send = [pid](int signal) { ::kill(-pid, signal); },
      // Kill what the main process left in its group while its zombie still holds the group id
      // (so the id cannot have been reused).
      .on_exit = [pid] { ::kill(-pid, SIGKILL); }};
  const internal::ChildEnd end =
      internal::Supervise(supervision, out_read, err_read, spec, cancel, result);
  const int wait_status = end.wait_status;
  const struct rusage& usage = end.usage;
  const bool timed_out = end.timed_out, cancelled = end.cancelled;

  result.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  result.cpu_time_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
                       (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
  result.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(wait_status)) result.exit_code = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) result.signal = WTERMSIG(wait_status);
  if (timed_out) {
    result.end_reason = EndReason::kTimedOut;
  } else if (cancelled) {
    result.end_reason = EndReason::kCancelled;
  } else if (WIFSIGNALED(wait_status)) {
    result.end_reason = EndReason::kSignaled;
  } else {
    result.end_reason = EndReason::kExited;
  }
  return result;
}

namespace {

struct Member {
  pid_t pid = 0;
  pid_t group = 0;
  std::string state;
};

// Every process carrying CRONIUM_EXECUTION_ID=<one of `ids`> in its environment.
std::vector<Member> RunMembers(const std::set<std::string>& ids) {
  std::vector<Member> members;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream environ_file(entry.path() / "environ", std::ios::binary);
    const std::string environ = std::string(1, '\0') +
                                std::string((std::istreambuf_iterator<char>(environ_file)), {}) +
                                std::string(1, '\0');
    const std::string_view key("\0CRONIUM_EXECUTION_ID=", 22);
    const size_t at = environ.find(key);
    if (at == std::string::npos) continue;
    const size_t start = at + key.size();
    if (!ids.count(environ.substr(start, environ.find('\0', start) - start))) continue;
    std::ifstream stat_file(entry.path() / "stat");
    const std::string stat((std::istreambuf_iterator<char>(stat_file)), {});
    const size_t close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) continue;
    std::istringstream fields(stat.substr(close + 2));
    Member member;
    pid_t parent = 0;
    if (!(fields >> member.state >> parent >> member.group)) continue;
    member.pid = std::stoi(name);
    members.push_back(std::move(member));
  }
  return members;
}

}  // namespace

int KillLeftoverRuns(const std::string& work_root) {
  std::set<std::string> ids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(work_root, ec)) {
    if (entry.path().extension() != ".run") continue;
    std::ifstream in(entry.path());
    std::string id;
    if (std::getline(in, id) && id.rfind("exe_", 0) == 0) ids.insert(id);
  }
  if (ids.empty()) return 0;
  // A process counts only if it carries a recorded run's id, so reused pids are never hit; its
  // whole group goes (what the script started, even without the id).
  std::set<std::string> killed;
  std::set<pid_t> groups;
  for (const Member& member : RunMembers(ids)) {
    if (member.group > 1 && groups.insert(member.group).second) ::kill(-member.group, SIGKILL);
    ::kill(member.pid, SIGKILL);
  }
  // SIGKILL is delivered asynchronously: wait (bounded) until none is still running, so that
  // nothing of them overlaps what starts next.
  for (int round = 0; round < 400; ++round) {
    bool alive = false;
    for (const Member& member : RunMembers(ids)) alive = alive || member.state != "Z";
    if (!alive) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return static_cast<int>(groups.size());
}

}  // namespace cronium::exec
