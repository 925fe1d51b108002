#pragma once

// Token-bucket rate limits keyed by a string (an account, an address, a token). Buckets refill
// continuously; idle full buckets are forgotten so memory stays bounded. Thread-safe.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/clock.h"

namespace cronium {

struct RateLimit {
  double capacity = 10;     // burst size
  double per_second = 1.0;  // refill rate
};

class RateLimiter {
 public:
  RateLimiter(RateLimit limit, const Clock& clock, size_t max_keys = 100'000);

  // Takes one unit for `key`. 0 when allowed, else whole seconds until one unit is available.
  int64_t Take(const std::string& key);
  // Like Take but does not consume: seconds until a unit is available (0 = available now).
  int64_t Peek(const std::string& key);
  // Forgets the key (a successful login clears its failure budget).
  void Reset(const std::string& key);

 private:
  struct Bucket {
    double tokens;
    TimePoint updated;
  };
  Bucket& Refill(const std::string& key, TimePoint now);

  // Immutable after construction.
  const RateLimit limit_;
  const Clock& clock_;
  const size_t max_keys_;

  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // Guarded by mutex_.
};

}  // namespace cronium
