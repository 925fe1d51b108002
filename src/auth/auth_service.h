#pragma once

// Users, sessions and API tokens: the first admin, invitations, logins with rate limits,
// browser sessions with CSRF tokens, scoped API tokens (stored as keyed hashes, shown once),
// and authentication of every request. Each change writes its audit row in the same
// transaction. Thread-safe.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/principal.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/rate_limiter.h"
#include "crypto/secrets.h"
#include "store/store.h"

namespace cronium::auth {

struct AuthOptions {
  std::chrono::seconds session_lifetime{12 * 3600};
  std::chrono::seconds invite_lifetime{7 * 24 * 3600};
  RateLimit login_per_account{.capacity = 5, .per_second = 1.0 / 60};   // 5, then 1 a minute
  RateLimit login_per_address{.capacity = 20, .per_second = 1.0 / 15};  // 20, then 4 a minute
  RateLimit requests_per_token{.capacity = 2'000, .per_second = 1'000};
  std::chrono::seconds token_touch_interval{60};  // how often last-used is written
  // How long a verified token and its user are reused without reading the store. Revoking a
  // token or changing a user clears the cache at once; 0 disables it.
  std::chrono::milliseconds token_cache_ttl{2'000};
};

struct UserFields {
  std::optional<std::string> email;
  std::optional<std::string> username;
  std::optional<std::string> display_name;
  std::optional<store::UserRole> role;
  std::optional<store::UserStatus> status;
  std::optional<std::string> password;
};

struct LoginResult {
  std::string session_secret;  // the cookie value; shown once
  std::string csrf_token;
  TimePoint expires_at;
  store::UserRecord user;
};

struct NewApiToken {
  store::ApiTokenRecord record;
  std::string secret;  // "crn_..."; shown once
};

struct Invitation {
  store::UserRecord user;
  std::string token;  // "inv_..."; shown once
  TimePoint expires_at;
};

class AuthService {
 public:
  AuthService(AuthOptions options, store::Store& store, crypto::SecretHasher hasher,
              const Clock& clock);

  // First start: if there are no users, creates the ADMIN "admin" with a random password and
  // returns it; nullopt if users exist.
  Result<std::optional<std::pair<store::UserRecord, std::string>>> CreateFirstAdminIfNone();
  // `cronium admin bootstrap`: ensures an admin exists and returns a new admin-scope token for
  // the first active admin.
  Result<NewApiToken> BootstrapAdminToken();

  // kUnauthenticated ("invalid username or password") for any mismatch, unknown user or
  // disabled account; kResourceExhausted with retry_after_seconds when rate limited.
  Result<LoginResult> Login(const std::string& login, const std::string& password,
                            const std::string& source);
  Status Logout(const Principal& principal);

  // Resolves a session cookie value or a bearer token. kUnauthenticated if unknown, revoked,
  // expired or the user is not active; kResourceExhausted when the token's request budget is
  // spent.
  Result<Principal> AuthenticateSession(const std::string& secret, const std::string& source);
  Result<Principal> AuthenticateToken(const std::string& secret, const std::string& source);

  Result<NewApiToken> CreateApiToken(const Principal& principal, const std::string& name,
                                     Scope scope, std::optional<TimePoint> expires_at);
  Result<std::vector<store::ApiTokenRecord>> ListApiTokens(const Principal& principal);
  Status RevokeApiToken(const Principal& principal, const std::string& token_id);

  // Admin operations (the caller checks RequireAdmin).
  Result<store::UserRecord> CreateUser(const Principal& admin, UserFields fields);
  Result<Invitation> InviteUser(const Principal& admin, const std::string& email,
                                store::UserRole role);
  Result<store::UserRecord> UpdateUser(const Principal& admin, const std::string& user_id,
                                       UserFields fields);
  Status DeleteUser(const Principal& admin, const std::string& user_id);
  Result<std::vector<store::UserRecord>> ListUsers(const store::UserQuery& query);
  Result<store::UserRecord> GetUser(const std::string& user_id);

  // Anyone holding an invitation.
  Result<store::UserRecord> AcceptInvite(const std::string& token, const std::string& username,
                                         const std::string& password,
                                         const std::string& display_name,
                                         const std::string& source);
  // The caller's own account. Changing the password revokes their other sessions.
  Status ChangePassword(const Principal& principal, const std::string& current,
                        const std::string& replacement);
  Result<store::UserRecord> UpdateProfile(const Principal& principal, UserFields fields);

 private:
  Result<Principal> PrincipalFor(const store::UserRecord& user) const;
  Status ValidateUserFields(const UserFields& fields, bool creating) const;
  store::AuditEntry Audit(const store::Actor& actor, std::string action, std::string target_type,
                          std::string target_id, std::string details = "{}") const;
  Status KeepAnAdmin(const store::UserRecord& before, const store::UserRecord& after) const;

  // Immutable after construction.
  const AuthOptions options_;
  store::Store& store_;
  const crypto::SecretHasher hasher_;
  const Clock& clock_;

  void ClearTokenCache();

  struct CachedToken {
    store::ApiTokenRecord token;
    store::UserRecord user;
    TimePoint cached_at;
  };

  RateLimiter login_accounts_;
  RateLimiter login_addresses_;
  RateLimiter token_requests_;
  std::mutex touch_mutex_;
  std::unordered_map<std::string, TimePoint> last_touch_;  // Guarded by touch_mutex_.
  std::mutex cache_mutex_;
  std::unordered_map<std::string, CachedToken> token_cache_;  // by hash; Guarded by cache_mutex_
};

}  // namespace cronium::auth
