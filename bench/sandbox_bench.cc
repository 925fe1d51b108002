// The sandbox's cost (PRODUCT.md section 9: "the sandbox adds at most 4 ms over a bare spawn"),
// measured in one run against a bare posix_spawn + wait of the same command. Prints table rows
// (ROW, metric, measured, target, baseline) for scripts/bench.sh:
//
//   1. Start overhead per run, median of N runs (after 3 warm-up runs), for `/bin/true`,
//      `/bin/bash -c true`, `/usr/bin/python3 -c pass` and `/usr/bin/node -e 0`: a run through
//      SandboxExecutor (launcher, namespaces, tmpfs root, per-run cgroup, seccomp, report) next
//      to a bare posix_spawn + waitpid. The two sides alternate run by run, so both see the
//      same machine. Both get an environment built from scratch (PATH, HOME, LANG=C.UTF-8):
//      nothing is inherited (an inherited NODE_EXTRA_CA_CERTS alone adds ~30 ms to node).
//   2. Sandboxed runs/s of `/bin/true` with 2 and 4 in parallel (threads sharing a bounded
//      count of runs), next to bare spawns/s at the same parallelism.
//
// Needs root (namespaces, mounts, cgroups). Where the sandbox is unavailable it prints one row
// saying why and exits 0. The per-server cgroups it creates are removed at exit.
//
// Usage: cronium_sandbox_bench [runs_per_median] [runs_per_parallel_measurement]

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "exec/sandbox_executor.h"
#include "sandbox/cgroup.h"
#include "testutil/temp_dir.h"

namespace cronium {
namespace {

using bench::Cpu;
using bench::CpuNow;
using bench::Fail;
using bench::Fixed;
using bench::Row;
using bench::Thousands;

using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kWarmUpRuns = 3;

double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }
double Ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// A command as both sides run it: the program, its arguments and a display name.
struct Command {
  std::string name;  // "bash -c true"
  std::string program;
  std::vector<std::string> args;
};

// ---- bare: posix_spawn + waitpid ---------------------------------------------------------------

class BareSpawner {
 public:
  explicit BareSpawner(const std::string& home) {
    env_ = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home, "SHELL=/bin/sh", "LANG=C.UTF-8"};
    null_fd_ = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd_ < 0) Fail(std::string("open /dev/null: ") + std::strerror(errno));
  }
  ~BareSpawner() { ::close(null_fd_); }
  BareSpawner(const BareSpawner&) = delete;
  BareSpawner& operator=(const BareSpawner&) = delete;

  // Runs the command to its end with stdin, stdout and stderr on /dev/null. Thread-safe.
  void Run(const Command& command) const {
    std::vector<std::string> argv_storage = {command.program};
    argv_storage.insert(argv_storage.end(), command.args.begin(), command.args.end());
    std::vector<char*> argv;
    for (auto& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& var : env_) envp.push_back(const_cast<char*>(var.c_str()));
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int fd = 0; fd <= 2; ++fd) posix_spawn_file_actions_adddup2(&actions, null_fd_, fd);
    pid_t pid = -1;
    const int rc =
        ::posix_spawn(&pid, command.program.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) Fail("posix_spawn " + command.program + ": " + std::strerror(rc));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) Fail(command.name + " failed (bare)");
  }

 private:
  std::vector<std::string> env_;
  int null_fd_ = -1;
};

// ---- sandboxed: SandboxExecutor::Run -----------------------------------------------------------

exec::RunSpec SandboxSpec(const Command& command) {
  exec::RunSpec spec;
  spec.program = command.program;
  spec.args = command.args;
  // What the server gives every run (worker::ScriptEnvironment), but the runtime's variables.
  spec.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
              {"HOME", "{workdir}"},
              {"SHELL", "/bin/sh"},
              {"LANG", "C.UTF-8"}};
  spec.timeout = milliseconds(30'000);
  return spec;
}

void RunSandboxed(exec::SandboxExecutor& executor, const exec::RunSpec& spec,
                  const std::string& name) {
  exec::CancelToken cancel;
  const exec::RunResult result = executor.Run(spec, cancel);
  if (!result.Succeeded()) {
    Fail(name + " in the sandbox: " + result.Describe(spec.timeout) + " " + result.error + " " +
         result.stderr_text);
  }
}

// ---- 1. start overhead
// ---------------------------------------------------------------------------

constexpr std::chrono::milliseconds kSettle{20};

struct StartCost {
  double bare_ms = 0;  // medians
  double sandbox_ms = 0;
  Cpu bare_cpu;  // per run
  Cpu sandbox_cpu;
};

StartCost MeasureStart(exec::SandboxExecutor& executor, const BareSpawner& bare,
                       const Command& command, int runs) {
  const exec::RunSpec spec = SandboxSpec(command);
  for (int n = 0; n < kWarmUpRuns; ++n) {
    bare.Run(command);
    RunSandboxed(executor, spec, command.name);
  }
  std::vector<double> bare_ms, sandbox_ms;
  StartCost cost;
  for (int n = 0; n < runs; ++n) {
    // Alternate, so that a slower moment of the machine falls on both sides alike. Before each
    // timed run the machine settles: a run starts when a job comes, and the sandbox the
    // previous run prepared in the background is ready by then (and not competing with the
    // bare run for the cores).
    std::this_thread::sleep_for(kSettle);
    Cpu before = CpuNow();
    auto start = Steady::now();
    bare.Run(command);
    bare_ms.push_back(Ms(Steady::now() - start));
    Cpu after = CpuNow();
    cost.bare_cpu.self_ms += after.self_ms - before.self_ms;
    cost.bare_cpu.children_ms += after.children_ms - before.children_ms;

    std::this_thread::sleep_for(kSettle);
    before = CpuNow();
    start = Steady::now();
    RunSandboxed(executor, spec, command.name);
    sandbox_ms.push_back(Ms(Steady::now() - start));
    after = CpuNow();
    cost.sandbox_cpu.self_ms += after.self_ms - before.self_ms;
    cost.sandbox_cpu.children_ms += after.children_ms - before.children_ms;
  }
  cost.bare_ms = Median(bare_ms);
  cost.sandbox_ms = Median(sandbox_ms);
  for (Cpu* cpu : {&cost.bare_cpu, &cost.sandbox_cpu}) {
    cpu->self_ms /= runs;
    cpu->children_ms /= runs;
  }
  return cost;
}

// ---- 2. runs per second in parallel
// --------------------------------------------------------------

// `threads` threads calling `run` until `total` runs were started in all; runs per second.
template <typename RunOne>
double RunsPerSecond(int threads, int total, const RunOne& run) {
  std::atomic<int> next{0};
  const auto start = Steady::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      while (next.fetch_add(1) < total) run();
    });
  }
  for (auto& thread : pool) thread.join();
  return total / Seconds(Steady::now() - start);
}

int Main(int argc, char** argv) {
  const int runs = std::clamp(argc > 1 ? std::atoi(argv[1]) : 50, 5, 10'000);
  const int parallel_runs = std::clamp(argc > 2 ? std::atoi(argv[2]) : 400, 10, 100'000);

  exec::SandboxOptions options{.launcher = CRONIUM_SANDBOX_LAUNCHER};
  if (auto probed = exec::ProbeSandbox(options); !probed) {
    Row("sandbox start and runs/s", "sandbox unavailable: " + probed.error().message,
        "adds <= 4 ms", "-");
    return 0;
  }
  bench::g_sandbox_cgroups = options.cgroups;
  exec::SandboxExecutor executor(options);  // prepares each next sandbox ahead, as the server does
  exec::SandboxExecutor cold(options, /*prepare_ahead=*/false);
  testutil::TempDir home;
  const BareSpawner bare(home.path());

  // 1. Start overhead.
  const std::vector<Command> commands = {
      {"true", "/bin/true", {}},
      {"bash -c true", "/bin/bash", {"-c", "true"}},
      {"python3 -c pass", "/usr/bin/python3", {"-c", "pass"}},
      {"node -e 0", "/usr/bin/node", {"-e", "0"}},
  };
  for (const Command& command : commands) {
    if (::access(command.program.c_str(), X_OK) != 0) {
      Row("sandbox start: " + command.name, command.program + " is missing", "adds <= 4 ms", "-");
      continue;
    }
    const StartCost cost = MeasureStart(executor, bare, command, runs);
    const double delta = cost.sandbox_ms - cost.bare_ms;
    Row("sandbox start (prepared): " + command.name,
        Fixed(cost.sandbox_ms, 2) + " ms (" + (delta >= 0 ? "+" : "") + Fixed(delta, 2) + " ms)",
        "adds <= 4 ms", Fixed(cost.bare_ms, 2) + " ms (bare)");
    Row("  " + command.name + ": CPU per run: bench + launcher and payload",
        Fixed(cost.sandbox_cpu.self_ms, 2) + " + " + Fixed(cost.sandbox_cpu.children_ms, 2) + " ms",
        "-",
        Fixed(cost.bare_cpu.self_ms, 2) + " + " + Fixed(cost.bare_cpu.children_ms, 2) +
            " ms (bare)");
    const StartCost cold_cost = MeasureStart(cold, bare, command, std::max(5, runs / 2));
    const double cold_delta = cold_cost.sandbox_ms - cold_cost.bare_ms;
    Row("  " + command.name + ": cold start (first run, network host)",
        Fixed(cold_cost.sandbox_ms, 2) + " ms (" + (cold_delta >= 0 ? "+" : "") +
            Fixed(cold_delta, 2) + " ms)",
        "-", Fixed(cold_cost.bare_ms, 2) + " ms (bare)");
  }

  // 2. Runs per second of /bin/true in parallel.
  const Command& true_command = commands.front();
  const exec::RunSpec true_spec = SandboxSpec(true_command);
  for (int threads : {2, 4}) {
    const double bare_rate = RunsPerSecond(threads, parallel_runs, [&] { bare.Run(true_command); });
    const double sandbox_rate = RunsPerSecond(
        threads, parallel_runs, [&] { RunSandboxed(executor, true_spec, true_command.name); });
    Row("sandboxed runs/s, true, " + std::to_string(threads) + " in parallel (" +
            Thousands(parallel_runs) + " runs)",
        Thousands(sandbox_rate) + " runs/s", "-",
        Thousands(bare_rate) + " spawns/s (bare, " + std::to_string(threads) + " in parallel)");
  }

  // The same for bash: what a BASH event runs, so the baseline of the HTTP API's runs/s row
  // (make bench's e2e part), which runs BASH events of `true`.
  const Command& bash_command = commands[1];
  const exec::RunSpec bash_spec = SandboxSpec(bash_command);
  {
    const double bare_rate = RunsPerSecond(2, parallel_runs, [&] { bare.Run(bash_command); });
    const double sandbox_rate = RunsPerSecond(
        2, parallel_runs, [&] { RunSandboxed(executor, bash_spec, bash_command.name); });
    Row("sandboxed runs/s, bash -c true, 2 in parallel (" + Thousands(parallel_runs) + " runs)",
        Thousands(sandbox_rate) + " runs/s", "-",
        Thousands(bare_rate) + " spawns/s (bare, 2 in parallel)");
  }

  // 3. The same with what the server adds to every sandbox for the runtime API: the worker's
  // runtime socket (bind-mounted, PID 1 listening on 127.0.0.1:8081) and the helpers (a
  // read-only bind mount): what that costs a run.
  testutil::TempDir runtime;
  const std::string socket_path = runtime.path() + "/worker.sock";
  const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", socket_path.c_str());
  if (listener < 0 ||
      ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener, 16) != 0) {
    Fail("cannot make a runtime socket");
  }
  ::mkdir((runtime.path() + "/helpers").c_str(), 0755);
  exec::SandboxOptions with_runtime = options;
  with_runtime.runtime_socket = socket_path;
  with_runtime.helpers_dir = runtime.path() + "/helpers";
  {
    exec::SandboxExecutor runtime_executor(with_runtime);
    for (int threads : {2, 4}) {
      const double plain_rate = RunsPerSecond(
          threads, parallel_runs, [&] { RunSandboxed(executor, true_spec, true_command.name); });
      const double runtime_rate = RunsPerSecond(threads, parallel_runs, [&] {
        RunSandboxed(runtime_executor, true_spec, true_command.name);
      });
      Row("  with the runtime socket and helpers mounted, " + std::to_string(threads) +
              " in parallel",
          Thousands(runtime_rate) + " runs/s (" + Fixed(100 * runtime_rate / plain_rate, 0) + " %)",
          "-", Thousands(plain_rate) + " runs/s (sandbox without them, same run)");
    }
    runtime_executor.Shutdown();
  }
  ::close(listener);

  bench::RemoveSandboxCgroups();
  return 0;
}

}  // namespace
}  // namespace cronium

int main(int argc, char** argv) { return cronium::Main(argc, argv); }
