#include "runtime/execution_tokens.h"

#include <nlohmann/json.hpp>

namespace cronium::runtime {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr seconds kClockSkew{60};

int64_t UnixSeconds(TimePoint at) {
  return std::chrono::duration_cast<seconds>(at.time_since_epoch()).count();
}

tl::unexpected<Error> Invalid(std::string why) {
  return MakeError(ErrorCode::kUnauthenticated, "invalid or expired token: " + std::move(why));
}

// A string claim; a number is accepted (and printed as an integer) where `numbers` is set.
std::string StringClaim(const json& claims, const char* name, bool numbers = false) {
  const auto found = claims.find(name);
  if (found == claims.end()) return "";
  if (found->is_string()) return found->get<std::string>();
  if (numbers && found->is_number_integer()) return std::to_string(found->get<int64_t>());
  return "";
}

}  // namespace

std::string ExecutionTokens::Issue(const ExecutionClaims& claims) const {
  const json payload = {{"executionId", claims.execution_id},
                        {"jobId", claims.job_id},
                        {"userId", claims.user_id},
                        {"eventId", claims.event_id},
                        {"iat", UnixSeconds(clock_.Now())},
                        {"exp", UnixSeconds(claims.expires_at)},
                        {"iss", kTokenIssuer},
                        {"scope", kTokenScope}};
  return signer_.Sign(payload.dump());
}

Result<ExecutionClaims> ExecutionTokens::Verify(std::string_view token) const {
  CRONIUM_ASSIGN_OR_RETURN(std::string payload, signer_.Verify(token));
  const json claims = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return Invalid("its payload is not a JSON object");
  if (StringClaim(claims, "iss") != kTokenIssuer || StringClaim(claims, "scope") != kTokenScope) {
    return Invalid("not an execution token of this server");
  }
  const auto iat = claims.find("iat");
  const auto exp = claims.find("exp");
  if (iat == claims.end() || !iat->is_number() || exp == claims.end() || !exp->is_number()) {
    return Invalid("iat and exp are required");
  }
  const int64_t now = UnixSeconds(clock_.Now());
  if (exp->get<double>() <= static_cast<double>(now)) return Invalid("it expired");
  if (iat->get<double>() > static_cast<double>(now + kClockSkew.count())) {
    return Invalid("it was issued in the future");
  }
  if (const auto nbf = claims.find("nbf"); nbf != claims.end()) {
    if (!nbf->is_number() || nbf->get<double>() > static_cast<double>(now + kClockSkew.count())) {
      return Invalid("it is not valid yet");
    }
  }
  ExecutionClaims out;
  out.execution_id = StringClaim(claims, "executionId");
  if (out.execution_id.empty()) return Invalid("executionId is required");
  out.job_id = StringClaim(claims, "jobId");
  if (out.job_id.empty()) out.job_id = StringClaim(claims, "job_id");
  out.user_id = StringClaim(claims, "userId");
  out.event_id = StringClaim(claims, "eventId", /*numbers=*/true);
  out.issued_at = TimePoint(seconds(iat->get<int64_t>()));
  out.expires_at = TimePoint(seconds(exp->get<int64_t>()));
  return out;
}

}  // namespace cronium::runtime
