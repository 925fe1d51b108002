// Login, sessions, API tokens, users and the audit log over REST.

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/internal/handlers.h"
#include "api/json_body.h"
#include "auth/auth_service.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "store/store.h"

namespace cronium::api::internal {
namespace {

using http::Method;
using http::Request;
using http::Response;

json RenderUser(const store::UserRecord& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"email", u.email},
          {"displayName", u.display_name},
          {"role", ToString(u.role)},
          {"status", ToString(u.status)},
          {"lastLoginAt", TimeOrNull(u.last_login_at)},
          {"mustChangePassword", u.must_change_password},
          {"createdAt", FormatRfc3339(u.created_at)},
          {"updatedAt", FormatRfc3339(u.updated_at)}};
}

json RenderToken(const store::ApiTokenRecord& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"scope", t.scope},
          {"prefix", t.prefix},
          {"createdAt", FormatRfc3339(t.created_at)},
          {"expiresAt", TimeOrNull(t.expires_at)},
          {"lastUsedAt", TimeOrNull(t.last_used_at)},
          {"revokedAt", TimeOrNull(t.revoked_at)}};
}

json RenderAudit(const store::AuditEntry& e) {
  json details = json::parse(e.details_json, nullptr, false);
  return {{"id", e.id},
          {"at", FormatRfc3339(e.at)},
          {"actor", {{"type", e.actor.type}, {"id", e.actor.id}, {"name", e.actor.name}}},
          {"source", e.actor.source},
          {"action", e.action},
          {"targetType", e.target_type},
          {"targetId", e.target_id},
          {"outcome", e.outcome},
          {"details", details.is_discarded() ? json::object() : details}};
}

Result<std::optional<store::UserRole>> ReadRole(const JsonBody& body) {
  CRONIUM_ASSIGN_OR_RETURN(auto text, body.String("role"));
  if (!text) return std::optional<store::UserRole>();
  auto role = store::ParseUserRole(*text);
  if (!role) return InvalidArgument("role: one of ADMIN, USER, VIEWER");
  return std::optional<store::UserRole>(*role);
}

Result<auth::UserFields> ReadUserFields(const JsonBody& body) {
  auth::UserFields f;
  CRONIUM_ASSIGN_OR_RETURN(f.username, body.String("username"));
  CRONIUM_ASSIGN_OR_RETURN(f.email, body.String("email"));
  CRONIUM_ASSIGN_OR_RETURN(f.display_name, body.String("displayName"));
  CRONIUM_ASSIGN_OR_RETURN(f.password, body.String("password"));
  CRONIUM_ASSIGN_OR_RETURN(f.role, ReadRole(body));
  CRONIUM_ASSIGN_OR_RETURN(auto status, body.String("status"));
  if (status) {
    f.status = store::ParseUserStatus(*status);
    if (!f.status) return InvalidArgument("status: ACTIVE or DISABLED");
  }
  return f;
}

Result<std::string> RequiredString(const JsonBody& body, std::string_view key) {
  CRONIUM_ASSIGN_OR_RETURN(auto value, body.String(key));
  if (!value || value->empty()) return InvalidArgument(fmt::format("{}: required", key));
  return *value;
}

}  // namespace

void Handlers::RegisterAuthRoutes(http::Router& router) {
  BindPublic(router, Method::kPost, "/api/v1/auth/login", &Handlers::Login);
  BindPublic(router, Method::kPost, "/api/v1/auth/invites/accept", &Handlers::AcceptInvite);
  Bind(router, Method::kPost, "/api/v1/auth/logout", &Handlers::Logout);
  Bind(router, Method::kGet, "/api/v1/auth/me", &Handlers::Me);
  Bind(router, Method::kPatch, "/api/v1/auth/me", &Handlers::UpdateMe);
  Bind(router, Method::kPost, "/api/v1/auth/password", &Handlers::ChangePassword);
  Bind(router, Method::kGet, "/api/v1/tokens", &Handlers::ListTokens);
  Bind(router, Method::kPost, "/api/v1/tokens", &Handlers::CreateToken);
  Bind(router, Method::kDelete, "/api/v1/tokens/{id}", &Handlers::RevokeToken);
  Bind(router, Method::kGet, "/api/v1/users", &Handlers::ListUsers);
  Bind(router, Method::kPost, "/api/v1/users", &Handlers::CreateUser);
  Bind(router, Method::kPost, "/api/v1/users/invite", &Handlers::InviteUser);
  Bind(router, Method::kGet, "/api/v1/users/{id}", &Handlers::GetUser);
  Bind(router, Method::kPatch, "/api/v1/users/{id}", &Handlers::UpdateUser);
  Bind(router, Method::kDelete, "/api/v1/users/{id}", &Handlers::DeleteUser);
  Bind(router, Method::kGet, "/api/v1/audit", &Handlers::ListAudit);
  Bind(router, Method::kPost, "/api/v1/admin/keys/rotate", &Handlers::RotateKeys);
}

Result<Response> Handlers::Login(Request& request) {
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"username", "password"}));
  CRONIUM_ASSIGN_OR_RETURN(std::string username, RequiredString(body, "username"));
  CRONIUM_ASSIGN_OR_RETURN(std::string password, RequiredString(body, "password"));
  CRONIUM_ASSIGN_OR_RETURN(auto login,
                           ctx_.auth_service.Login(username, password, request.remote_address));
  const auto max_age =
      std::chrono::duration_cast<std::chrono::seconds>(login.expires_at - ctx_.clock.Now()).count();
  const std::string secure = ctx_.secure_cookies ? "; Secure" : "";
  Response response = JsonResponse(200, {{"user", RenderUser(login.user)},
                                         {"csrfToken", login.csrf_token},
                                         {"expiresAt", FormatRfc3339(login.expires_at)}});
  response.headers.emplace_back(
      "Set-Cookie", fmt::format("cronium_session={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
                                login.session_secret, max_age, secure));
  return response;
}

Result<Response> Handlers::AcceptInvite(Request& request) {
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"token", "username", "password", "displayName"}));
  CRONIUM_ASSIGN_OR_RETURN(std::string token, RequiredString(body, "token"));
  CRONIUM_ASSIGN_OR_RETURN(std::string username, RequiredString(body, "username"));
  CRONIUM_ASSIGN_OR_RETURN(std::string password, RequiredString(body, "password"));
  CRONIUM_ASSIGN_OR_RETURN(auto display_name, body.String("displayName"));
  CRONIUM_ASSIGN_OR_RETURN(
      auto user, ctx_.auth_service.AcceptInvite(token, username, password,
                                                display_name.value_or(""), request.remote_address));
  return JsonResponse(201, RenderUser(user));
}

Result<Response> Handlers::Logout(Request&, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(ctx_.auth_service.Logout(principal));
  Response response{.status = 204};
  response.headers.emplace_back("Set-Cookie",
                                "cronium_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
  return response;
}

Result<Response> Handlers::Me(Request&, const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto user, ctx_.auth_service.GetUser(principal.user_id));
  json body = RenderUser(user);
  body["authMethod"] = principal.method == auth::AuthMethod::kSession ? "session" : "token";
  body["scope"] = ToString(principal.scope);
  if (principal.method == auth::AuthMethod::kToken) body["tokenId"] = principal.token_id;
  if (principal.method == auth::AuthMethod::kSession) body["csrfToken"] = principal.csrf_token;
  return JsonResponse(200, body);
}

Result<Response> Handlers::UpdateMe(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"displayName", "email"}));
  CRONIUM_ASSIGN_OR_RETURN(auto fields, ReadUserFields(body));
  CRONIUM_ASSIGN_OR_RETURN(auto user,
                           ctx_.auth_service.UpdateProfile(principal, std::move(fields)));
  return JsonResponse(200, RenderUser(user));
}

Result<Response> Handlers::ChangePassword(Request& request, const auth::Principal& principal) {
  if (principal.method == auth::AuthMethod::kToken && principal.scope == auth::Scope::kRead) {
    return MakeError(ErrorCode::kPermissionDenied, "a read token cannot change the password");
  }
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"currentPassword", "newPassword"}));
  CRONIUM_ASSIGN_OR_RETURN(std::string current, RequiredString(body, "currentPassword"));
  CRONIUM_ASSIGN_OR_RETURN(std::string replacement, RequiredString(body, "newPassword"));
  CRONIUM_RETURN_IF_ERROR(ctx_.auth_service.ChangePassword(principal, current, replacement));
  return Response{.status = 204};
}

Result<Response> Handlers::ListTokens(Request&, const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto tokens, ctx_.auth_service.ListApiTokens(principal));
  json items = json::array();
  for (const auto& token : tokens) items.push_back(RenderToken(token));
  return JsonResponse(200, {{"items", items}, {"nextCursor", nullptr}});
}

Result<Response> Handlers::CreateToken(Request& request, const auth::Principal& principal) {
  if (principal.method == auth::AuthMethod::kToken && principal.scope == auth::Scope::kRead) {
    return MakeError(ErrorCode::kPermissionDenied, "a read token cannot create tokens");
  }
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"name", "scope", "expiresAt", "expiresInDays"}));
  CRONIUM_ASSIGN_OR_RETURN(std::string name, RequiredString(body, "name"));
  CRONIUM_ASSIGN_OR_RETURN(auto scope_text, body.String("scope"));
  const auto scope = auth::ParseScope(scope_text.value_or("read"));
  if (!scope) return InvalidArgument("scope: read, write or admin");
  std::optional<TimePoint> expires_at;
  CRONIUM_ASSIGN_OR_RETURN(auto expires_text, body.String("expiresAt"));
  CRONIUM_ASSIGN_OR_RETURN(auto expires_days, body.Int("expiresInDays"));
  if (expires_text) {
    auto parsed = ParseRfc3339(*expires_text);
    if (!parsed) return InvalidArgument("expiresAt: an RFC 3339 timestamp");
    expires_at = *parsed;
  } else if (expires_days) {
    if (*expires_days < 1 || *expires_days > 3650) {
      return InvalidArgument("expiresInDays: 1 to 3650");
    }
    expires_at = ctx_.clock.Now() + std::chrono::hours(24 * *expires_days);
  }
  CRONIUM_ASSIGN_OR_RETURN(auto created,
                           ctx_.auth_service.CreateApiToken(principal, name, *scope, expires_at));
  json out = RenderToken(created.record);
  out["token"] = created.secret;
  return JsonResponse(201, out);
}

Result<Response> Handlers::RevokeToken(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(ctx_.auth_service.RevokeApiToken(principal, request.PathParam("id")));
  return Response{.status = 204};
}

Result<Response> Handlers::ListUsers(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireAdmin(principal));
  store::UserQuery query;
  CRONIUM_RETURN_IF_ERROR(ReadPaging(request, query.limit, query.before_id));
  CRONIUM_ASSIGN_OR_RETURN(auto users, ctx_.auth_service.ListUsers(query));
  json items = json::array();
  for (const auto& user : users) items.push_back(RenderUser(user));
  const bool full = static_cast<int>(users.size()) == query.limit;
  return JsonResponse(
      200, {{"items", items}, {"nextCursor", full ? json(users.back().id) : json(nullptr)}});
}

Result<Response> Handlers::CreateUser(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireAdmin(principal));
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_RETURN_IF_ERROR(
      body.RejectUnknown({"username", "email", "displayName", "password", "role", "status"}));
  CRONIUM_ASSIGN_OR_RETURN(auto fields, ReadUserFields(body));
  CRONIUM_ASSIGN_OR_RETURN(auto user, ctx_.auth_service.CreateUser(principal, std::move(fields)));
  return JsonResponse(201, RenderUser(user));
}

Result<Response> Handlers::InviteUser(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireAdmin(principal));
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"email", "role"}));
  CRONIUM_ASSIGN_OR_RETURN(std::string email, RequiredString(body, "email"));
  CRONIUM_ASSIGN_OR_RETURN(auto role, ReadRole(body));
  CRONIUM_ASSIGN_OR_RETURN(
      auto invitation,
      ctx_.auth_service.InviteUser(principal, email, role.value_or(store::UserRole::kUser)));
  return JsonResponse(201, {{"user", RenderUser(invitation.user)},
                            {"inviteToken", invitation.token},
                            {"expiresAt", FormatRfc3339(invitation.expires_at)}});
}

Result<Response> Handlers::GetUser(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireAdmin(principal));
  CRONIUM_ASSIGN_OR_RETURN(auto user, ctx_.auth_service.GetUser(request.PathParam("id")));
  return JsonResponse(200, RenderUser(user));
}

Result<Response> Handlers::UpdateUser(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireAdmin(principal));
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_RETURN_IF_ERROR(
      body.RejectUnknown({"username", "email", "displayName", "password", "role", "status"}));
  CRONIUM_ASSIGN_OR_RETURN(auto fields, ReadUserFields(body));
  CRONIUM_ASSIGN_OR_RETURN(auto user, ctx_.auth_service.UpdateUser(
                                          principal, request.PathParam("id"), std::move(fields)));
  return JsonResponse(200, RenderUser(user));
}

Result<Response> Handlers::DeleteUser(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireAdmin(principal));
  CRONIUM_RETURN_IF_ERROR(ctx_.auth_service.DeleteUser(principal, request.PathParam("id")));
  return Response{.status = 204};
}

Result<Response> Handlers::ListAudit(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireAdmin(principal));
  store::AuditQuery query;
  CRONIUM_RETURN_IF_ERROR(ReadPaging(request, query.limit, query.before_id));
  query.actor_id = request.QueryParam("actor").value_or("").substr(0, 64);
  query.action = request.QueryParam("action").value_or("").substr(0, 64);
  query.target_type = request.QueryParam("targetType").value_or("").substr(0, 64);
  query.target_id = request.QueryParam("targetId").value_or("").substr(0, 64);
  CRONIUM_ASSIGN_OR_RETURN(auto entries, ctx_.store.ListAudit(query));
  json items = json::array();
  for (const auto& entry : entries) items.push_back(RenderAudit(entry));
  const bool full = static_cast<int>(entries.size()) == query.limit;
  return JsonResponse(
      200, {{"items", items}, {"nextCursor", full ? json(entries.back().id) : json(nullptr)}});
}

Result<Response> Handlers::RotateKeys(Request&, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireAdmin(principal));
  if (!ctx_.rotate_keys) return FailedPrecondition("key rotation is not available here");
  CRONIUM_ASSIGN_OR_RETURN(int events, ctx_.rotate_keys(principal.ToActor()));
  return JsonResponse(200, {{"rotated", true}, {"reencryptedEvents", events}});
}

}  // namespace cronium::api::internal
