#pragma once

// Running one command to completion: the Executor interface, what a run needs (RunSpec) and
// what it produced (RunResult). ProcessExecutor is the plain implementation; the sandbox is a
// second one behind the same interface.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/spec.h"

namespace cronium::exec {

enum class OutputStream { kStdout, kStderr };

// Lets another thread stop a run. Thread-safe; one token per run.
class CancelToken {
 public:
  CancelToken();
  ~CancelToken();
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void Cancel();
  bool IsCancelled() const { return cancelled_.load(); }
  // An eventfd that becomes readable once Cancel() was called, for poll loops.
  int fd() const { return fd_; }

 private:
  std::atomic<bool> cancelled_{false};
  int fd_;
};

struct RunSpec {
  // Absolute path of the program and its arguments (argv[1..]); "{script}" in an argument is
  // replaced with the absolute path of the script file written into the work dir.
  std::string program;
  std::vector<std::string> args;
  std::string script;  // written to <work dir>/<script_name> with mode 0600
  std::string script_name = "script";
  // The complete environment of the child; nothing is inherited from the server. "{workdir}"
  // in a value is replaced with the run's work dir.
  std::map<std::string, std::string> env;
  std::string work_root;  // a fresh private work dir is created (and removed) under it
  std::chrono::milliseconds timeout{30'000};
  std::chrono::milliseconds kill_grace{2'000};  // TERM, then KILL this much later
  size_t max_output_bytes = 1 << 20;            // per stream
  // Sandbox only (the plain executor has no cgroups): resource limits and network policy.
  sandbox::Limits limits;
  sandbox::Network network = sandbox::Network::kNone;
  // Sandbox: the host Unix socket this run's 127.0.0.1:8081 leads to (network "none"); ""
  // for the executor's default. Plain processes ignore it.
  std::string runtime_socket;
  // Called on the running thread for every chunk of output as it arrives (optional).
  std::function<void(OutputStream, std::string_view)> on_output;
};

enum class EndReason {
  kExited,       // the program exited by itself (any code)
  kSignaled,     // killed by a signal nobody here sent
  kTimedOut,     // the timeout expired and the run was killed
  kCancelled,    // CancelToken::Cancel() was called
  kStartFailed,  // it could not be started at all (see RunResult::error)
};

struct RunResult {
  EndReason end_reason = EndReason::kStartFailed;
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string stdout_text;
  std::string stderr_text;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  uint64_t stdout_bytes = 0;  // total produced, including what was dropped
  uint64_t stderr_bytes = 0;
  std::chrono::milliseconds duration{0};
  int64_t cpu_time_ms = 0;
  int64_t max_rss_kb = 0;  // peak resident memory (sandbox: of the whole run's cgroup)
  std::string isolation;   // "sandbox", or "none" for the plain executor
  // Why the kernel stopped a sandboxed run, with the limits it ran under.
  bool oom_killed = false;
  bool pids_limit_hit = false;
  bool cpu_limit_exceeded = false;
  std::optional<sandbox::Limits> limits;
  std::string error;  // for kStartFailed

  bool Succeeded() const { return end_reason == EndReason::kExited && exit_code == 0; }
  // A sentence a user understands: "exited with code 3", "timed out after 2 s",
  // "killed: memory limit 256 MiB exceeded", "CPU time limit 10 s exceeded".
  std::string Describe(std::chrono::milliseconds timeout) const;
};

// Runs commands. Implementations are thread-safe; Run blocks the calling thread until the run
// and every process it started have ended.
class Executor {
 public:
  virtual ~Executor() = default;
  virtual RunResult Run(const RunSpec& spec, CancelToken& cancel) = 0;
  // Releases what the executor keeps between runs (the sandbox's prepared launchers). Call
  // once no run is going and none will start.
  virtual void Shutdown() {}
};

}  // namespace cronium::exec
