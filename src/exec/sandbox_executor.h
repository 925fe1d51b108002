#pragma once

// The sandbox executor: every run goes through the `cronium-sandbox` launcher (see
// sandbox/launcher.h) into its own pid, mount, ipc, uts, cgroup and (network "none") net
// namespaces, on a tmpfs root with read-only /usr and /etc, a private tmpfs work dir and /tmp,
// as an unprivileged uid with no capabilities, no_new_privs and a seccomp deny list, inside a
// per-run cgroup with memory, pids and CPU limits. Thread-safe.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/error.h"
#include "exec/executor.h"
#include "sandbox/cgroup.h"

namespace cronium::exec {

struct SandboxOptions {
  std::string launcher;  // absolute path of cronium-sandbox
  sandbox::CgroupParents cgroups;
  // The unprivileged identities scripts run as: `uid_count` uids from `uid` (and gids from
  // `gid`), one for each run going at once, so that runs share no per-uid kernel limit
  // (RLIMIT_NPROC, inotify instances, ...). With more runs at once than uids, some share.
  uint32_t uid = 64000;
  uint32_t gid = 64000;
  uint32_t uid_count = 1;
  // Host path of the server's runtime API socket, reachable from a sandbox with network
  // "none" at 127.0.0.1:8081; empty for none.
  std::string runtime_socket;
  // Host directories shared with every script, read-write, as (host path, path inside).
  std::vector<std::pair<std::string, std::string>> shares;
  // Host directory of the runtime helpers, read-only at sandbox::kHelpersDir ("" for none).
  std::string helpers_dir;
};

// While each run goes, the calling thread gets its next sandbox prepared ("warm"): a launcher
// that builds the namespaces and the file system and, once the run has ended, moves its PID 1
// into a cgroup, and waits for the run's request. The next run of that thread (network "none") then
// only sends the request; a run that does not fit, or the first one, starts a launcher of its own
// ("cold").
class SandboxExecutor final : public Executor {
 public:
  explicit SandboxExecutor(SandboxOptions options, bool prepare_ahead = true);
  ~SandboxExecutor() override;
  RunResult Run(const RunSpec& spec, CancelToken& cancel) override;
  void Shutdown() override;
  // Runs that found their sandbox prepared (for tests and benchmarks).
  uint64_t warm_runs() const { return warm_runs_.load(); }

  struct Launch;  // a started launcher: its pid, request channel, go socket and output pipes

 private:
  // `slot` picks the run's uid and gid in the range.
  sandbox::Request BaseRequest(const RunSpec& spec, uint32_t slot);
  // A slot of the uid range for a run of this thread: the one its last run had (which its
  // prepared sandbox was built with) if no other run holds it, else the first free one.
  uint32_t AcquireSlot();
  void ReleaseSlot(uint32_t slot);
  std::unique_ptr<Launch> Spawn(const sandbox::Request& request, bool warm, std::string* error);
  std::unique_ptr<Launch> TakeWarm(const sandbox::Request& request);
  // Starts this thread's next sandbox, told to move into its cgroups now or not yet.
  void Prepare(const RunSpec& spec, bool attach);
  // Tells this thread's next sandbox to move into its cgroups (preparing one if there is none).
  void Attach(const RunSpec& spec);

  const SandboxOptions options_;
  const bool prepare_ahead_;
  std::mutex mutex_;
  bool shut_down_ = false;
  std::atomic<uint64_t> warm_runs_{0};
  std::map<uint64_t, std::unique_ptr<Launch>> warm_;  // one per calling thread (ThreadKey)
  std::vector<uint32_t> slot_runs_;                   // runs holding each slot of the range
  std::map<uint64_t, uint32_t> thread_slot_;          // each calling thread's last slot
};

// The launcher beside this process's own executable ("<dir of /proc/self/exe>/cronium-sandbox").
std::string DefaultLauncherPath();

// Checks that sandboxed runs work on this machine with these options: finds the cgroups (into
// options.cgroups), then runs /bin/true through the launcher. The error says why not (no
// privileges for namespaces, no writable cgroups, a missing launcher, ...). Removes the cgroups
// a crashed predecessor left (returns how many). On success this process owns per-server cgroups
// (options.cgroups): remove them with sandbox::RemoveServerCgroups once no run is left.
Result<int> ProbeSandbox(SandboxOptions& options);

}  // namespace cronium::exec
