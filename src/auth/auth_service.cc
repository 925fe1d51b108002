#include "auth/auth_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "auth/passwords.h"
#include "base/ids.h"
#include "base/utf8.h"

namespace cronium::auth {
namespace {

using nlohmann::json;
using store::UserRole;
using store::UserStatus;

constexpr std::string_view kTokenPrefix = "crn_";
constexpr std::string_view kSessionPrefix = "crs_";
constexpr std::string_view kInvitePrefix = "inv_";
constexpr size_t kSecretLength = 4 + 43;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

Error Unauthenticated(std::string message) {
  return Error{ErrorCode::kUnauthenticated, std::move(message)};
}

bool ValidUsername(const std::string& name) {
  if (name.size() < 2 || name.size() > 64) return false;
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '.' || c == '_' || c == '-';
  });
}

bool ValidEmail(const std::string& email) {
  const size_t at = email.find('@');
  return email.size() >= 3 && email.size() <= 254 && at != std::string::npos && at > 0 &&
         at + 1 < email.size() && email.find('@', at + 1) == std::string::npos &&
         email.find_first_of(" \t\r\n<>\"") == std::string::npos && IsValidUtf8(email);
}

Scope WidestScopeFor(UserRole role) {
  switch (role) {
    case UserRole::kAdmin:
      return Scope::kAdmin;
    case UserRole::kUser:
      return Scope::kWrite;
    case UserRole::kViewer:
      return Scope::kRead;
  }
  return Scope::kRead;
}

// A real Argon2id hash to verify against when the user does not exist, so that unknown users
// take as long to reject as wrong passwords.
const std::string& DummyHash() {
  static const std::string hash = HashPassword("not-a-real-password-at-all").value_or("");
  return hash;
}

json UserDetails(const store::UserRecord& user) {
  return {{"username", user.username},
          {"email", user.email},
          {"role", ToString(user.role)},
          {"status", ToString(user.status)}};
}

}  // namespace

AuthService::AuthService(AuthOptions options, store::Store& store, crypto::SecretHasher hasher,
                         const Clock& clock)
    : options_(options),
      store_(store),
      hasher_(std::move(hasher)),
      clock_(clock),
      login_accounts_(options.login_per_account, clock),
      login_addresses_(options.login_per_address, clock),
      token_requests_(options.requests_per_token, clock) {}

store::AuditEntry AuthService::Audit(const store::Actor& actor, std::string action,
                                     std::string target_type, std::string target_id,
                                     std::string details) const {
  return store::MakeAudit(actor, clock_.Now(), std::move(action), std::move(target_type),
                          std::move(target_id), std::move(details));
}

Result<std::optional<std::pair<store::UserRecord, std::string>>>
AuthService::CreateFirstAdminIfNone() {
  CRONIUM_ASSIGN_OR_RETURN(int64_t users, store_.CountUsers());
  if (users > 0) return std::optional<std::pair<store::UserRecord, std::string>>();
  const std::string password = NewRandomPassword();
  store::UserRecord admin;
  const TimePoint now = clock_.Now();
  admin.id = NewId("usr", now);
  admin.username = "admin";
  admin.email = "admin@localhost";
  admin.display_name = "Administrator";
  admin.role = UserRole::kAdmin;
  admin.status = UserStatus::kActive;
  CRONIUM_ASSIGN_OR_RETURN(admin.password_hash, HashPassword(password));
  admin.must_change_password = true;  // printed on a terminal: they choose their own
  admin.created_at = admin.updated_at = now;
  auto inserted = store_.InsertUser(
      admin,
      Audit(store::Actor{}, "user.create", "user", admin.id,
            json{{"username", "admin"}, {"role", "ADMIN"}, {"reason", "first start"}}.dump()));
  if (!inserted && inserted.error().code == ErrorCode::kAlreadyExists) {
    return std::optional<std::pair<store::UserRecord, std::string>>();  // another process won
  }
  CRONIUM_RETURN_IF_ERROR(inserted);
  return std::optional<std::pair<store::UserRecord, std::string>>(std::make_pair(admin, password));
}

Result<NewApiToken> AuthService::BootstrapAdminToken() {
  CRONIUM_ASSIGN_OR_RETURN(int64_t admins, store_.CountActiveAdmins());
  if (admins == 0) {
    CRONIUM_ASSIGN_OR_RETURN(auto created, CreateFirstAdminIfNone());
    if (!created) {
      return FailedPrecondition(
          "users exist but none is an active admin; ask an admin to restore one");
    }
  }
  std::optional<store::UserRecord> admin;
  store::UserQuery query{.limit = 200};
  for (;;) {
    CRONIUM_ASSIGN_OR_RETURN(auto page, store_.ListUsers(query));
    for (const auto& user : page) {
      if (user.role == UserRole::kAdmin && user.status == UserStatus::kActive) admin = user;
    }
    if (page.size() < 200) break;
    query.before_id = page.back().id;
  }
  if (!admin) return FailedPrecondition("no active admin found");
  CRONIUM_ASSIGN_OR_RETURN(Principal principal, PrincipalFor(*admin));
  principal.source = "bootstrap";
  return CreateApiToken(principal, "bootstrap", Scope::kAdmin, std::nullopt);
}

Result<Principal> AuthService::PrincipalFor(const store::UserRecord& user) const {
  if (user.status != UserStatus::kActive) {
    return tl::unexpected(Unauthenticated("the account is not active"));
  }
  Principal principal;
  principal.user_id = user.id;
  principal.username = user.username;
  principal.role = user.role;
  principal.scope = WidestScopeFor(user.role);
  return principal;
}

Result<LoginResult> AuthService::Login(const std::string& login, const std::string& password,
                                       const std::string& source) {
  const std::string account = Lower(login.substr(0, 254));
  store::Actor anonymous{.type = "anonymous", .id = "", .name = account, .source = source};
  if (const int64_t wait = login_addresses_.Take("addr:" + source); wait > 0) {
    return tl::unexpected(Error{ErrorCode::kResourceExhausted,
                                fmt::format("too many login attempts from this address; try "
                                            "again in {} s",
                                            wait),
                                wait});
  }
  if (const int64_t wait = login_accounts_.Peek("acct:" + account); wait > 0) {
    (void)store_.AppendAudit(
        Audit(anonymous, "auth.login", "user", "", R"({"reason":"rate limited"})"));
    return tl::unexpected(Error{
        ErrorCode::kResourceExhausted,
        fmt::format("too many failed logins for this account; try again in {} s", wait), wait});
  }
  auto user = account.empty() ? Result<store::UserRecord>(NotFound("empty"))
                              : store_.FindUserByLogin(account);
  if (!user && user.error().code != ErrorCode::kNotFound) return tl::unexpected(user.error());
  const bool password_ok = user ? VerifyPassword(user->password_hash, password)
                                : (VerifyPassword(DummyHash(), password), false);
  if (!user || !password_ok || user->status != UserStatus::kActive) {
    (void)login_accounts_.Take("acct:" + account);
    auto entry = Audit(anonymous, "auth.login", "user", user ? user->id : "",
                       json{{"reason", !user          ? "unknown user"
                                       : !password_ok ? "wrong password"
                                                      : "account not active"}}
                           .dump());
    entry.outcome = "failure";
    (void)store_.AppendAudit(entry);
    return tl::unexpected(Unauthenticated("invalid username or password"));
  }
  login_accounts_.Reset("acct:" + account);
  const TimePoint now = clock_.Now();
  LoginResult result;
  result.session_secret = crypto::NewSecretToken(kSessionPrefix);
  result.csrf_token = crypto::NewSecretToken("");
  result.expires_at = now + options_.session_lifetime;
  store::SessionRecord session;
  session.id = NewId("ses", now);
  session.token_hash = hasher_.Hash(result.session_secret);
  session.user_id = user->id;
  session.csrf_token = result.csrf_token;
  session.created_at = now;
  session.expires_at = result.expires_at;
  session.source = source;
  store::Actor actor{.type = "user", .id = user->id, .name = user->username, .source = source};
  CRONIUM_RETURN_IF_ERROR(
      store_.InsertSession(session, Audit(actor, "auth.login", "user", user->id)));
  user->last_login_at = now;
  CRONIUM_RETURN_IF_ERROR(store_.UpdateUser(*user, {}));
  result.user = std::move(*user);
  return result;
}

Status AuthService::Logout(const Principal& principal) {
  if (principal.method != AuthMethod::kSession) {
    return InvalidArgument("logout ends a browser session; revoke API tokens instead");
  }
  return store_.RevokeSession(principal.session_id, clock_.Now(),
                              Audit(principal.ToActor(), "auth.logout", "user", principal.user_id));
}

Result<Principal> AuthService::AuthenticateSession(const std::string& secret,
                                                   const std::string& source) {
  if (secret.size() != kSecretLength || secret.rfind(kSessionPrefix, 0) != 0) {
    return tl::unexpected(Unauthenticated("the session is not valid; log in again"));
  }
  auto session = store_.FindSessionByHash(hasher_.Hash(secret));
  if (!session) {
    if (session.error().code == ErrorCode::kNotFound) {
      return tl::unexpected(Unauthenticated("the session is not valid; log in again"));
    }
    return tl::unexpected(session.error());
  }
  if (session->revoked_at || session->expires_at <= clock_.Now()) {
    return tl::unexpected(Unauthenticated("the session has ended; log in again"));
  }
  auto user = store_.GetUser(session->user_id);
  if (!user) return tl::unexpected(Unauthenticated("the account no longer exists"));
  CRONIUM_ASSIGN_OR_RETURN(Principal principal, PrincipalFor(*user));
  principal.method = AuthMethod::kSession;
  principal.session_id = session->id;
  principal.csrf_token = session->csrf_token;
  principal.source = source;
  return principal;
}

Result<Principal> AuthService::AuthenticateToken(const std::string& secret,
                                                 const std::string& source) {
  if (secret.size() != kSecretLength || secret.rfind(kTokenPrefix, 0) != 0) {
    return tl::unexpected(Unauthenticated("the API token is not valid"));
  }
  const std::string hash = hasher_.Hash(secret);
  const TimePoint now = clock_.Now();
  std::optional<store::ApiTokenRecord> token;
  std::optional<store::UserRecord> user;
  {
    std::lock_guard lock(cache_mutex_);
    auto cached = token_cache_.find(hash);
    if (cached != token_cache_.end() && now - cached->second.cached_at < options_.token_cache_ttl &&
        now >= cached->second.cached_at) {
      token = cached->second.token;
      user = cached->second.user;
    }
  }
  if (!token) {
    auto found = store_.FindApiTokenByHash(hash);
    if (!found) {
      if (found.error().code == ErrorCode::kNotFound) {
        return tl::unexpected(Unauthenticated("the API token is not valid"));
      }
      return tl::unexpected(found.error());
    }
    auto owner = store_.GetUser(found->user_id);
    if (!owner) return tl::unexpected(Unauthenticated("the account no longer exists"));
    token = std::move(*found);
    user = std::move(*owner);
    if (options_.token_cache_ttl.count() > 0) {
      std::lock_guard lock(cache_mutex_);
      if (token_cache_.size() >= 10'000) token_cache_.clear();
      token_cache_[hash] = CachedToken{*token, *user, now};
    }
  }
  if (token->revoked_at) return tl::unexpected(Unauthenticated("the API token was revoked"));
  if (token->expires_at && *token->expires_at <= now) {
    return tl::unexpected(Unauthenticated("the API token has expired"));
  }
  CRONIUM_ASSIGN_OR_RETURN(Principal principal, PrincipalFor(*user));
  if (const int64_t wait = token_requests_.Take(token->id); wait > 0) {
    return tl::unexpected(Error{ErrorCode::kResourceExhausted,
                                "too many requests with this API token; slow down", wait});
  }
  principal.method = AuthMethod::kToken;
  principal.scope =
      std::min(ParseScope(token->scope).value_or(Scope::kRead), WidestScopeFor(user->role));
  principal.token_id = token->id;
  principal.token_name = token->name;
  principal.source = source;
  bool touch = false;
  {
    std::lock_guard lock(touch_mutex_);
    auto& last = last_touch_[token->id];
    if (now - last >= options_.token_touch_interval) {
      last = now;
      touch = true;
    }
  }
  if (touch) (void)store_.TouchApiToken(token->id, now);
  return principal;
}

void AuthService::ClearTokenCache() {
  std::lock_guard lock(cache_mutex_);
  token_cache_.clear();
}

Result<NewApiToken> AuthService::CreateApiToken(const Principal& principal, const std::string& name,
                                                Scope scope, std::optional<TimePoint> expires_at) {
  if (name.empty() || name.size() > 100 || !IsValidUtf8(name)) {
    return InvalidArgument("name: 1 to 100 characters");
  }
  if (scope > WidestScopeFor(principal.role)) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("a {} cannot hold a token with the {} scope",
                                 ToString(principal.role), ToString(scope)));
  }
  if (principal.method == AuthMethod::kToken && scope > principal.scope) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "a token cannot create a token with a wider scope than its own");
  }
  const TimePoint now = clock_.Now();
  if (expires_at && *expires_at <= now) {
    return InvalidArgument("expiresAt: must be in the future");
  }
  NewApiToken created;
  created.secret = crypto::NewSecretToken(kTokenPrefix);
  auto& r = created.record;
  r.id = NewId("tok", now);
  r.token_hash = hasher_.Hash(created.secret);
  r.user_id = principal.user_id;
  r.name = name;
  r.scope = std::string(ToString(scope));
  r.prefix = created.secret.substr(0, 10);
  r.created_at = now;
  r.expires_at = expires_at;
  CRONIUM_RETURN_IF_ERROR(store_.InsertApiToken(
      r, Audit(principal.ToActor(), "token.create", "token", r.id,
               json{{"name", name}, {"scope", r.scope}, {"prefix", r.prefix}}.dump())));
  return created;
}

Result<std::vector<store::ApiTokenRecord>> AuthService::ListApiTokens(const Principal& principal) {
  return store_.ListApiTokens(principal.user_id);
}

Status AuthService::RevokeApiToken(const Principal& principal, const std::string& token_id) {
  auto token = IsWellFormedId(token_id) ? store_.GetApiToken(token_id)
                                        : Result<store::ApiTokenRecord>(NotFound(""));
  if (!token || (token->user_id != principal.user_id && !principal.IsAdmin())) {
    return NotFound(fmt::format("token {} not found", token_id.substr(0, 64)));
  }
  Status revoked =
      store_.RevokeApiToken(token_id, clock_.Now(),
                            Audit(principal.ToActor(), "token.revoke", "token", token_id,
                                  json{{"name", token->name}, {"owner", token->user_id}}.dump()));
  ClearTokenCache();  // after the store write, so nothing re-caches the old state
  return revoked;
}

Status AuthService::ValidateUserFields(const UserFields& f, bool creating) const {
  if (creating && (!f.username || !f.email)) {
    return InvalidArgument("username and email are required");
  }
  if (f.username && !ValidUsername(Lower(*f.username))) {
    return InvalidArgument(
        "username: 2 to 64 characters: letters, digits, '.', '_' or '-', starting with a letter "
        "or digit");
  }
  if (f.email && !ValidEmail(Lower(*f.email))) {
    return InvalidArgument("email: not an email address");
  }
  if (f.display_name && (f.display_name->size() > 100 || !IsValidUtf8(*f.display_name))) {
    return InvalidArgument("displayName: at most 100 characters of UTF-8");
  }
  if (f.password) CRONIUM_RETURN_IF_ERROR(CheckPasswordRules(*f.password));
  return OkStatus();
}

Status AuthService::KeepAnAdmin(const store::UserRecord& before,
                                const store::UserRecord& after) const {
  const bool was_admin = before.role == UserRole::kAdmin && before.status == UserStatus::kActive;
  const bool is_admin = after.role == UserRole::kAdmin && after.status == UserStatus::kActive;
  if (!was_admin || is_admin) return OkStatus();
  CRONIUM_ASSIGN_OR_RETURN(int64_t admins, store_.CountActiveAdmins());
  if (admins <= 1) {
    return FailedPrecondition("this is the last active admin; make another user admin first");
  }
  return OkStatus();
}

Result<store::UserRecord> AuthService::CreateUser(const Principal& admin, UserFields f) {
  CRONIUM_RETURN_IF_ERROR(ValidateUserFields(f, true));
  if (!f.password) return InvalidArgument("password: required (or invite the user instead)");
  const TimePoint now = clock_.Now();
  store::UserRecord user;
  user.id = NewId("usr", now);
  user.username = Lower(*f.username);
  user.email = Lower(*f.email);
  user.display_name = f.display_name.value_or(user.username);
  user.role = f.role.value_or(UserRole::kUser);
  user.status = f.status.value_or(UserStatus::kActive);
  if (user.status == UserStatus::kInvited) return InvalidArgument("status: ACTIVE or DISABLED");
  CRONIUM_ASSIGN_OR_RETURN(user.password_hash, HashPassword(*f.password));
  user.created_at = user.updated_at = now;
  CRONIUM_RETURN_IF_ERROR(store_.InsertUser(
      user, Audit(admin.ToActor(), "user.create", "user", user.id, UserDetails(user).dump())));
  return user;
}

Result<Invitation> AuthService::InviteUser(const Principal& admin, const std::string& email,
                                           UserRole role) {
  UserFields fields;
  fields.email = email;
  CRONIUM_RETURN_IF_ERROR(ValidateUserFields(fields, false));
  const TimePoint now = clock_.Now();
  Invitation invitation;
  invitation.token = crypto::NewSecretToken(kInvitePrefix);
  invitation.expires_at = now + options_.invite_lifetime;
  auto& user = invitation.user;
  user.id = NewId("usr", now);
  user.username = "invited-" + user.id.substr(4);
  user.email = Lower(email);
  user.role = role;
  user.status = UserStatus::kInvited;
  user.invite_hash = hasher_.Hash(invitation.token);
  user.invite_expires_at = invitation.expires_at;
  user.created_at = user.updated_at = now;
  CRONIUM_RETURN_IF_ERROR(store_.InsertUser(
      user, Audit(admin.ToActor(), "user.invite", "user", user.id, UserDetails(user).dump())));
  return invitation;
}

Result<store::UserRecord> AuthService::AcceptInvite(const std::string& token,
                                                    const std::string& username,
                                                    const std::string& password,
                                                    const std::string& display_name,
                                                    const std::string& source) {
  if (token.size() != kSecretLength || token.rfind(kInvitePrefix, 0) != 0) {
    return NotFound("the invitation is not valid");
  }
  auto user = store_.FindUserByInviteHash(hasher_.Hash(token));
  if (!user || user->status != UserStatus::kInvited) {
    return NotFound("the invitation is not valid or was already used");
  }
  if (!user->invite_expires_at || *user->invite_expires_at <= clock_.Now()) {
    return FailedPrecondition("the invitation has expired; ask an admin for a new one");
  }
  UserFields fields;
  fields.username = username;
  fields.password = password;
  fields.display_name = display_name;
  CRONIUM_RETURN_IF_ERROR(ValidateUserFields(fields, false));
  user->username = Lower(username);
  user->display_name = display_name.empty() ? user->username : display_name;
  CRONIUM_ASSIGN_OR_RETURN(user->password_hash, HashPassword(password));
  user->status = UserStatus::kActive;
  user->invite_hash.reset();
  user->invite_expires_at.reset();
  user->updated_at = clock_.Now();
  store::Actor actor{.type = "user", .id = user->id, .name = user->username, .source = source};
  CRONIUM_RETURN_IF_ERROR(store_.UpdateUser(
      *user, Audit(actor, "user.accept_invite", "user", user->id, UserDetails(*user).dump())));
  return std::move(*user);
}

Result<store::UserRecord> AuthService::UpdateUser(const Principal& admin,
                                                  const std::string& user_id, UserFields f) {
  CRONIUM_RETURN_IF_ERROR(ValidateUserFields(f, false));
  CRONIUM_ASSIGN_OR_RETURN(store::UserRecord before, GetUser(user_id));
  store::UserRecord user = before;
  if (f.username) user.username = Lower(*f.username);
  if (f.email) user.email = Lower(*f.email);
  if (f.display_name) user.display_name = *f.display_name;
  if (f.role) user.role = *f.role;
  if (f.status) {
    if (*f.status == UserStatus::kInvited || before.status == UserStatus::kInvited) {
      return InvalidArgument("status: an invitation is accepted by the invited user");
    }
    user.status = *f.status;
  }
  if (f.password) {
    CRONIUM_ASSIGN_OR_RETURN(user.password_hash, HashPassword(*f.password));
  }
  CRONIUM_RETURN_IF_ERROR(KeepAnAdmin(before, user));
  user.updated_at = clock_.Now();
  json details = UserDetails(user);
  if (f.password) details["password"] = "changed";
  CRONIUM_RETURN_IF_ERROR(store_.UpdateUser(
      user, Audit(admin.ToActor(), "user.update", "user", user.id, details.dump())));
  ClearTokenCache();
  if (f.password || user.status != UserStatus::kActive) {
    CRONIUM_RETURN_IF_ERROR(store_.RevokeUserSessions(user.id, "", clock_.Now()));
  }
  return user;
}

Status AuthService::DeleteUser(const Principal& admin, const std::string& user_id) {
  CRONIUM_ASSIGN_OR_RETURN(store::UserRecord user, GetUser(user_id));
  store::UserRecord gone = user;
  gone.status = UserStatus::kDisabled;
  CRONIUM_RETURN_IF_ERROR(KeepAnAdmin(user, gone));
  Status deleted = store_.DeleteUser(
      user_id, Audit(admin.ToActor(), "user.delete", "user", user_id, UserDetails(user).dump()));
  ClearTokenCache();
  return deleted;
}

Result<std::vector<store::UserRecord>> AuthService::ListUsers(const store::UserQuery& query) {
  return store_.ListUsers(query);
}

Result<store::UserRecord> AuthService::GetUser(const std::string& user_id) {
  if (!IsWellFormedId(user_id))
    return NotFound(fmt::format("user {} not found", user_id.substr(0, 64)));
  return store_.GetUser(user_id);
}

Status AuthService::ChangePassword(const Principal& principal, const std::string& current,
                                   const std::string& replacement) {
  CRONIUM_ASSIGN_OR_RETURN(store::UserRecord user, GetUser(principal.user_id));
  if (!VerifyPassword(user.password_hash, current)) {
    return MakeError(ErrorCode::kPermissionDenied, "the current password is wrong");
  }
  CRONIUM_ASSIGN_OR_RETURN(user.password_hash, HashPassword(replacement));
  user.must_change_password = false;
  user.updated_at = clock_.Now();
  CRONIUM_RETURN_IF_ERROR(store_.UpdateUser(
      user,
      Audit(principal.ToActor(), "user.password", "user", user.id, R"({"password":"changed"})")));
  return store_.RevokeUserSessions(user.id, principal.session_id, clock_.Now());
}

Result<store::UserRecord> AuthService::UpdateProfile(const Principal& principal, UserFields f) {
  if (f.role || f.status || f.password || f.username) {
    return InvalidArgument("only displayName and email can be changed here");
  }
  CRONIUM_RETURN_IF_ERROR(ValidateUserFields(f, false));
  CRONIUM_ASSIGN_OR_RETURN(store::UserRecord user, GetUser(principal.user_id));
  if (f.email) user.email = Lower(*f.email);
  if (f.display_name) user.display_name = *f.display_name;
  user.updated_at = clock_.Now();
  CRONIUM_RETURN_IF_ERROR(store_.UpdateUser(
      user, Audit(principal.ToActor(), "user.update", "user", user.id, UserDetails(user).dump())));
  ClearTokenCache();
  return user;
}

}  // namespace cronium::auth
