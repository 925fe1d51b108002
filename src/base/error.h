#pragma once

// Error values for expected failures. Functions that can fail return Result<T> (or Status);
// exceptions never cross a module's public API (see STYLE.md §5).

#include <cstdint>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace cronium {

// Codes follow absl::StatusCode. Whoever adds a code must add its HTTP mapping in
// api/error_mapping.cc and its name in ErrorCodeName().
enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,
  kDeadlineExceeded,
  kUnavailable,
  kCancelled,
  kInternal,
};

// Stable upper-case name of a code, as used in API error bodies ("NOT_FOUND").
std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
  // For kResourceExhausted from rate limits: when the caller may try again (0 = unknown).
  int64_t retry_after_seconds = 0;

  friend bool operator==(const Error&, const Error&) = default;
};

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}
inline tl::unexpected<Error> InvalidArgument(std::string m) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(m));
}
inline tl::unexpected<Error> NotFound(std::string m) {
  return MakeError(ErrorCode::kNotFound, std::move(m));
}
inline tl::unexpected<Error> AlreadyExists(std::string m) {
  return MakeError(ErrorCode::kAlreadyExists, std::move(m));
}
inline tl::unexpected<Error> FailedPrecondition(std::string m) {
  return MakeError(ErrorCode::kFailedPrecondition, std::move(m));
}
inline tl::unexpected<Error> ResourceExhausted(std::string m) {
  return MakeError(ErrorCode::kResourceExhausted, std::move(m));
}
inline tl::unexpected<Error> Unavailable(std::string m) {
  return MakeError(ErrorCode::kUnavailable, std::move(m));
}
inline tl::unexpected<Error> Internal(std::string m) {
  return MakeError(ErrorCode::kInternal, std::move(m));
}

// A Result must be looked at: [[nodiscard]] on the type makes every fallible call site check.
template <class T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using tl::expected<T, Error>::expected;
  Result(const tl::expected<T, Error>& other) : tl::expected<T, Error>(other) {}  // NOLINT
  Result(tl::expected<T, Error>&& other)                                          // NOLINT
      : tl::expected<T, Error>(std::move(other)) {}
};

using Status = Result<void>;

inline Status OkStatus() { return {}; }

}  // namespace cronium

// Returns the error of `expr` (a Result or Status) from the enclosing function.
#define CRONIUM_RETURN_IF_ERROR(expr)                                     \
  do {                                                                    \
    auto cronium_status_ = (expr);                                        \
    if (!cronium_status_) return tl::unexpected(cronium_status_.error()); \
  } while (false)

#define CRONIUM_CONCAT_INNER_(a, b) a##b
#define CRONIUM_CONCAT_(a, b) CRONIUM_CONCAT_INNER_(a, b)

// `CRONIUM_ASSIGN_OR_RETURN(auto x, Foo());` declares x from Foo()'s value or returns its error.
#define CRONIUM_ASSIGN_OR_RETURN(lhs, expr) \
  CRONIUM_ASSIGN_OR_RETURN_IMPL_(CRONIUM_CONCAT_(cronium_result_, __LINE__), lhs, expr)
#define CRONIUM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)     \
  auto tmp = (expr);                                       \
  if (!tmp) return tl::unexpected(std::move(tmp).error()); \
  lhs = std::move(*tmp)
