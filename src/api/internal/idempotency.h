#pragma once

// Safe retries of the requests that create something: POST /api/v1/events, /api/v1/workflows,
// /api/v1/events/{id}/run, /api/v1/workflows/{id}/run (with an `Idempotency-Key` header) and
// webhook deliveries (keyed by their timestamp and signature, and by the header if sent).
//
// A handler reads the key first (400 when malformed) and asks for a replay: when the caller's
// key has a record, the first answer goes out again (status, JSON body and Location, plus
// `Idempotent-Replayed: true`), or a 422 when the key was used for another request (another
// route or target, or another body). Otherwise the handler renders its answer from what it is
// about to write, before the write, and gives Records() to the store, which writes them in the
// creation's own transaction: the record exists exactly when the creation does, and the answer
// a retry gets is byte for byte the first. Two requests with one key at once: the database lets
// one write; the other's transaction fails on the key and AfterFailure answers it the winner's
// answer (so a client never sees 409 for a request in flight; it waits for the database).
// Internal to api/.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "http/message.h"
#include "store/records.h"

namespace cronium::store {
class Store;
}

namespace cronium::api::internal {

// How long a key's answer is kept (and replayed).
inline constexpr std::chrono::hours kIdempotencyLifetime{24};
inline constexpr size_t kMaxIdempotencyKeyBytes = 255;
inline constexpr std::string_view kIdempotencyHeader = "idempotency-key";

// One request that may carry idempotency keys. Values only.
class IdempotentRequest {
 public:
  // The request's Idempotency-Key header, if any: 1 to 255 printable ASCII characters
  // (kInvalidArgument naming the header otherwise).
  static Result<std::optional<std::string>> HeaderKey(const http::Request& request);
  // That key, for `principal` ("user:<id>"). The scope is the method and path; the request is
  // told apart by its body's SHA-256.
  static Result<IdempotentRequest> FromHeader(const http::Request& request, std::string principal);
  // Keys given by the caller (a webhook delivery's), with `scope` and `body`.
  IdempotentRequest(std::string principal, std::string scope, std::vector<std::string> keys,
                    std::string_view body);

  // Whether the request has a key.
  bool active() const { return !keys_.empty(); }

  // When one of the keys (in order) has a record: its answer again, or a 422 when the key
  // answered another request. nullopt when none has one (or the request has no key).
  Result<std::optional<http::Response>> Replay(store::Store& store, TimePoint now) const;
  // The records to write with the creation that `answer` answers (none without a key).
  store::IdempotencyRecords Records(const http::Response& answer, TimePoint now) const;
  // The creation failed with `error`. When its key now has a record (a request with the same
  // key was written first), the answer to that one (or a 422); otherwise the error.
  Result<http::Response> AfterFailure(store::Store& store, TimePoint now, Error error) const;

 private:
  IdempotentRequest() = default;

  std::string principal_;
  std::string scope_;
  std::vector<std::string> keys_;
  std::string request_hash_;
};

}  // namespace cronium::api::internal
