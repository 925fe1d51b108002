#include "base/rate_limiter.h"

#include <gtest/gtest.h>

#include "testutil/fake_clock.h"

namespace cronium {
namespace {

TEST(RateLimiterTest, AllowsABurstThenRefillsOverTime) {
  testutil::FakeClock clock;
  RateLimiter limiter({.capacity = 3, .per_second = 0.5}, clock);
  EXPECT_EQ(limiter.Take("k"), 0);
  EXPECT_EQ(limiter.Take("k"), 0);
  EXPECT_EQ(limiter.Take("k"), 0);
  EXPECT_EQ(limiter.Take("k"), 2);  // one unit every 2 s
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(limiter.Take("k"), 0);
  EXPECT_EQ(limiter.Peek("k"), 2);
}

TEST(RateLimiterTest, KeysAreIndependentAndResettable) {
  testutil::FakeClock clock;
  RateLimiter limiter({.capacity = 1, .per_second = 0.01}, clock);
  EXPECT_EQ(limiter.Take("a"), 0);
  EXPECT_GT(limiter.Take("a"), 0);
  EXPECT_EQ(limiter.Take("b"), 0);
  limiter.Reset("a");
  EXPECT_EQ(limiter.Take("a"), 0);
}

TEST(RateLimiterTest, ForgetsFullBucketsWhenItHasTooManyKeys) {
  testutil::FakeClock clock;
  RateLimiter limiter({.capacity = 1, .per_second = 1}, clock, /*max_keys=*/2);
  EXPECT_EQ(limiter.Take("a"), 0);
  EXPECT_EQ(limiter.Take("b"), 0);
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(limiter.Take("c"), 0);  // a and b refilled and were dropped
  EXPECT_EQ(limiter.Take("a"), 0);
}

}  // namespace
}  // namespace cronium
