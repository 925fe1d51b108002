#pragma once

// Runs the real `cronium` binary as a child process for end-to-end tests: `serve` on port 0 (or
// on the --listen address among the extra arguments) with a given data dir, waiting (by reading
// its stdout, not by sleeping) until it prints the address it listens on. Stops it by pid on
// destruction. With "worker" as the first extra argument it runs `cronium worker` instead (no
// API: url() stays empty) and waits until it runs.

#include <sys/types.h>

#include <map>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cronium::testutil {

// Path of the cronium binary under test (compiled in by CMake).
std::string CroniumBinary();

class ServerProcess {
 public:
  ServerProcess(std::string data_dir, std::vector<std::string> extra_args = {},
                std::map<std::string, std::string> extra_env = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the server; false (with the reason in error()) if it exits or prints no address.
  bool Start();
  // SIGTERM and wait; returns the exit status (-1 if not running).
  int Stop();
  // SIGKILL and wait.
  void Kill();
  // Waits until the server exits on its own; returns the exit status as Stop does (128 + the
  // signal when killed).
  int WaitForExit();
  // The same, for at most `timeout`: nullopt (still running) if it has not exited by then.
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout);

  const std::string& url() const { return url_; }
  const std::string& error() const { return error_; }
  // What the server printed on stdout up to its address line.
  const std::string& startup_output() const { return startup_output_; }
  std::string Logs() const;  // everything written to stderr so far
  pid_t pid() const { return pid_; }

 private:
  std::string data_dir_;
  std::vector<std::string> extra_args_;
  std::map<std::string, std::string> extra_env_;
  std::string log_path_;
  std::string url_;
  std::string error_;
  std::string startup_output_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `cronium args...` (the CLI) to completion with the given extra environment.
CommandResult RunCronium(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env,
                         const std::string& stdin_text = "");

// `cronium args...` (the CLI) running in the background, stdin from /dev/null; its output is
// kept in pipes (small outputs only). Killed on destruction if still running.
class BackgroundCronium {
 public:
  BackgroundCronium(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env);
  ~BackgroundCronium();
  BackgroundCronium(const BackgroundCronium&) = delete;
  BackgroundCronium& operator=(const BackgroundCronium&) = delete;

  pid_t pid() const { return pid_; }
  // Waits for the end; the outcome as RunCronium's.
  CommandResult Wait();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
};

}  // namespace cronium::testutil
