// /api/v1/variables: the caller's own variables, the ones their scripts read and write through
// the runtime API. Values are any JSON; keys go in the path percent-encoded (%2F for '/').

#include <fmt/format.h>

#include "api/errors.h"
#include "api/internal/handlers.h"
#include "api/json_body.h"
#include "base/time_format.h"
#include "runtime/variables.h"

namespace cronium::api::internal {

using http::Request;
using http::Response;

namespace {

json RenderVariable(const runtime::Variable& variable) {
  const json value = json::parse(variable.value_json, nullptr, /*allow_exceptions=*/false);
  return {{"key", variable.key},
          {"value", value.is_discarded() ? json(nullptr) : value},
          {"version", variable.version},
          {"createdAt", FormatRfc3339(variable.created_at)},
          {"updatedAt", FormatRfc3339(variable.updated_at)},
          {"updatedBy", variable.updated_by}};
}

}  // namespace

Result<Response> Handlers::ListVariables(Request& request, const auth::Principal& principal) {
  int limit = 50;
  CRONIUM_RETURN_IF_ERROR(ReadLimit(request, limit));
  // Keys are the cursor: the list is ordered by key.
  const std::string after = request.QueryParam("cursor").value_or("");
  const std::string prefix = request.QueryParam("prefix").value_or("");
  if (after.size() > 1024 || prefix.size() > 1024) {
    return InvalidArgument("cursor and prefix: at most 1024 bytes");
  }
  CRONIUM_ASSIGN_OR_RETURN(auto variables,
                           ctx_.variables->List(principal.user_id, prefix, after, limit));
  json items = json::array();
  for (const auto& variable : variables) items.push_back(RenderVariable(variable));
  // A page ends early once its values are large (Variables::List); then more may follow.
  size_t bytes = 0;
  for (const auto& variable : variables) bytes += variable.value_json.size();
  const bool full = static_cast<int>(variables.size()) == limit || bytes >= runtime::kListPageBytes;
  return JsonResponse(
      200, {{"items", items}, {"nextCursor", full ? json(variables.back().key) : json(nullptr)}});
}

Result<Response> Handlers::GetVariable(Request& request, const auth::Principal& principal) {
  const std::string& key = request.PathParam("key");
  CRONIUM_ASSIGN_OR_RETURN(auto variable, ctx_.variables->Get(principal.user_id, key));
  if (!variable) return NotFound(fmt::format("variable '{}' not found", key));
  return JsonResponse(200, RenderVariable(*variable));
}

Result<Response> Handlers::PutVariable(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"value"}));
  const json* value = body.Get("value");
  if (value == nullptr) return InvalidArgument(R"(value: required (any JSON, null included))");
  const std::string text = DumpJson(*value);
  const size_t limit = ctx_.variables->options().max_value_bytes;
  if (text.size() > limit) {
    return JsonResponse(
        413,
        {{"error", "PAYLOAD_TOO_LARGE"},
         {"message", fmt::format("value: {} bytes of JSON; the limit is {}", text.size(), limit)}});
  }
  CRONIUM_ASSIGN_OR_RETURN(
      auto stored,
      ctx_.variables->Put(principal.user_id, request.PathParam("key"), text, principal.ToActor()));
  return JsonResponse(stored.version == 1 ? 201 : 200, RenderVariable(stored));
}

Result<Response> Handlers::DeleteVariable(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  const std::string& key = request.PathParam("key");
  auto deleted = ctx_.variables->Delete(principal.user_id, key, principal.ToActor());
  if (!deleted && deleted.error().code == ErrorCode::kNotFound) {
    return NotFound(fmt::format("variable '{}' not found", key));
  }
  CRONIUM_RETURN_IF_ERROR(deleted);
  return Response{.status = 204};
}

}  // namespace cronium::api::internal
