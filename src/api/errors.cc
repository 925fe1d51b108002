#include "api/errors.h"

#include "api/json_body.h"
#include "http/router.h"

namespace cronium::api {

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kCancelled:
      return 409;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDeadlineExceeded:
      return 504;
  }
  return 500;
}

http::Response ErrorResponse(const Error& error) {
  if (error.code == ErrorCode::kInvalidArgument && error.message == kUnsupportedMediaType) {
    return http::Response::Json(415, http::ErrorBody("UNSUPPORTED_MEDIA_TYPE", error.message));
  }
  http::Response response = http::Response::Json(
      HttpStatus(error.code), http::ErrorBody(ErrorCodeName(error.code), error.message));
  if (error.retry_after_seconds > 0) {
    response.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds));
  }
  return response;
}

}  // namespace cronium::api
