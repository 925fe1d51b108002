#include "base/error.h"

#include <gtest/gtest.h>

namespace cronium {
namespace {

Result<int> Half(int value) {
  if (value % 2 != 0) return InvalidArgument("odd");
  return value / 2;
}

Result<int> Quarter(int value) {
  CRONIUM_ASSIGN_OR_RETURN(int half, Half(value));
  CRONIUM_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int value) {
  CRONIUM_RETURN_IF_ERROR(Half(value));
  return OkStatus();
}

TEST(ErrorTest, AssignOrReturnPropagatesValue) {
  auto result = Quarter(8);
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, 2);
}

TEST(ErrorTest, AssignOrReturnPropagatesError) {
  auto result = Quarter(6);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().message, "odd");
}

TEST(ErrorTest, ReturnIfErrorOnStatus) {
  EXPECT_TRUE(CheckEven(4));
  EXPECT_EQ(CheckEven(3).error().code, ErrorCode::kInvalidArgument);
}

TEST(ErrorTest, CodeNamesAreStable) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotFound), "NOT_FOUND");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kResourceExhausted), "RESOURCE_EXHAUSTED");
}

}  // namespace
}  // namespace cronium
