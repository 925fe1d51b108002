#pragma once

// The plain executor: the program runs as a child process of the server in its own process
// group, in a fresh private work dir, with an environment built from scratch, stdin from
// /dev/null, no inherited file descriptors and the signal dispositions reset. On timeout or
// cancel the whole group gets SIGTERM, then SIGKILL after the grace period; when the main
// process ends, whatever it left behind in its group is killed, so no process outlives its run.
// A process that leaves the group (setsid) can escape; the sandbox executor closes that gap.
// Thread-safe.

#include <string>

#include "exec/executor.h"

namespace cronium::exec {

class ProcessExecutor final : public Executor {
 public:
  RunResult Run(const RunSpec& spec, CancelToken& cancel) override;
};

// Kills what runs of a previous server process left under `work_root` (after a crash or kill -9
// nothing stopped them). Each run writes its execution id to "<work dir>.run" before it starts;
// every process whose environment carries one of those ids is killed with its process group,
// so a reused pid is never hit. Returns how many groups were killed. Call before starting new
// runs.
int KillLeftoverRuns(const std::string& work_root);

}  // namespace cronium::exec
