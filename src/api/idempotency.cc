#include "api/internal/idempotency.h"

#include <fmt/format.h>

#include "crypto/secrets.h"
#include "http/router.h"
#include "store/store.h"

namespace cronium::api::internal {
namespace {

bool IsPrintable(std::string_view key) {
  for (char c : key) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

Result<std::optional<std::string>> IdempotentRequest::HeaderKey(const http::Request& request) {
  const auto header = request.Header(kIdempotencyHeader);
  if (!header) return std::optional<std::string>();
  if (header->empty() || header->size() > kMaxIdempotencyKeyBytes || !IsPrintable(*header)) {
    return InvalidArgument(
        fmt::format("Idempotency-Key: 1 to {} printable ASCII characters (a new random value "
                    "per request, e.g. a UUID, sent again with each retry of that request)",
                    kMaxIdempotencyKeyBytes));
  }
  return std::optional<std::string>(*header);
}

Result<IdempotentRequest> IdempotentRequest::FromHeader(const http::Request& request,
                                                        std::string principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto key, HeaderKey(request));
  if (!key) return IdempotentRequest();
  return IdempotentRequest(std::move(principal),
                           fmt::format("{} {}", http::ToString(request.method), request.path),
                           {std::move(*key)}, request.body);
}

IdempotentRequest::IdempotentRequest(std::string principal, std::string scope,
                                     std::vector<std::string> keys, std::string_view body)
    : principal_(std::move(principal)),
      scope_(std::move(scope)),
      keys_(std::move(keys)),
      request_hash_(crypto::Sha256Hex(body)) {}

Result<std::optional<http::Response>> IdempotentRequest::Replay(store::Store& store,
                                                                TimePoint now) const {
  for (const std::string& key : keys_) {
    CRONIUM_ASSIGN_OR_RETURN(auto record, store.FindIdempotencyRecord(principal_, key, now));
    if (!record) continue;
    if (record->scope != scope_) {
      return http::Response::Json(
          422, http::ErrorBody("IDEMPOTENCY_KEY_REUSED",
                               fmt::format("this Idempotency-Key was used for another request "
                                           "({}) in the last {} hours; send a new key with a new "
                                           "request",
                                           record->scope, kIdempotencyLifetime.count())));
    }
    // Not secret, but compared as such: it costs nothing.
    if (!crypto::ConstantTimeEquals(record->request_hash, request_hash_)) {
      return http::Response::Json(
          422, http::ErrorBody("IDEMPOTENCY_KEY_REUSED",
                               fmt::format("this Idempotency-Key was used with another body in "
                                           "the last {} hours; a retry must send the same body, "
                                           "a new request a new key",
                                           kIdempotencyLifetime.count())));
    }
    http::Response response = http::Response::Json(record->status, std::move(record->body));
    if (!record->location.empty()) response.headers.emplace_back("Location", record->location);
    response.headers.emplace_back("Idempotent-Replayed", "true");
    return std::optional<http::Response>(std::move(response));
  }
  return std::optional<http::Response>();
}

store::IdempotencyRecords IdempotentRequest::Records(const http::Response& answer,
                                                     TimePoint now) const {
  std::string location;
  for (const auto& [name, value] : answer.headers) {
    if (name == "Location") location = value;
  }
  store::IdempotencyRecords records;
  for (const std::string& key : keys_) {
    records.push_back({.principal = principal_,
                       .key = key,
                       .scope = scope_,
                       .request_hash = request_hash_,
                       .status = answer.status,
                       .body = answer.body,
                       .location = location,
                       .created_at = now,
                       .expires_at = now + kIdempotencyLifetime});
  }
  return records;
}

Result<http::Response> IdempotentRequest::AfterFailure(store::Store& store, TimePoint now,
                                                       Error error) const {
  if (error.code != ErrorCode::kAlreadyExists || !active()) return tl::unexpected(std::move(error));
  CRONIUM_ASSIGN_OR_RETURN(auto replay, Replay(store, now));
  if (!replay) return tl::unexpected(std::move(error));
  return std::move(*replay);
}

}  // namespace cronium::api::internal
