#pragma once

// A Clock that moves only when a test says so. Thread-safe.

#include <atomic>

#include "base/clock.h"

namespace cronium::testutil {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint(std::chrono::milliseconds(1'700'000'000'000)))
      : now_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch())
                    .count()) {}

  TimePoint Now() const override { return TimePoint(std::chrono::milliseconds(now_ms_.load())); }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_ms_.load()));
  }
  void Advance(std::chrono::milliseconds by) { now_ms_ += by.count(); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace cronium::testutil
