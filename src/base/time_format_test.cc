#include "base/time_format.h"

#include <gtest/gtest.h>

namespace cronium {
namespace {

TEST(TimeFormatTest, FormatsUtcWithMillis) {
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(1'700'000'000'123)), "2023-11-14T22:13:20.123Z");
}

TEST(TimeFormatTest, ParsesWhatItFormats) {
  const TimePoint t = FromUnixMillis(1'700'000'000'123);
  auto parsed = ParseRfc3339(FormatRfc3339(t));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, t);
}

TEST(TimeFormatTest, ParsesOffsets) {
  auto parsed = ParseRfc3339("2023-11-14T23:13:20+01:00");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(ToUnixMillis(*parsed), 1'700'000'000'000);
}

TEST(TimeFormatTest, RejectsMalformed) {
  for (const char* text :
       {"", "2023-11-14", "2023-13-01T00:00:00Z", "2023-02-31T00:00:00Z", "2023-11-14T22:13:20",
        "2023-11-14T22:13:20Zjunk", "2023-11-14T25:00:00Z", "abcd-ef-ghTij:kl:mnZ"}) {
    auto parsed = ParseRfc3339(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace cronium
