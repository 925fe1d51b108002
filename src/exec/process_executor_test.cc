#include "exec/process_executor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "testutil/process_util.h"
#include "testutil/temp_dir.h"

namespace cronium::exec {
namespace {

using std::chrono::milliseconds;

class ProcessExecutorTest : public ::testing::Test {
 protected:
  RunSpec Bash(std::string script) {
    RunSpec spec;
    spec.program = "/bin/bash";
    spec.args = {"{script}"};
    spec.script = std::move(script);
    spec.script_name = "script.sh";
    spec.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", "{workdir}"}};
    spec.work_root = dir_.path() + "/runs";
    spec.timeout = milliseconds(20'000);
    return spec;
  }

  RunResult Run(const RunSpec& spec) {
    CancelToken cancel;
    return executor_.Run(spec, cancel);
  }

  testutil::TempDir dir_;
  ProcessExecutor executor_;
};

TEST_F(ProcessExecutorTest, CapturesStdoutStderrAndExitCode) {
  RunResult result = Run(Bash("echo hello; echo oops >&2; exit 0"));
  EXPECT_EQ(result.end_reason, EndReason::kExited);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(result.Succeeded());
  EXPECT_EQ(result.stdout_text, "hello\n");
  EXPECT_EQ(result.stderr_text, "oops\n");
  EXPECT_EQ(result.isolation, "none");
  EXPECT_EQ(result.Describe(milliseconds(1000)), "exited with code 0");
}

TEST_F(ProcessExecutorTest, ReportsNonZeroExit) {
  RunResult result = Run(Bash("exit 7"));
  EXPECT_EQ(result.end_reason, EndReason::kExited);
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_FALSE(result.Succeeded());
  EXPECT_EQ(result.Describe(milliseconds(1000)), "exited with code 7");
}

TEST_F(ProcessExecutorTest, EnvironmentIsOnlyWhatTheSpecSays) {
  ::setenv("CRONIUM_TEST_SERVER_SECRET", "hunter2", 1);
  RunSpec spec = Bash("env; pwd");
  spec.env["MY_VAR"] = "42";
  RunResult result = Run(spec);
  ::unsetenv("CRONIUM_TEST_SERVER_SECRET");
  EXPECT_EQ(result.stdout_text.find("hunter2"), std::string::npos);
  EXPECT_NE(result.stdout_text.find("MY_VAR=42"), std::string::npos);
  // HOME and the cwd are the run's private work dir under work_root.
  EXPECT_NE(result.stdout_text.find("HOME=" + spec.work_root + "/run-"), std::string::npos);
  EXPECT_NE(result.stdout_text.find("\n" + spec.work_root + "/run-"), std::string::npos);
}

TEST_F(ProcessExecutorTest, WorkDirIsRemovedAfterTheRun) {
  RunSpec spec = Bash("touch leftover");
  ASSERT_TRUE(Run(spec).Succeeded());
  EXPECT_TRUE(std::filesystem::is_empty(spec.work_root));
}

TEST_F(ProcessExecutorTest, StdinIsEmpty) {
  RunResult result = Run(Bash("cat; echo done"));
  EXPECT_EQ(result.stdout_text, "done\n");
}

TEST_F(ProcessExecutorTest, TimeoutKillsTheWholeTreeIncludingTermIgnoringGrandchild) {
  const std::string pid_file = dir_.path() + "/grandchild.pid";
  RunSpec spec = Bash("trap '' TERM\n(trap '' TERM; echo $BASHPID > " + pid_file +
                      "; while true; do sleep 0.05; done) &\n"
                      "while [ ! -s " +
                      pid_file +
                      " ]; do sleep 0.01; done\necho ready\n"
                      "while true; do sleep 0.05; done\n");
  spec.timeout = milliseconds(500);
  spec.kill_grace = milliseconds(200);
  RunResult result = Run(spec);
  EXPECT_EQ(result.end_reason, EndReason::kTimedOut);
  EXPECT_EQ(result.signal, SIGKILL);
  EXPECT_EQ(result.stdout_text, "ready\n");
  EXPECT_EQ(result.Describe(spec.timeout), "timed out after 0.5 s");
  const pid_t grandchild = testutil::ReadPidFile(pid_file);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(testutil::ProcessIsGone(grandchild));
}

TEST_F(ProcessExecutorTest, TermIsTriedBeforeKill) {
  RunSpec spec = Bash(
      "trap 'echo got-term; exit 143' TERM\necho ready\n"
      "while true; do sleep 0.05; done\n");
  spec.timeout = milliseconds(300);
  RunResult result = Run(spec);
  EXPECT_EQ(result.end_reason, EndReason::kTimedOut);
  EXPECT_NE(result.stdout_text.find("got-term"), std::string::npos);
  EXPECT_EQ(result.exit_code, 143);
}

TEST_F(ProcessExecutorTest, BackgroundProcessesDieWithTheRun) {
  const std::string pid_file = dir_.path() + "/bg.pid";
  RunResult result = Run(Bash("sleep 300 & echo $! > " + pid_file + "; echo started"));
  EXPECT_TRUE(result.Succeeded());
  EXPECT_EQ(result.stdout_text, "started\n");
  const pid_t background = testutil::ReadPidFile(pid_file);
  ASSERT_GT(background, 0);
  EXPECT_TRUE(testutil::ProcessIsGone(background));
}

TEST_F(ProcessExecutorTest, CancelStopsARun) {
  RunSpec spec = Bash("echo started; while true; do sleep 0.05; done");
  CancelToken cancel;
  spec.on_output = [&](OutputStream, std::string_view) { cancel.Cancel(); };
  RunResult result = executor_.Run(spec, cancel);
  EXPECT_EQ(result.end_reason, EndReason::kCancelled);
  EXPECT_TRUE(cancel.IsCancelled());
  EXPECT_EQ(result.stdout_text, "started\n");
  EXPECT_EQ(result.Describe(spec.timeout), "cancelled");
}

TEST_F(ProcessExecutorTest, TruncatesOutputAtTheCapAndCountsTheRest) {
  RunSpec spec = Bash("head -c 300000 /dev/zero | tr '\\0' 'x'; echo tail >&2");
  spec.max_output_bytes = 1024;
  RunResult result = Run(spec);
  EXPECT_TRUE(result.Succeeded());
  EXPECT_EQ(result.stdout_text.size(), 1024u);
  EXPECT_TRUE(result.stdout_truncated);
  EXPECT_EQ(result.stdout_bytes, 300000u);
  EXPECT_FALSE(result.stderr_truncated);
  EXPECT_EQ(result.stderr_text, "tail\n");
}

TEST_F(ProcessExecutorTest, StreamsOutputAsItArrives) {
  RunSpec spec = Bash("echo one; echo two >&2");
  std::string seen_out, seen_err;
  spec.on_output = [&](OutputStream stream, std::string_view chunk) {
    (stream == OutputStream::kStdout ? seen_out : seen_err).append(chunk);
  };
  ASSERT_TRUE(Run(spec).Succeeded());
  EXPECT_EQ(seen_out, "one\n");
  EXPECT_EQ(seen_err, "two\n");
}

TEST_F(ProcessExecutorTest, ReportsDeathBySignal) {
  RunResult result = Run(Bash("kill -SEGV $$"));
  EXPECT_EQ(result.end_reason, EndReason::kSignaled);
  EXPECT_EQ(result.signal, SIGSEGV);
  EXPECT_EQ(result.Describe(milliseconds(1)), "killed by SIGSEGV");
}

TEST_F(ProcessExecutorTest, MissingProgramFailsToStart) {
  RunSpec spec = Bash("true");
  spec.program = "/nonexistent/interpreter";
  RunResult result = Run(spec);
  EXPECT_EQ(result.end_reason, EndReason::kStartFailed);
  EXPECT_NE(result.error.find("/nonexistent/interpreter"), std::string::npos);
}

TEST_F(ProcessExecutorTest, RunsPythonAndNode) {
  RunSpec py = Bash("import sys; print('py', 1 + 1); sys.exit(3)");
  py.program = "/usr/bin/python3";
  py.script_name = "script.py";
  RunResult py_result = Run(py);
  EXPECT_EQ(py_result.stdout_text, "py 2\n");
  EXPECT_EQ(py_result.exit_code, 3);

  RunSpec node = Bash("console.log('node', 40 + 2); console.error('e')");
  node.program = "/usr/bin/node";
  node.script_name = "script.js";
  RunResult node_result = Run(node);
  EXPECT_EQ(node_result.stdout_text, "node 42\n");
  EXPECT_EQ(node_result.stderr_text, "e\n");
  EXPECT_TRUE(node_result.Succeeded());
}

TEST_F(ProcessExecutorTest, ManyRunsInParallel) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int n = 0; n < 8; ++n) {
    threads.emplace_back([&, n] {
      RunResult result = Run(Bash("echo " + std::to_string(n)));
      if (result.Succeeded() && result.stdout_text == std::to_string(n) + "\n") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
}

// A process in a group of its own, with the given environment (a script's left-over run or a
// stranger that happens to have a recorded pid).
pid_t SpawnGroupLeader(std::vector<std::string> env) {
  std::vector<std::string> argv_storage = {"/bin/sleep", "30"};
  std::vector<char*> argv, envp;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  for (auto& var : env) envp.push_back(var.data());
  envp.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, argv[0], nullptr, &attr, argv.data(), envp.data()), 0);
  posix_spawnattr_destroy(&attr);
  return pid;
}

TEST_F(ProcessExecutorTest, LeftoverRunsAreKilledButStrangersAreNot) {
  const std::string root = dir_.path() + "/runs";
  std::filesystem::create_directories(root);
  const pid_t leftover = SpawnGroupLeader({"CRONIUM_EXECUTION_ID=exe_1", "PATH=/usr/bin"});
  // Another run's id (exe_10 starts like exe_1), and none at all.
  const pid_t other_run = SpawnGroupLeader({"CRONIUM_EXECUTION_ID=exe_10", "PATH=/usr/bin"});
  const pid_t stranger = SpawnGroupLeader({"PATH=/usr/bin"});
  std::ofstream(root + "/run-aaaaaa.run") << "exe_1";
  std::ofstream(root + "/run-cccccc.run") << "not an id";
  EXPECT_EQ(KillLeftoverRuns(root), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(leftover, &status, 0), leftover);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  for (pid_t survivor : {other_run, stranger}) {
    EXPECT_EQ(::waitpid(survivor, &status, WNOHANG), 0);  // still running
    ::kill(survivor, SIGKILL);
    ::waitpid(survivor, &status, 0);
  }
  EXPECT_EQ(KillLeftoverRuns(dir_.path() + "/missing"), 0);
}

TEST_F(ProcessExecutorTest, ARunRecordsItsGroupBesideItsWorkDirUntilItEnds) {
  auto spec = Bash("cat ../*.run");
  spec.env["CRONIUM_EXECUTION_ID"] = "exe_42";
  auto result = Run(spec);
  EXPECT_EQ(result.stdout_text, "exe_42");                 // its own, while it runs
  EXPECT_TRUE(std::filesystem::is_empty(spec.work_root));  // removed with the work dir
}

}  // namespace
}  // namespace cronium::exec
