#include "exec/internal/child.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <optional>

namespace cronium::exec::internal {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Capture {
  std::string* text;
  bool* truncated;
  uint64_t* total;
  OutputStream stream;
  bool open = true;
};

void Append(Capture& capture, const char* data, size_t size, const RunSpec& spec) {
  *capture.total += size;
  const size_t cap = spec.max_output_bytes;
  const size_t room = capture.text->size() < cap ? cap - capture.text->size() : 0;
  if (size > room) *capture.truncated = true;
  capture.text->append(data, std::min(size, room));
  if (spec.on_output) spec.on_output(capture.stream, std::string_view(data, size));
}

// Reads what is available; marks the capture closed at EOF or on error.
void Drain(int fd, Capture& capture, const RunSpec& spec) {
  char buffer[16384];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got > 0) {
      Append(capture, buffer, static_cast<size_t>(got), spec);
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno == EAGAIN) return;
    capture.open = false;
    return;
  }
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

}  // namespace

std::vector<std::string> ExpandArgs(const RunSpec& spec, std::string_view script_path) {
  std::vector<std::string> args;
  for (const auto& arg : spec.args) args.push_back(Replace(arg, "{script}", script_path));
  return args;
}

std::map<std::string, std::string> ExpandEnv(const RunSpec& spec, std::string_view work_dir) {
  std::map<std::string, std::string> env;
  for (const auto& [key, value] : spec.env) env[key] = Replace(value, "{workdir}", work_dir);
  return env;
}

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

bool MakePipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return true;
}

int SpawnChild(pid_t& pid, const std::string& program, char* const argv[], char* const envp[],
               int out_fd, int err_fd, const std::vector<std::pair<int, int>>& keep,
               const std::string& chdir) {
  // The dup2s run in order: a source whose number is also a target could be overwritten by an
  // earlier one. Sources are moved above every target first (copies closed after the spawn).
  int lowest_free = 3;
  for (const auto& [child_fd, our_fd] : keep) lowest_free = std::max(lowest_free, child_fd + 1);
  std::vector<Fd> copies;
  auto safe = [&](int fd) {
    if (fd >= lowest_free) return fd;
    copies.emplace_back(::fcntl(fd, F_DUPFD_CLOEXEC, lowest_free));
    return copies.back().get();
  };
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, safe(out_fd), 1);
  posix_spawn_file_actions_adddup2(&actions, safe(err_fd), 2);
  for (const auto& [child_fd, our_fd] : keep) {
    posix_spawn_file_actions_adddup2(&actions, safe(our_fd), child_fd);
  }
  posix_spawn_file_actions_addclosefrom_np(&actions, lowest_free);
  if (!chdir.empty()) posix_spawn_file_actions_addchdir_np(&actions, chdir.c_str());
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
  const int rc = ::posix_spawn(&pid, program.c_str(), &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

ChildEnd Supervise(const Supervision& supervision, Fd& out_read, Fd& err_read, const RunSpec& spec,
                   CancelToken& cancel, RunResult& result) {
  ::fcntl(out_read.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err_read.get(), F_SETFL, O_NONBLOCK);
  const pid_t pid = supervision.pid;
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  Capture out{&result.stdout_text, &result.stdout_truncated, &result.stdout_bytes,
              OutputStream::kStdout};
  Capture err{&result.stderr_text, &result.stderr_truncated, &result.stderr_bytes,
              OutputStream::kStderr};
  ChildEnd end;
  std::optional<Clock::time_point> kill_at;  // set once TERM was sent
  bool exited = false;
  auto terminate = [&] {
    supervision.send(SIGTERM);
    kill_at = Clock::now() + supervision.grace;
  };
  auto reap = [&](int flags) {
    if (::wait4(pid, &end.wait_status, flags, &end.usage) != pid) return false;
    exited = true;
    return true;
  };

  while (!exited) {
    const auto now = Clock::now();
    if (!kill_at && now >= supervision.deadline) {
      end.timed_out = true;
      terminate();
    }
    if (kill_at && now >= *kill_at) {
      supervision.send(SIGKILL);
      kill_at = now + milliseconds(1000);  // keep nudging until it is gone
    }
    const auto wake = kill_at ? *kill_at : supervision.deadline;
    int wait_ms = static_cast<int>(
        std::max<int64_t>(0, std::chrono::duration_cast<milliseconds>(wake - now).count() + 1));
    if (pidfd.get() < 0) wait_ms = std::min(wait_ms, 20);
    pollfd fds[4] = {{pidfd.get(), POLLIN, 0},
                     {cancel.fd(), POLLIN, 0},
                     {out.open ? out_read.get() : -1, POLLIN, 0},
                     {err.open ? err_read.get() : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 4, wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (fds[2].revents != 0) Drain(out_read.get(), out, spec);
    if (fds[3].revents != 0) Drain(err_read.get(), err, spec);
    if (fds[1].revents != 0 && !end.cancelled && !end.timed_out) {
      end.cancelled = true;
      terminate();
    }
    if (pidfd.get() >= 0 && fds[0].revents != 0) {
      // The main process ended; the zombie still holds its pid (and group id) until reaped.
      if (supervision.on_exit) supervision.on_exit();
      reap(0);
    } else if (pidfd.get() < 0 && reap(WNOHANG)) {
      if (supervision.on_exit) supervision.on_exit();  // no pidfd (old kernel): best effort
    }
  }

  // Drain what is left. Every process of the run is dead, so EOF comes at once unless a process
  // escaped while holding the pipe; do not wait for that one for long.
  const auto drain_deadline = Clock::now() + milliseconds(500);
  while ((out.open || err.open) && Clock::now() < drain_deadline) {
    pollfd fds[2] = {{out.open ? out_read.get() : -1, POLLIN, 0},
                     {err.open ? err_read.get() : -1, POLLIN, 0}};
    if (::poll(fds, 2, 100) <= 0) continue;
    if (fds[0].revents != 0) Drain(out_read.get(), out, spec);
    if (fds[1].revents != 0) Drain(err_read.get(), err, spec);
  }
  return end;
}

}  // namespace cronium::exec::internal
