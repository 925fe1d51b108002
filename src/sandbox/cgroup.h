#pragma once

// Per-run control groups, cgroup v1 and v2 behind one interface. The server finds (and on v2
// prepares) its own cgroups once at start-up (Detect); the launcher creates one child cgroup per
// run under them, puts the sandbox in it, reads what the run used and removes it (RunCgroup).

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/spec.h"

namespace cronium::sandbox {

// Where per-run cgroups go. v1: one "controller=dir" entry per controller (memory, pids, cpu,
// cpuacct; the last two optional); v2: one "unified=dir" entry.
struct CgroupParents {
  bool v2 = false;
  std::vector<std::string> entries;
};

// Where a process's cgroups are, from the texts of /proc/self/cgroup and /proc/self/mountinfo:
// the v1 directories of memory, pids, cpu and cpuacct (co-mounted controllers share one), and
// the cgroup2 directory. Pure; nothing is checked on disk.
struct CgroupPlacement {
  std::map<std::string, std::string> v1_dirs;
  std::string v2_dir;
};
CgroupPlacement LocateCgroups(std::string_view proc_self_cgroup, std::string_view mountinfo);

// Finds the cgroups of this process in which per-run cgroups can be made, from
// /proc/self/cgroup and /proc/self/mountinfo. On v2 with controllers not yet delegated to
// children, moves this process into a "cronium-server" leaf first (the no-internal-processes
// rule) and enables memory, pids and cpu for the children. Needs at least memory and pids.
// On failure returns nullopt and says why in `why`.
std::optional<CgroupParents> DetectCgroups(std::string* why);

// Per-server cgroups: "cronium-<pid>" under each of `own`, with the runs' cgroups inside, so that
// several servers can share a parent cgroup. Returns the parents for runs.
std::optional<CgroupParents> MakeServerCgroups(const CgroupParents& own, std::string* why);

// Removes the server cgroups of processes that are gone (a crashed predecessor), killing what
// is left in their runs' cgroups first. Returns how many run cgroups were removed.
int RemoveStaleCgroups(const CgroupParents& own);

// Kills what is left in one run's cgroups and removes them: for a launcher that died without
// cleaning up after itself.
void RemoveRunCgroup(const CgroupParents& server, const std::string& name);

// Removes this server's cgroups (made by MakeServerCgroups) once its runs have ended.
void RemoveServerCgroups(const CgroupParents& server);

struct CgroupUsage {
  uint64_t memory_peak_bytes = 0;
  bool oom_killed = false;
  bool pids_limit_hit = false;
  uint64_t cpu_time_ms = 0;
  bool cpu_time_known = false;
};

class RunCgroup {
 public:
  RunCgroup() = default;
  ~RunCgroup();
  RunCgroup(const RunCgroup&) = delete;
  RunCgroup& operator=(const RunCgroup&) = delete;

  // Creates <parent>/<name> for every parent entry. On error removes what it made and returns
  // false with the reason in `error`.
  bool Create(const std::vector<std::string>& parent_entries, bool v2, const std::string& name,
              std::string* error);
  // Sets (or changes) memory (with swap), pids and CPU share.
  bool SetLimits(const Limits& limits, std::string* error);
  bool AddProcess(pid_t pid, std::string* error);
  CgroupUsage Usage() const;
  // CPU time of every process of the run so far (one small read), if a controller counts it.
  bool HasCpuTime() const;
  uint64_t CpuTimeMs() const;
  // Removes the cgroups (they must be empty: every process gone). Retries briefly while the
  // kernel finishes tearing the processes down.
  void Remove();

 private:
  struct Dir {
    std::string controller;  // "memory", "pids", "cpu", "cpuacct" or "unified"
    std::string path;
  };
  const Dir* Find(std::string_view controller) const;
  bool v2_ = false;
  std::vector<Dir> dirs_;
};

// Reads a small file whole; empty when it cannot be read.
std::string ReadSmallFile(const std::string& path);
// Writes `value` to a control file; false with errno set on failure.
bool WriteControl(const std::string& path, std::string_view value);

}  // namespace cronium::sandbox
