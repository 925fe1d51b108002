#pragma once

// What both executors do with the child they spawned: read its stdout and stderr into the
// result (capped, streamed to on_output), enforce a deadline with TERM then KILL after a grace
// period, honour the cancel token, and reap it with its resource usage. Internal to exec/.

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "exec/executor.h"

namespace cronium::exec::internal {

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
  void reset(int fd = -1);

 private:
  int fd_;
};

struct Supervision {
  pid_t pid = -1;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::milliseconds grace{2000};
  // Sends `signal` to what the child is (its process group, or just itself).
  std::function<void(int signal)> send;
  // Called once the child's main process has ended, before it is reaped.
  std::function<void()> on_exit;
};

struct ChildEnd {
  int wait_status = 0;
  struct rusage usage {};
  bool timed_out = false;  // the deadline passed and the child was stopped
  bool cancelled = false;  // the cancel token fired and the child was stopped
};

// Runs until the child has ended and its output pipes are drained (or, if something outside
// still holds them, for at most half a second more). Output goes into `result`.
ChildEnd Supervise(const Supervision& supervision, Fd& out_read, Fd& err_read, const RunSpec& spec,
                   CancelToken& cancel, RunResult& result);

// The run's arguments with "{script}" replaced by `script_path`, and its environment with
// "{workdir}" replaced by `work_dir` (see RunSpec).
std::vector<std::string> ExpandArgs(const RunSpec& spec, std::string_view script_path);
std::map<std::string, std::string> ExpandEnv(const RunSpec& spec, std::string_view work_dir);

// A pipe whose two ends close on scope exit; false when it cannot be made.
bool MakePipe(Fd& read_end, Fd& write_end);

// posix_spawn of a run's child: stdin from /dev/null, stdout and stderr to the given fds, the
// descriptors in `keep` (fd number in the child -> our fd) dup'ed in, every other one closed,
// an empty signal mask, default dispositions, a process group of its own, vfork semantics.
// Returns 0 or the error number.
int SpawnChild(pid_t& pid, const std::string& program, char* const argv[], char* const envp[],
               int out_fd, int err_fd, const std::vector<std::pair<int, int>>& keep = {},
               const std::string& chdir = "");

}  // namespace cronium::exec::internal
