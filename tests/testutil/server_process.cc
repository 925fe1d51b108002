#include "testutil/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace cronium::testutil {
namespace {

std::vector<std::string> BaseEnvironment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text(*entry);
    const size_t eq = text.find('=');
    if (eq != std::string::npos) env[text.substr(0, eq)] = text.substr(eq + 1);
  }
  for (const auto& [key, value] : extra) env[key] = value;
  std::vector<std::string> out;
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string ReadAll(int fd) {
  std::string out;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

std::string CroniumBinary() {
  if (const char* env = std::getenv("CRONIUM_BINARY"); env && *env) return env;
  return CRONIUM_BINARY_PATH;
}

ServerProcess::ServerProcess(std::string data_dir, std::vector<std::string> extra_args,
                             std::map<std::string, std::string> extra_env)
    : data_dir_(std::move(data_dir)),
      extra_args_(std::move(extra_args)),
      extra_env_(std::move(extra_env)),
      log_path_(data_dir_ + ".log") {}

ServerProcess::~ServerProcess() { Stop(); }

bool ServerProcess::Start() {
  // `cronium worker` when the first extra argument says so: no API, so no address to wait for.
  const bool worker = !extra_args_.empty() && extra_args_.front() == "worker";
  std::vector<std::string> args{CroniumBinary(), "serve",      "--listen",
                                "127.0.0.1:0",   "--data-dir", data_dir_};
  if (std::find(extra_args_.begin(), extra_args_.end(), "--listen") != extra_args_.end()) {
    args = {CroniumBinary(), "serve", "--data-dir", data_dir_};
  }
  if (worker) args = {CroniumBinary(), "worker", "--data-dir", data_dir_};
  // Four workers unless the test asks for another number.
  if (std::find(extra_args_.begin(), extra_args_.end(), "--workers") == extra_args_.end()) {
    args.insert(args.end(), {"--workers", "4"});
  }
  args.insert(args.end(), extra_args_.begin() + (worker ? 1 : 0), extra_args_.end());
  auto env = BaseEnvironment(extra_env_);
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  auto argv = Pointers(args);
  auto envp = Pointers(env);
  const int rc = ::posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  stdout_fd_ = out_pipe[0];
  if (rc != 0) {
    error_ = std::string("cannot start ") + args[0] + ": " + std::strerror(rc);
    pid_ = -1;
    return false;
  }
  // Read stdout until the address line (or EOF if the server exits).
  std::string seen;
  const std::string marker = worker ? "is running jobs" : "listening on ";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{stdout_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 1000) <= 0) continue;
    char buffer[512];
    const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
    if (n <= 0) break;
    seen.append(buffer, static_cast<size_t>(n));
    const size_t at = seen.find(marker);
    const size_t end = at == std::string::npos ? at : seen.find('\n', at);
    if (end != std::string::npos) {
      if (!worker) url_ = seen.substr(at + marker.size(), end - at - marker.size());
      startup_output_ = seen;
      return true;
    }
  }
  error_ = "server did not report its address; stdout: " + seen + "\nlogs: " + Logs();
  Kill();
  return false;
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  return WaitForExit();
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
}

int ServerProcess::WaitForExit() {
  if (pid_ <= 0) return -1;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<int> ServerProcess::WaitForExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd < 0) return std::nullopt;
  pollfd exited{.fd = pidfd, .events = POLLIN, .revents = 0};
  const int ready = ::poll(&exited, 1, static_cast<int>(timeout.count()));
  ::close(pidfd);
  if (ready <= 0) return std::nullopt;
  return WaitForExit();
}

std::string ServerProcess::Logs() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

CommandResult RunCronium(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env_extra,
                         const std::string& stdin_text) {
  std::vector<std::string> argv_storage{CroniumBinary()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  auto env = BaseEnvironment(env_extra);
  int out_pipe[2], err_pipe[2], in_pipe[2];
  CommandResult result;
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(in_pipe, O_CLOEXEC) != 0) {
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  auto argv = Pointers(argv_storage);
  auto envp = Pointers(env);
  pid_t pid = -1;
  const int rc =
      ::posix_spawn(&pid, argv_storage[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(in_pipe[0]);
  // Inputs are small (a password, a token): they fit in the pipe buffer.
  if (!stdin_text.empty()) {
    (void)!::write(in_pipe[1], stdin_text.data(), stdin_text.size());
  }
  ::close(in_pipe[1]);
  if (rc == 0) {
    // Small outputs: reading stdout fully before stderr cannot deadlock for these commands.
    result.out = ReadAll(out_pipe[0]);
    result.err = ReadAll(err_pipe[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  return result;
}

BackgroundCronium::BackgroundCronium(const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& env_extra) {
  std::vector<std::string> argv_storage{CroniumBinary()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  auto env = BaseEnvironment(env_extra);
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return;
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  auto argv = Pointers(argv_storage);
  auto envp = Pointers(env);
  if (::posix_spawn(&pid_, argv_storage[0].c_str(), &actions, nullptr, argv.data(), envp.data()) !=
      0) {
    pid_ = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
}

BackgroundCronium::~BackgroundCronium() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

CommandResult BackgroundCronium::Wait() {
  CommandResult result;
  if (pid_ <= 0) return result;
  result.out = ReadAll(out_fd_);
  result.err = ReadAll(err_fd_);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace cronium::testutil
