#include "exec/sandbox_executor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "sandbox/cgroup.h"
#include "testutil/process_util.h"
#include "testutil/temp_dir.h"

namespace cronium::exec {
namespace {

using std::chrono::milliseconds;

// The sandbox needs root (namespaces, mounts, cgroups). Where it cannot work the tests skip,
// unless CRONIUM_REQUIRE_SANDBOX is set (as `make test` does): then they fail.
class SandboxExecutorTest : public ::testing::Test {
 public:
  static const SandboxOptions& Options() { return *options_; }

 protected:
  static void SetUpTestSuite() {
    options_ = new SandboxOptions{.launcher = CRONIUM_SANDBOX_LAUNCHER};
    auto probed = ProbeSandbox(*options_);
    if (!probed) {
      unavailable_ = new std::string(probed.error().message);
      delete options_;
      options_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    if (options_ != nullptr) sandbox::RemoveServerCgroups(options_->cgroups);
    delete options_;
    options_ = nullptr;
  }
  void SetUp() override {
    if (options_ == nullptr) {
      if (std::getenv("CRONIUM_REQUIRE_SANDBOX") != nullptr) {
        FAIL() << "the sandbox is required but unavailable: " << *unavailable_;
      }
      GTEST_SKIP() << "the sandbox is unavailable here: " << *unavailable_;
    }
    executor_ = std::make_unique<SandboxExecutor>(*options_);
  }

  static RunSpec Bash(std::string script) {
    RunSpec spec;
    spec.program = "/bin/bash";
    spec.args = {"{script}"};
    spec.script = std::move(script);
    spec.script_name = "script.sh";
    spec.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", "{workdir}"}};
    spec.timeout = milliseconds(20'000);
    spec.limits.memory_bytes = 128ull << 20;
    spec.limits.pids = 64;
    return spec;
  }

  RunResult Run(const RunSpec& spec) {
    CancelToken cancel;
    return executor_->Run(spec, cancel);
  }

  static SandboxOptions* options_;
  static std::string* unavailable_;
  std::unique_ptr<SandboxExecutor> executor_;
};

SandboxOptions* SandboxExecutorTest::options_ = nullptr;
std::string* SandboxExecutorTest::unavailable_ = nullptr;

// The run cgroups under the server's own, counted in the first `controllers` of them (a run
// has one in each).
int RunCgroups(size_t controllers = SIZE_MAX) {
  int runs = 0;
  const auto& entries = SandboxExecutorTest::Options().cgroups.entries;
  for (size_t i = 0; i < entries.size() && i < controllers; ++i) {
    std::error_code ec;
    for (const auto& child :
         std::filesystem::directory_iterator(entries[i].substr(entries[i].find('=') + 1), ec)) {
      runs += child.is_directory() ? 1 : 0;
    }
  }
  return runs;
}

// The live (not zombie) cronium-sandbox children of this process: its launchers.
std::vector<pid_t> ChildLaunchers() {
  std::vector<pid_t> launchers;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t parent = 0;
    rest >> state >> parent;
    if (line.substr(open + 1, close - open - 1) == "cronium-sandbox" && parent == ::getpid() &&
        state != "Z") {
      launchers.push_back(std::stoi(name));
    }
  }
  return launchers;
}

TEST_F(SandboxExecutorTest, RunsAScriptAndCapturesItsOutput) {
  RunResult result = Run(Bash("echo hello; echo oops >&2; echo \"$HOME $(pwd) $(id -u)\"; exit 3"));
  EXPECT_EQ(result.end_reason, EndReason::kExited) << result.error;
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.stdout_text, "hello\n/work /work 64000\n");
  EXPECT_EQ(result.stderr_text, "oops\n");
  EXPECT_EQ(result.isolation, "sandbox");
  EXPECT_EQ(result.Describe(milliseconds(1000)), "exited with code 3");
}

TEST_F(SandboxExecutorTest, PythonRuns) {
  RunSpec python = Bash("import sys, json; print(json.dumps({'ok': sys.version_info[0]}))");
  python.program = "/usr/bin/python3";
  python.script_name = "script.py";
  RunResult result = Run(python);
  EXPECT_EQ(result.exit_code, 0) << result.stderr_text << result.error;
  EXPECT_EQ(result.stdout_text, "{\"ok\": 3}\n");
}

TEST_F(SandboxExecutorTest, NodeRuns) {
  RunSpec node = Bash("console.log(JSON.stringify({sum: 1 + 2}))");
  node.program = "/usr/bin/node";
  node.script_name = "script.js";
  node.limits.memory_bytes = 512ull << 20;
  RunResult result = Run(node);
  EXPECT_EQ(result.exit_code, 0) << result.stderr_text << result.error;
  EXPECT_EQ(result.stdout_text, "{\"sum\":3}\n");
}

TEST_F(SandboxExecutorTest, ProgramThatCannotStartIsAStartFailure) {
  RunSpec spec = Bash("");
  spec.program = "/usr/bin/no-such-interpreter";
  RunResult result = Run(spec);
  EXPECT_EQ(result.end_reason, EndReason::kStartFailed);
  EXPECT_NE(result.error.find("cannot run /usr/bin/no-such-interpreter"), std::string::npos)
      << result.error;
}

TEST_F(SandboxExecutorTest, TimeoutKillsEveryProcessOfTheRun) {
  RunSpec spec = Bash("(trap '' TERM; sleep 300) & trap '' TERM; sleep 300");
  spec.timeout = milliseconds(500);
  spec.kill_grace = milliseconds(200);
  RunResult result = Run(spec);
  EXPECT_EQ(result.end_reason, EndReason::kTimedOut);
  EXPECT_EQ(result.Describe(spec.timeout), "timed out after 0.5 s");
  // The sleepers would run for 300 s; any end well before that is the timeout's.
  EXPECT_LT(result.duration, milliseconds(120'000));
}

TEST_F(SandboxExecutorTest, CancelStopsTheRun) {
  RunSpec spec = Bash("echo started; sleep 300");
  CancelToken cancel;
  spec.on_output = [&](OutputStream, std::string_view) { cancel.Cancel(); };
  RunResult result = executor_->Run(spec, cancel);
  EXPECT_EQ(result.end_reason, EndReason::kCancelled);
  EXPECT_EQ(result.stdout_text, "started\n");
}

TEST_F(SandboxExecutorTest, MemoryLimitKillsAndSaysSo) {
  RunSpec spec = Bash("/usr/bin/python3 -c 'x = bytearray(400 * 1024 * 1024); print(len(x))'");
  spec.limits.memory_bytes = 64ull << 20;
  RunResult result = Run(spec);
  EXPECT_TRUE(result.oom_killed);
  EXPECT_NE(result.Describe(spec.timeout).find("memory limit 64 MiB exceeded"), std::string::npos)
      << result.Describe(spec.timeout);
  EXPECT_GE(result.max_rss_kb, 32 * 1024);
}

TEST_F(SandboxExecutorTest, ProcessLimitStopsAForkBomb) {
  RunSpec spec = Bash(
      "import os, time\n"
      "forked = 0\n"
      "for _ in range(500):\n"
      "    try:\n"
      "        if os.fork() == 0:\n"
      "            time.sleep(60)\n"
      "            os._exit(0)\n"
      "        forked += 1\n"
      "    except OSError:\n"
      "        pass\n"
      "print(forked)\n");
  spec.program = "/usr/bin/python3";
  spec.script_name = "bomb.py";
  spec.limits.pids = 16;
  // Headroom: forked Python children copy pages, and this test is about the process limit.
  spec.limits.memory_bytes = 512ull << 20;
  RunResult result = Run(spec);
  EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
  EXPECT_TRUE(result.pids_limit_hit);
  EXPECT_LT(std::stoi(result.stdout_text), 16);
  EXPECT_EQ(result.Describe(spec.timeout), "exited with code 0; process limit 16 reached");
  EXPECT_LT(result.duration, milliseconds(30'000));  // the sleepers died with the run
}

TEST_F(SandboxExecutorTest, CpuTimeLimitSaysSo) {
  RunSpec spec = Bash("while :; do :; done");
  spec.limits.cpu_seconds = 1;
  RunResult result = Run(spec);
  EXPECT_EQ(result.end_reason, EndReason::kSignaled);
  EXPECT_TRUE(result.cpu_limit_exceeded);
  EXPECT_EQ(result.Describe(spec.timeout), "CPU time limit 1 s exceeded");
  EXPECT_GE(result.cpu_time_ms, 500);  // the kernel samples rlimit CPU time coarsely
}

TEST_F(SandboxExecutorTest, NoNetworkButLoopback) {
  RunResult result = Run(Bash(
      "exec 3<>/dev/tcp/10.0.0.1/80 && echo outside; exec 4<>/dev/tcp/127.0.0.1/9 || echo no-lo; "
      "/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); "
      "s.listen(); c=socket.create_connection(s.getsockname()); print(\"lo-ok\")'"));
  EXPECT_EQ(result.stdout_text, "no-lo\nlo-ok\n") << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("Network is unreachable"), std::string::npos)
      << result.stderr_text;
}

TEST_F(SandboxExecutorTest, NothingOfTheHostIsVisibleOrWritable) {
  testutil::TempDir host_dir;
  std::ofstream(host_dir.path() + "/secret") << "s3cret";
  RunResult result =
      Run(Bash("echo \"shadow=[$(cat /etc/shadow 2>/dev/null)]\"\n"
               "test -e '" +
               host_dir.path() +
               "' && echo host-dir-visible\n"
               "test -e /root/. || test -e /home/. || echo no-home\n"
               "touch /usr/x 2>/dev/null || echo usr-ro\n"
               "touch /etc/x 2>/dev/null || echo etc-ro\n"
               "touch /x 2>/dev/null || echo root-ro\n"
               "echo \"environ=[$(cat /proc/1/environ 2>/dev/null)]\"\n"
               "n=$(ls /proc | grep -c '^[0-9]'); [ \"$n\" -le 5 ] && echo only-its-own-processes\n"
               "echo ok > /tmp/t && echo ok > /work/w && cat /tmp/t /work/w\n"));
  EXPECT_EQ(result.stdout_text,
            "shadow=[]\nno-home\nusr-ro\netc-ro\nroot-ro\nenviron=[]\n"
            // At most PID 1, bash, its subshell, ls and grep: this run's own processes
            "only-its-own-processes\nok\nok\n")
      << result.stderr_text;
}

// Runs after the first find their sandbox prepared; each still gets its own limits, sizes,
// script and output, and a run that does not fit the prepared sandbox starts its own.
TEST_F(SandboxExecutorTest, PreparedSandboxesTakeEachRunsOwnSettings) {
  {
    SandboxExecutor executor(*options_);
    CancelToken cancel;
    RunSpec small = Bash(
        "/usr/bin/python3 -c 'bytearray(100 << 20)' && echo fits; df -m /work | tail -1 | awk "
        "'{print $2}'; ls /work");
    small.limits.memory_bytes = 64ull << 20;
    small.limits.workdir_bytes = 8ull << 20;
    RunResult first = executor.Run(small, cancel);
    EXPECT_TRUE(first.oom_killed) << first.Describe(small.timeout);
    EXPECT_EQ(first.stdout_text, "8\nscript.sh\n") << first.stderr_text;

    RunSpec big = small;
    big.limits.memory_bytes = 256ull << 20;
    big.limits.workdir_bytes = 16ull << 20;
    big.script_name = "other.sh";
    RunResult second = executor.Run(big, cancel);
    EXPECT_FALSE(second.oom_killed) << second.stderr_text;
    EXPECT_EQ(second.stdout_text, "fits\n16\nother.sh\n") << second.stderr_text;
    EXPECT_EQ(executor.warm_runs(), 1u);

    RunSpec online = Bash("grep -c : /proc/net/dev");
    online.network = sandbox::Network::kHost;
    RunResult third = executor.Run(online, cancel);
    EXPECT_NE(third.stdout_text, "1\n");  // the host's interfaces: it did not reuse a sandbox
    EXPECT_EQ(executor.warm_runs(), 1u);

    RunResult fourth = executor.Run(Bash("echo $((6 * 7))"), cancel);
    EXPECT_EQ(fourth.stdout_text, "42\n");
    EXPECT_EQ(executor.warm_runs(), 1u);  // after a host-network run nothing was prepared
    RunResult fifth = executor.Run(Bash("exit 3"), cancel);
    EXPECT_EQ(fifth.exit_code, 3);
    EXPECT_EQ(executor.warm_runs(), 2u);
  }
  EXPECT_EQ(RunCgroups(), 0);  // shut down: every prepared sandbox is gone with its cgroup
}

// The next run's sandbox is built while a run goes, but moved into its cgroups only once that
// run has ended: on cgroup v1 a move stalls every fork and exit of the machine for an RCU grace
// period, which would land on the running script.
TEST_F(SandboxExecutorTest, TheNextSandboxIsBuiltDuringARunAndMovedIntoItsCgroupsAfterIt) {
  SandboxExecutor executor(*options_);
  CancelToken cancel;
  RunResult waiting, next;
  // One thread, as a worker: its next run takes the sandbox prepared for it.
  std::thread run([&] {
    waiting = executor.Run(Bash("echo started; exec sleep 30"), cancel);
    CancelToken fresh;
    next = executor.Run(Bash("echo next"), fresh);
  });
  // Both launchers are up, the run's in its cgroup; the next one's has none, and gets none
  // while the run goes.
  bool both = false;
  for (int round = 0; round < 10'000 && !both; ++round) {
    both = ChildLaunchers().size() == 2 && RunCgroups(/*controllers=*/1) == 1;
    if (!both) std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(both);
  EXPECT_EQ(RunCgroups(/*controllers=*/1), 1);
  cancel.Cancel();
  run.join();
  EXPECT_EQ(waiting.end_reason, EndReason::kCancelled) << waiting.Describe(milliseconds(20'000));
  // Then the prepared one was moved in, and the next run used it.
  EXPECT_EQ(next.stdout_text, "next\n") << next.error;
  EXPECT_EQ(executor.warm_runs(), 1u);
}

// A prepared launcher that died meanwhile costs the next run a cold start, nothing else (no
// SIGPIPE for the caller, which here does not ignore it).
TEST_F(SandboxExecutorTest, APreparedLauncherThatDiedIsReplacedByAColdStart) {
  SandboxExecutor executor(*options_);
  CancelToken cancel;
  ASSERT_EQ(executor.Run(Bash("echo one"), cancel).stdout_text, "one\n");
  // The prepared launcher is this process's child named cronium-sandbox.
  const std::vector<pid_t> prepared_launchers = ChildLaunchers();
  ASSERT_EQ(prepared_launchers.size(), 1u);
  const pid_t prepared = prepared_launchers.front();
  ASSERT_EQ(::kill(prepared, SIGKILL), 0);
  // SIGKILL is delivered asynchronously: wait (bounded) for the kernel to make it a zombie.
  for (int round = 0; round < 5000 && !testutil::ProcessIsGone(prepared); ++round) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  RunResult second = executor.Run(Bash("echo two"), cancel);
  EXPECT_EQ(second.stdout_text, "two\n") << second.error;
  EXPECT_EQ(executor.warm_runs(), 0u);
  RunResult third = executor.Run(Bash("echo three"), cancel);
  EXPECT_EQ(third.stdout_text, "three\n");
  EXPECT_EQ(executor.warm_runs(), 1u);
}

TEST_F(SandboxExecutorTest, OnlyUnixInetAndNetlinkSocketsCanBeMade) {
  RunSpec spec = Bash(
      "import socket\n"
      "for name in ('AF_VSOCK', 'AF_PACKET', 'AF_ALG', 'AF_UNIX', 'AF_INET', 'AF_INET6'):\n"
      "    try:\n"
      "        socket.socket(getattr(socket, name), socket.SOCK_DGRAM if name != 'AF_ALG' else "
      "socket.SOCK_SEQPACKET).close()\n"
      "        print(name, 'ok')\n"
      "    except OSError as e:\n"
      "        print(name, e.strerror)\n");
  spec.program = "/usr/bin/python3";
  spec.script_name = "sockets.py";
  RunResult result = Run(spec);
  EXPECT_EQ(result.stdout_text,
            "AF_VSOCK Address family not supported by protocol\n"
            "AF_PACKET Address family not supported by protocol\n"
            "AF_ALG Address family not supported by protocol\n"
            "AF_UNIX ok\nAF_INET ok\nAF_INET6 ok\n")
      << result.stderr_text;
}

TEST_F(SandboxExecutorTest, AScriptLargerThanItsWorkDirDoesNotStart) {
  RunSpec spec = Bash("# " + std::string(300 << 10, 'x') + "\necho ran");
  spec.limits.workdir_bytes = 64 << 10;
  RunResult result = Run(spec);
  EXPECT_EQ(result.end_reason, EndReason::kStartFailed) << result.stdout_text;
  EXPECT_NE(result.error.find("write the script"), std::string::npos) << result.error;
  EXPECT_EQ(result.error.find('\0'), std::string::npos);  // one clean line
}

TEST(SandboxSharesTest, NestedOrNonCanonicalSharesAreRefused) {
  testutil::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/a/b");
  for (const auto& shares : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{dir.path() + "/a", "/x"}, {dir.path() + "/a/b", "/y"}},  // nested on the host
           {{dir.path() + "/a", "/x"}, {dir.path() + "/a/b", "/x/y"}},
           {{dir.path() + "/a/b", "/x"}, {dir.path() + "/a", "/x/y"}},  // nested inside
           {{dir.path() + "/a/../a", "/x"}}}) {
    SandboxOptions options{.launcher = CRONIUM_SANDBOX_LAUNCHER, .shares = shares};
    auto probed = ProbeSandbox(options);
    ASSERT_FALSE(probed);
    EXPECT_EQ(probed.error().code, ErrorCode::kInvalidArgument) << probed.error().message;
  }
}

// A stand-in for the server's runtime API socket: answers every connection with what it read,
// upper-cased, once the client has finished sending.
class UpperCaseServer {
 public:
  explicit UpperCaseServer(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    thread_ = std::thread([this] {
      for (;;) {
        const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;  // closed by the destructor
        std::string data;
        char buffer[65536];
        ssize_t got;
        while ((got = ::read(client, buffer, sizeof buffer)) > 0) data.append(buffer, got);
        for (char& c : data) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        for (size_t sent = 0; sent < data.size();) {
          const ssize_t n = ::write(client, data.data() + sent, data.size() - sent);
          if (n <= 0) break;
          sent += static_cast<size_t>(n);
        }
        ::close(client);
      }
    });
  }
  ~UpperCaseServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::thread thread_;
};

TEST_F(SandboxExecutorTest, LoopbackPort8081ReachesTheRuntimeSocketAndNothingElseDoes) {
  testutil::TempDir dir;
  const std::string socket_path = dir.path() + "/runtime.sock";
  UpperCaseServer server(socket_path);
  SandboxOptions options = *options_;
  options.runtime_socket = socket_path;
  SandboxExecutor executor(options);
  RunSpec spec = Bash(
      "import socket\n"
      "def ask(data):\n"
      "    c = socket.create_connection(('127.0.0.1', 8081))\n"
      "    c.sendall(data)\n"
      "    c.shutdown(socket.SHUT_WR)\n"
      "    got = b''\n"
      "    while True:\n"
      "        chunk = c.recv(65536)\n"
      "        if not chunk: return got\n"
      "        got += chunk\n"
      "print(ask(b'hello').decode())\n"
      "big = ask(b'x' * (3 << 20))\n"  // more than the forwarder buffers: back-pressure
      "print(len(big), big == b'X' * (3 << 20))\n"
      // The sandbox's PID 1 reaches the server's socket through a descriptor of its own: the
      // script, another uid, can neither list nor open it.
      "import os\n"
      "try:\n"
      "    os.listdir('/proc/1/fd')\n"
      "    print('direct: listed')\n"
      "except OSError as e:\n"
      "    print('direct:', e.strerror)\n"
      "print('mountinfo:', 'runtime' in open('/proc/self/mountinfo').read())\n");
  spec.program = "/usr/bin/python3";
  spec.script_name = "client.py";
  CancelToken cancel;
  RunResult result = executor.Run(spec, cancel);
  EXPECT_EQ(result.exit_code, 0) << result.stderr_text << result.error;
  EXPECT_EQ(result.stdout_text,
            "HELLO\n3145728 True\ndirect: Permission denied\nmountinfo: False\n")
      << result.stderr_text;
}

}  // namespace
}  // namespace cronium::exec
