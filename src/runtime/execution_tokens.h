#pragma once

// Execution tokens: the credential a script uses to reach the runtime API (issue #7). A JWT
// (HS256) signed with a key derived from the master key for this purpose alone, carrying the
// claims the original system's SDKs and services expect: executionId, jobId, userId, eventId (a
// string), iat, exp (seconds), plus iss "cronium" and scope "runtime". The token only proves
// which execution it was issued for; whether that execution is still running is the runtime
// API's check.

#include <chrono>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/error.h"
#include "crypto/secrets.h"

namespace cronium::runtime {

inline constexpr std::string_view kTokenIssuer = "cronium";
inline constexpr std::string_view kTokenScope = "runtime";

struct ExecutionClaims {
  std::string execution_id;
  std::string job_id;
  std::string user_id;
  std::string event_id;
  TimePoint issued_at;
  TimePoint expires_at;
};

class ExecutionTokens {
 public:
  ExecutionTokens(crypto::JwtSigner signer, const Clock& clock)
      : signer_(std::move(signer)), clock_(clock) {}

  // A token for `claims`, issued now; `expires_at` is the run's deadline plus a grace.
  std::string Issue(const ExecutionClaims& claims) const;

  // The claims of a valid token. kUnauthenticated for a bad signature or algorithm, a token
  // of another issuer or scope, one that expired (or whose iat or nbf lies ahead, beyond a
  // minute of clock skew), or one without executionId, iat or exp. "job_id" is accepted for
  // "jobId", and a numeric eventId as a string.
  Result<ExecutionClaims> Verify(std::string_view token) const;

 private:
  crypto::JwtSigner signer_;
  const Clock& clock_;
};

}  // namespace cronium::runtime
