#include "exec/executor.h"

#include <fmt/format.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "base/check.h"

namespace cronium::exec {

CancelToken::CancelToken() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  CRONIUM_CHECK(fd_ >= 0);
}

CancelToken::~CancelToken() { ::close(fd_); }

void CancelToken::Cancel() {
  cancelled_.store(true);
  const uint64_t one = 1;
  ssize_t written;
  do {
    written = ::write(fd_, &one, sizeof one);
  } while (written < 0 && errno == EINTR);
}

namespace {

std::string FormatDuration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms % 1000 == 0) return fmt::format("{} s", ms / 1000);
  return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes % (1ull << 30) == 0) return fmt::format("{} GiB", bytes >> 30);
  if (bytes % (1ull << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes % (1ull << 10) == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} bytes", bytes);
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev != nullptr) return fmt::format("SIG{}", abbrev);
  return fmt::format("signal {}", sig);
}

}  // namespace

std::string RunResult::Describe(std::chrono::milliseconds timeout) const {
  std::string text;
  switch (end_reason) {
    case EndReason::kExited:
      text = fmt::format("exited with code {}", exit_code.value_or(-1));
      if (oom_killed && limits) {
        text += fmt::format(" (a process was killed: memory limit {} exceeded)",
                            FormatBytes(limits->memory_bytes));
      }
      break;
    case EndReason::kSignaled:
      if (oom_killed && limits) {
        text = fmt::format("killed: memory limit {} exceeded", FormatBytes(limits->memory_bytes));
      } else if (cpu_limit_exceeded && limits) {
        text = fmt::format("CPU time limit {} exceeded",
                           FormatDuration(std::chrono::seconds(limits->cpu_seconds)));
      } else {
        text = fmt::format("killed by {}", SignalName(signal.value_or(0)));
      }
      break;
    case EndReason::kTimedOut:
      return fmt::format("timed out after {}", FormatDuration(timeout));
    case EndReason::kCancelled:
      return "cancelled";
    case EndReason::kStartFailed:
      return fmt::format("could not start: {}", error);
  }
  if (pids_limit_hit && limits) {
    text += fmt::format("; process limit {} reached", limits->pids);
  }
  return text;
}

}  // namespace cronium::exec
