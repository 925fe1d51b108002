#pragma once

// Process checks for tests.

#include <poll.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

namespace cronium::testutil {

// A process is gone when it no longer exists or is a zombie waiting for its reaper.
inline bool ProcessIsGone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

// Waits (on a pidfd, no polling) until the process has exited, at most `timeout`: a SIGKILL
// sent to it is delivered, but the process ends on its own CPU time, a moment later on a busy
// machine. True when it is gone.
inline bool WaitUntilGone(pid_t pid, std::chrono::milliseconds timeout) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return ProcessIsGone(pid);  // ESRCH: gone already (or no pidfds: look now)
  pollfd ready{pidfd, POLLIN, 0};
  const int polled = ::poll(&ready, 1, static_cast<int>(timeout.count()));
  ::close(pidfd);
  return polled == 1 || ProcessIsGone(pid);
}

// Reads a pid written by a script (0 if there is none).
inline pid_t ReadPidFile(const std::string& path) {
  std::ifstream in(path);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

}  // namespace cronium::testutil
