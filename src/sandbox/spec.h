#pragma once

// What the server asks of the sandbox launcher (Request) and what the launcher reports back
// (Report), and their wire form. The server writes an encoded Request into a memfd passed as
// the launcher's fd 3; the launcher replaces it with an encoded Report before it exits.
// The encoding is a list of "name len\n<len bytes>\n" records: binary-safe, no escaping, and
// cheap to parse in the launcher, which links nothing but libc and libseccomp.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cronium::sandbox {

// The launcher's descriptor numbers: fd 3 carries the request in and the report out (a memfd).
// A warm launcher, prepared before its run, also has fd 4, a socket on which a
// byte says "go" (a socket), and fd 5, a memfd that holds the run's own request by then.
inline constexpr int kRequestFd = 3;
inline constexpr int kGoFd = 4;
inline constexpr int kRunRequestFd = 5;

// Where things are inside the sandbox.
inline constexpr std::string_view kWorkDir = "/work";
// Where the runtime helpers (Request::helpers_dir) appear inside, read-only.
inline constexpr std::string_view kHelpersDir = "/opt/cronium";
inline constexpr uint16_t kRuntimeForwardPort = 8081;

enum class Network { kNone, kHost };

struct Limits {
  uint64_t memory_bytes = 512ull << 20;  // cgroup memory (and memory+swap where accounted)
  uint64_t pids = 256;                   // cgroup pids.max
  uint64_t cpu_seconds = 0;              // RLIMIT_CPU; 0 = none
  uint32_t cpu_millicores = 0;           // cgroup CPU bandwidth; 1000 = one core; 0 = none
  uint64_t workdir_bytes = 64ull << 20;  // size of the tmpfs work dir
  uint64_t tmp_bytes = 64ull << 20;      // size of the tmpfs /tmp
  uint64_t open_files = 1024;            // RLIMIT_NOFILE
};

struct Request {
  std::string program;  // absolute path inside the sandbox
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // the payload's complete environment
  std::string script;                      // written to <kWorkDir>/<script_name>
  std::string script_name = "script";
  uint32_t uid = 0;  // must not be 0
  uint32_t gid = 0;
  Limits limits;
  Network network = Network::kNone;
  uint64_t timeout_ms = 30'000;
  uint64_t kill_grace_ms = 2'000;
  std::string cgroup_name;                  // per-run cgroup created under every parent below
  std::vector<std::string> cgroup_parents;  // absolute dirs (one per v1 controller, or one v2)
  bool cgroup_v2 = false;
  std::string runtime_socket;  // host path of a Unix socket to forward 127.0.0.1:8081 to
  // Host directories an administrator shares with scripts (read-write), as (host, inside).
  std::vector<std::pair<std::string, std::string>> shares;
  // Host directory of the runtime helpers, mounted read-only at kHelpersDir ("" for none).
  std::string helpers_dir;
  int32_t parent_pid = 0;  // the launcher exits at once if its parent is not this pid
};

enum class End {
  kExited,       // the payload exited by itself (any code)
  kSignaled,     // killed by a signal nobody here sent (may be a limit, see the flags)
  kTimedOut,     // the wall-clock timeout expired
  kCancelled,    // the launcher got SIGTERM (or its parent died)
  kStartFailed,  // the sandbox could not be set up (see error)
};

struct Report {
  End end = End::kStartFailed;
  std::optional<int> exit_code;
  std::optional<int> signal;
  bool oom_killed = false;          // the memory limit was hit and the kernel killed a process
  bool pids_limit_hit = false;      // a fork failed at the pids limit
  bool cpu_limit_exceeded = false;  // killed for RLIMIT_CPU
  uint64_t cpu_time_ms = 0;         // of every process of the run
  uint64_t memory_peak_bytes = 0;   // peak of the run's cgroup (0 when unknown)
  uint64_t wall_ms = 0;
  std::string error;  // kStartFailed: what failed, e.g. "mount /usr: Operation not permitted"
};

std::string Encode(const Request& request);
std::optional<Request> DecodeRequest(std::string_view data);
std::string Encode(const Report& report);
std::optional<Report> DecodeReport(std::string_view data);

// Whether `path` may be where a share appears inside the sandbox: absolute, normalized, not
// "/" and not over (or inside) /proc, /dev, /usr, /etc, /work and the like, nor /tmp itself.
bool IsSharePath(std::string_view path);

std::string_view ToString(Network network);
std::optional<Network> ParseNetwork(std::string_view text);

}  // namespace cronium::sandbox
