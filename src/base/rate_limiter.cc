#include "base/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace cronium {

RateLimiter::RateLimiter(RateLimit limit, const Clock& clock, size_t max_keys)
    : limit_(limit), clock_(clock), max_keys_(max_keys) {}

RateLimiter::Bucket& RateLimiter::Refill(const std::string& key, TimePoint now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      // Drop buckets that have refilled completely: they carry no information.
      for (auto old = buckets_.begin(); old != buckets_.end();) {
        const double elapsed = std::chrono::duration<double>(now - old->second.updated).count();
        if (old->second.tokens + elapsed * limit_.per_second >= limit_.capacity) {
          old = buckets_.erase(old);
        } else {
          ++old;
        }
      }
    }
    it = buckets_.emplace(key, Bucket{limit_.capacity, now}).first;
  }
  Bucket& bucket = it->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  if (elapsed > 0) {
    bucket.tokens = std::min(limit_.capacity, bucket.tokens + elapsed * limit_.per_second);
    bucket.updated = now;
  }
  return bucket;
}

int64_t RateLimiter::Take(const std::string& key) {
  std::lock_guard lock(mutex_);
  Bucket& bucket = Refill(key, clock_.Now());
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return 0;
  }
  return std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil((1.0 - bucket.tokens) / limit_.per_second)));
}

int64_t RateLimiter::Peek(const std::string& key) {
  std::lock_guard lock(mutex_);
  Bucket& bucket = Refill(key, clock_.Now());
  if (bucket.tokens >= 1.0) return 0;
  return std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil((1.0 - bucket.tokens) / limit_.per_second)));
}

void RateLimiter::Reset(const std::string& key) {
  std::lock_guard lock(mutex_);
  buckets_.erase(key);
}

}  // namespace cronium
