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

}  // namespace
}  // namespace cronium
