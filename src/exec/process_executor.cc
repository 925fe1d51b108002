#include "exec/process_executor.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace cronium::exec {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kScriptPlaceholder = "{script}";
constexpr std::string_view kWorkdirPlaceholder = "{workdir}";

// Closes the fd when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

std::string Replace(std::string text, std::string_view from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// Removes the run's work dir on scope exit.
class WorkDir {
 public:
  explicit WorkDir(std::string path) : path_(std::move(path)) {}
  ~WorkDir() {
    if (path_.empty()) return;
    ::unlink((path_ + ".pgid").c_str());
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

struct Capture {
  std::string* text;
  bool* truncated;
  uint64_t* total;
  OutputStream stream;
  bool open = true;
};

void Append(Capture& capture, const char* data, size_t size, size_t cap, const RunSpec& spec) {
  *capture.total += size;
  const size_t room = capture.text->size() < cap ? cap - capture.text->size() : 0;
  if (size > room) *capture.truncated = true;
  capture.text->append(data, std::min(size, room));
  if (spec.on_output) spec.on_output(capture.stream, std::string_view(data, size));
}

// Reads what is available; marks the capture closed at EOF or on error.
void Drain(int fd, Capture& capture, size_t cap, const RunSpec& spec) {
  char buffer[16384];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got > 0) {
      Append(capture, buffer, static_cast<size_t>(got), cap, spec);
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno == EAGAIN) return;
    capture.open = false;
    return;
  }
}

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

RunResult ProcessExecutor::Run(const RunSpec& spec, CancelToken& cancel) {
  RunResult result;
  result.isolation = "process";
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
  for (const auto& arg : spec.args) {
    argv_storage.push_back(Replace(arg, kScriptPlaceholder, script_path));
  }
  std::vector<std::string> env_storage;
  for (const auto& [key, value] : spec.env) {
    env_storage.push_back(key + "=" + Replace(value, kWorkdirPlaceholder, work_dir.path()));
  }
  std::vector<char*> argv, envp;
  for (auto& s : argv_storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env_storage) envp.push_back(s.data());
  envp.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return fail("cannot create a pipe");
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return fail("cannot create a pipe");
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawn_file_actions_addchdir_np(&actions, work_dir.path().c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_USEVFORK);
  pid_t pid = -1;
  const int spawn_rc =
      ::posix_spawn(&pid, spec.program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawn_rc != 0) {
    return fail(fmt::format("{}: {}", spec.program, std::strerror(spawn_rc)));
  }
  out_write.reset();
  err_write.reset();
  {
    // The group id, beside (not inside) the work dir, for KillLeftoverRuns after a crash.
    Fd pgid_fd(::open((work_dir.path() + ".pgid").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                      0600));
    const std::string text = std::to_string(pid);
    if (pgid_fd.get() >= 0) (void)!::write(pgid_fd.get(), text.data(), text.size());
  }
  ::fcntl(out_read.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err_read.get(), F_SETFL, O_NONBLOCK);
  Fd pidfd(PidfdOpen(pid));

  Capture out{&result.stdout_text, &result.stdout_truncated, &result.stdout_bytes,
              OutputStream::kStdout};
  Capture err{&result.stderr_text, &result.stderr_truncated, &result.stderr_bytes,
              OutputStream::kStderr};
  const auto deadline = started + spec.timeout;
  std::optional<Clock::time_point> kill_at;  // set once TERM was sent
  bool timed_out = false, cancelled = false, exited = false;
  int wait_status = 0;
  struct rusage usage {};

  auto terminate = [&] {
    ::kill(-pid, SIGTERM);
    kill_at = Clock::now() + spec.kill_grace;
  };

  while (!exited) {
    const auto now = Clock::now();
    if (!kill_at && now >= deadline) {
      timed_out = true;
      terminate();
    }
    if (kill_at && now >= *kill_at) {
      ::kill(-pid, SIGKILL);
      kill_at = now + milliseconds(1000);  // keep nudging until it is gone
    }
    const auto wake = kill_at ? *kill_at : deadline;
    int wait_ms = static_cast<int>(
        std::max<int64_t>(0, std::chrono::duration_cast<milliseconds>(wake - now).count() + 1));
    if (pidfd.get() < 0) wait_ms = std::min(wait_ms, 20);
    pollfd fds[4] = {{pidfd.get(), POLLIN, 0},
                     {cancel.fd(), POLLIN, 0},
                     {out.open ? out_read.get() : -1, POLLIN, 0},
                     {err.open ? err_read.get() : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 4, wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (fds[2].revents != 0) Drain(out_read.get(), out, spec.max_output_bytes, spec);
    if (fds[3].revents != 0) Drain(err_read.get(), err, spec.max_output_bytes, spec);
    if (fds[1].revents != 0 && !cancelled && !timed_out) {
      cancelled = true;
      terminate();
    }
    if (pidfd.get() >= 0 && fds[0].revents != 0) {
      // The main process ended. Kill what it left in its group while the zombie still holds
      // the group id (so the id cannot have been reused), then reap it.
      ::kill(-pid, SIGKILL);
      if (::wait4(pid, &wait_status, 0, &usage) == pid) exited = true;
    } else if (pidfd.get() < 0 && ::wait4(pid, &wait_status, WNOHANG, &usage) == pid) {
      ::kill(-pid, SIGKILL);  // no pidfd (old kernel): best effort
      exited = true;
    }
  }

  // Drain what is left. Every process of the group is dead, so EOF comes at once unless a
  // process escaped the group while holding the pipe; do not wait for that one for long.
  const auto drain_deadline = Clock::now() + milliseconds(500);
  while ((out.open || err.open) && Clock::now() < drain_deadline) {
    pollfd fds[2] = {{out.open ? out_read.get() : -1, POLLIN, 0},
                     {err.open ? err_read.get() : -1, POLLIN, 0}};
    if (::poll(fds, 2, 100) <= 0) continue;
    if (fds[0].revents != 0) Drain(out_read.get(), out, spec.max_output_bytes, spec);
    if (fds[1].revents != 0) Drain(err_read.get(), err, spec.max_output_bytes, spec);
  }

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

// Calls visit(group, state, environ) for every process whose group is in `groups`.
template <class Visit>
void ForEachMember(const std::set<pid_t>& groups, Visit visit) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat_file(entry.path() / "stat");
    const std::string stat((std::istreambuf_iterator<char>(stat_file)), {});
    const size_t close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    pid_t parent = 0, group = 0;
    if (!(fields >> state >> parent >> group) || !groups.count(group)) continue;
    std::ifstream environ_file(entry.path() / "environ", std::ios::binary);
    const std::string environ =
        std::string(1, '\0') + std::string((std::istreambuf_iterator<char>(environ_file)), {});
    visit(group, state, environ);
  }
}

}  // namespace

int KillLeftoverRuns(const std::string& work_root) {
  std::set<pid_t> recorded;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(work_root, ec)) {
    if (entry.path().extension() != ".pgid") continue;
    std::ifstream in(entry.path());
    pid_t pgid = 0;
    if (in >> pgid && pgid > 1) recorded.insert(pgid);
  }
  if (recorded.empty()) return 0;
  // Members of those groups, leader or not (the leader may have exited and left children).
  // A group counts only if a member carries a run's environment: pids may have been reused.
  const std::string marker("\0CRONIUM_EXECUTION_ID=", 22);
  std::set<pid_t> killed;
  ForEachMember(recorded, [&](pid_t group, const std::string&, const std::string& environ) {
    if (killed.count(group) || environ.find(marker) == std::string::npos) return;
    if (::kill(-group, SIGKILL) == 0) killed.insert(group);
  });
  // SIGKILL is delivered asynchronously: wait (bounded) until no member is still running, so
  // that nothing of them overlaps what starts next.
  for (int round = 0; round < 400 && !killed.empty(); ++round) {
    bool alive = false;
    ForEachMember(killed, [&](pid_t, const std::string& state, const std::string&) {
      alive = alive || state != "Z";
    });
    if (!alive) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return static_cast<int>(killed.size());
}

}  // namespace cronium::exec
