#pragma once

// The sandbox launcher: the body of the `cronium-sandbox` executable, a small single-threaded
// helper that the server spawns once per run. It reads a Request from fd 3, creates the run's
// cgroups, clones the sandbox's PID 1 into new pid, mount, ipc, uts, cgroup (and, with network
// policy "none", net) namespaces, waits for it with the wall-clock timeout, and writes a Report
// back into fd 3. Stdout and stderr of the payload are the launcher's own fds 1 and 2.
//
// SIGTERM cancels the run (TERM to every process of the sandbox, KILL after the grace period);
// if the launcher's parent dies it kills the sandbox at once. Killing the sandbox's PID 1 takes
// the whole pid namespace down, so no process of a run survives it.

namespace cronium::sandbox {

int LauncherMain();

}  // namespace cronium::sandbox
