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
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev != nullptr) return fmt::format("SIG{}", abbrev);
  return fmt::format("signal {}", sig);
}

}  // namespace

std::string RunResult::Describe(std::chrono::milliseconds timeout) const {
  switch (end_reason) {
    case EndReason::kExited:
      return exit_code == 0 ? "exited with code 0"
                            : fmt::format("exited with code {}", exit_code.value_or(-1));
    case EndReason::kSignaled:
      return fmt::format("killed by {}", SignalName(signal.value_or(0)));
    case EndReason::kTimedOut:
      return fmt::format("timed out after {} and was killed", FormatDuration(timeout));
    case EndReason::kCancelled:
      return "cancelled";
    case EndReason::kStartFailed:
      return fmt::format("could not start: {}", error);
  }
  return "unknown";
}

}  // namespace cronium::exec
