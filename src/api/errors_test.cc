#include "api/errors.h"

#include <gtest/gtest.h>

#include "api/json_body.h"

namespace cronium::api {
namespace {

TEST(ErrorsTest, EveryCodeHasAStatus) {
  const std::pair<ErrorCode, int> table[] = {
      {ErrorCode::kInvalidArgument, 400},  {ErrorCode::kUnauthenticated, 401},
      {ErrorCode::kPermissionDenied, 403}, {ErrorCode::kNotFound, 404},
      {ErrorCode::kAlreadyExists, 409},    {ErrorCode::kFailedPrecondition, 409},
      {ErrorCode::kCancelled, 409},        {ErrorCode::kResourceExhausted, 429},
      {ErrorCode::kInternal, 500},         {ErrorCode::kUnavailable, 503},
      {ErrorCode::kDeadlineExceeded, 504}};
  for (const auto& [code, status] : table) EXPECT_EQ(HttpStatus(code), status);
}

TEST(ErrorsTest, BodyCarriesCodeAndMessage) {
  const http::Response response = ErrorResponse(Error{ErrorCode::kNotFound, "event \"x\" gone"});
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, R"({"error":"NOT_FOUND","message":"event \"x\" gone"})");
}

TEST(ErrorsTest, WrongContentTypeIs415) {
  EXPECT_EQ(
      ErrorResponse(Error{ErrorCode::kInvalidArgument, std::string(kUnsupportedMediaType)}).status,
      415);
}

}  // namespace
}  // namespace cronium::api
