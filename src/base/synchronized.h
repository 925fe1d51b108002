#pragma once

// Synchronized<T>: a value bundled with the mutex that guards it, reachable only through a
// locked handle. Thread-safe.
//
//   Synchronized<std::map<int, int>> counts;
//   counts.Lock()->emplace(1, 2);

#include <mutex>
#include <utility>

namespace cronium {

template <class T>
class Synchronized {
 public:
  class Handle {
   public:
    Handle(std::mutex& mutex, T& value) : lock_(mutex), value_(value) {}
    T* operator->() { return &value_; }
    T& operator*() { return value_; }
    std::unique_lock<std::mutex>& lock() { return lock_; }

   private:
    std::unique_lock<std::mutex> lock_;
    T& value_;
  };

  Synchronized() = default;
  template <class... Args>
  explicit Synchronized(Args&&... args) : value_(std::forward<Args>(args)...) {}

  Handle Lock() { return Handle(mutex_, value_); }

 private:
  std::mutex mutex_;
  T value_;  // Guarded by mutex_.
};

}  // namespace cronium
