// What the REST handlers share (handlers.h): JSON answers, the paging and wait parameters,
// and the caller's authentication and idempotency key.

#include "api/internal/handlers.h"

#include <fmt/format.h>

#include <csignal>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "auth/auth_service.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "crypto/secrets.h"

namespace cronium::api::internal {
namespace {

using http::Method;
using http::Request;
using http::Response;

}  // namespace

std::string DumpJson(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

http::Response JsonResponse(int status, const json& body) {
  return Response::Json(status, DumpJson(body));
}

Response AuthErrorResponse(const Error& error) {
  Response response = ErrorResponse(error);
  if (error.code == ErrorCode::kUnauthenticated) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"cronium\"");
  }
  return response;
}

json TimeOrNull(const std::optional<TimePoint>& t) {
  return t ? json(FormatRfc3339(*t)) : json(nullptr);
}

Status ReadLimit(const http::Request& request, int& limit) {
  limit = 50;
  if (auto text = request.QueryParam("limit")) {
    char* end = nullptr;
    const long value = std::strtol(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || value < 1 || value > 200) {
      return InvalidArgument("limit: an integer from 1 to 200");
    }
    limit = static_cast<int>(value);
  }
  return OkStatus();
}

Status ReadPaging(const http::Request& request, int& limit, std::string& cursor) {
  CRONIUM_RETURN_IF_ERROR(ReadLimit(request, limit));
  if (auto text = request.QueryParam("cursor")) {
    if (!IsWellFormedId(*text)) return InvalidArgument("cursor: not a cursor this API returned");
    cursor = *text;
  }
  return OkStatus();
}

namespace {

std::optional<std::string> CookieValue(const Request& request, std::string_view name) {
  auto header = request.Header("cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const size_t semi = rest.find(';');
    std::string_view pair = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

bool IsChange(Method method) {
  return method != Method::kGet && method != Method::kHead && method != Method::kOptions;
}

}  // namespace

Status ReadWait(const Request& request, int max_seconds, int& seconds) {
  seconds = 0;
  auto text = request.QueryParam("wait");
  if (!text) return OkStatus();
  char* end = nullptr;
  const long value = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || value < 0 || value > max_seconds) {
    return InvalidArgument(fmt::format("wait: whole seconds from 0 to {}", max_seconds));
  }
  seconds = static_cast<int>(value);
  return OkStatus();
}

Result<auth::Principal> Handlers::Authenticate(const Request& request) {
  if (auto header = request.Header("authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (header->substr(0, kBearer.size()) != kBearer) {
      return MakeError(ErrorCode::kUnauthenticated,
                       "the Authorization header must be 'Bearer <API token>'");
    }
    return ctx_.auth_service.AuthenticateToken(std::string(header->substr(kBearer.size())),
                                               request.remote_address);
  }
  if (auto cookie = CookieValue(request, "cronium_session")) {
    CRONIUM_ASSIGN_OR_RETURN(auth::Principal principal, ctx_.auth_service.AuthenticateSession(
                                                            *cookie, request.remote_address));
    if (IsChange(request.method)) {
      const auto sent = request.Header("x-csrf-token");
      if (!sent || !crypto::ConstantTimeEquals(*sent, principal.csrf_token)) {
        return MakeError(ErrorCode::kPermissionDenied,
                         "missing or wrong X-CSRF-Token header (send the csrfToken from login)");
      }
    }
    return principal;
  }
  return MakeError(ErrorCode::kUnauthenticated,
                   "authentication required: log in, or send 'Authorization: Bearer <API token>'");
}

Result<IdempotentRequest> Handlers::IdempotencyOf(const Request& request,
                                                  const auth::Principal& principal) {
  return IdempotentRequest::FromHeader(request, "user:" + principal.user_id);
}

void Handlers::WrittenForTest(const IdempotentRequest& request) const {
  if (ctx_.kill_after_idempotent_write_for_test && request.active()) ::raise(SIGKILL);
}

}  // namespace cronium::api::internal
