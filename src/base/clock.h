#pragma once

// Time source. Everything that reads the time (scheduler, leases, timeouts, token expiry) takes
// a Clock& so tests can substitute testutil::FakeClock. Implementations are thread-safe.

#include <chrono>

namespace cronium {

using TimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (UTC).
  virtual TimePoint Now() const = 0;
  // Monotonic time, for measuring durations.
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::now();
  }
};

}  // namespace cronium
