#include "base/ids.h"

#include <gtest/gtest.h>

#include <set>

#include "base/time_format.h"

namespace cronium {
namespace {

TEST(IdsTest, HasPrefixAndFixedLength) {
  const std::string id = NewId("evt", FromUnixMillis(1'700'000'000'000));
  EXPECT_EQ(id.rfind("evt_", 0), 0u);
  EXPECT_EQ(id.size(), 4u + 26u);
  EXPECT_TRUE(IsWellFormedId(id));
}

TEST(IdsTest, SortByCreationTime) {
  const std::string earlier = NewId("x", FromUnixMillis(1'000));
  const std::string later = NewId("x", FromUnixMillis(1'001));
  EXPECT_LT(earlier, later);
}

TEST(IdsTest, AreMonotonicWithinOneMillisecondAndWhenTheClockStepsBack) {
  std::string previous = NewId("x", FromUnixMillis(4'000'000'000'000));
  for (int n = 0; n < 1000; ++n) {
    const std::string next = NewId("x", FromUnixMillis(4'000'000'000'000 - (n % 3)));
    EXPECT_LT(previous, next);
    previous = next;
  }
}

TEST(IdsTest, AreUnique) {
  std::set<std::string> seen;
  for (int n = 0; n < 10000; ++n) seen.insert(NewId("x", FromUnixMillis(5)));
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(IdsTest, RejectsPathTricksAndOddCharacters) {
  EXPECT_FALSE(IsWellFormedId(""));
  EXPECT_FALSE(IsWellFormedId("../etc/passwd"));
  EXPECT_FALSE(IsWellFormedId("evt_1 OR 1=1"));
  EXPECT_FALSE(IsWellFormedId(std::string(65, 'a')));
}

TEST(IdsTest, TimePrefixBoundsIdsByCreationTime) {
  // Later than any time other tests give NewId, whose ids are monotonic within the process.
  const TimePoint t = FromUnixMillis(9'000'000'000'000);
  const std::string bound = IdTimePrefix("job", t);
  EXPECT_EQ(bound.size(), 14u);
  EXPECT_EQ(bound, IdTimePrefix("job", t));  // pure: no monotonic adjustment
  EXPECT_LT(NewId("job", t - std::chrono::milliseconds(1)), bound);
  EXPECT_GT(NewId("job", t), bound);
  EXPECT_EQ(NewId("job", t + std::chrono::milliseconds(5)).substr(0, 4), "job_");
}

}  // namespace
}  // namespace cronium
