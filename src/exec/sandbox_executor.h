#pragma once

// The sandbox executor: every run goes through the `cronium-sandbox` launcher (see
// sandbox/launcher.h) into its own pid, mount, ipc, uts, cgroup and (network "none") net
// namespaces, on a tmpfs root with read-only /usr and /etc, a private tmpfs work dir and /tmp,
// as an unprivileged uid with no capabilities, no_new_privs and a seccomp deny list, inside a
// per-run cgroup with memory, pids and CPU limits. Thread-safe.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "exec/executor.h"
#include "sandbox/cgroup.h"

namespace cronium::exec {

struct SandboxOptions {
  std::string launcher;  // absolute path of cronium-sandbox
  sandbox::CgroupParents cgroups;
  uint32_t uid = 64000;  // the unprivileged identity scripts run as
  uint32_t gid = 64000;
  // Host path of the server's runtime API socket, reachable from a sandbox with network
  // "none" at 127.0.0.1:8081; empty for none.
  std::string runtime_socket;
  // Host directories shared with every script, read-write, as (host path, path inside).
  std::vector<std::pair<std::string, std::string>> shares;
};

class SandboxExecutor final : public Executor {
 public:
  explicit SandboxExecutor(SandboxOptions options);
  RunResult Run(const RunSpec& spec, CancelToken& cancel) override;

 private:
  const SandboxOptions options_;
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
