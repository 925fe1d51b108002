#pragma once

// Process checks for tests.

#include <sys/types.h>

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

// Reads a pid written by a script (0 if there is none).
inline pid_t ReadPidFile(const std::string& path) {
  std::ifstream in(path);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

}  // namespace cronium::testutil
