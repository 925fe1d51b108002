#pragma once

// Webhook triggers of workflows and events (issue #8). A caller POSTs JSON to
// /api/v1/hooks/{key} with
//   X-Cronium-Timestamp: <Unix seconds>
//   X-Cronium-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the secret>
// and the body becomes the input of a new run. Deliveries older or newer than the window are
// refused, and a delivery seen before (the same signature) starts no second run: its run's unique
// key is "webhook:<id>:<signature>" (the API answers such a redelivery with the first answer, from
// its idempotency record). Secrets are random, shown once at creation, and kept sealed.
// Thread-safe.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "base/rate_limiter.h"
#include "crypto/secrets.h"
#include "queue/job_queue.h"
#include "store/records.h"
#include "store/store.h"
#include "workflow/engine.h"

namespace cronium::workflow {

struct WebhookOptions {
  std::chrono::seconds window{300};  // a delivery's timestamp may be this far from now
  // Correctly signed deliveries per webhook: a burst, then a steady rate.
  RateLimit rate{.capacity = 120, .per_second = 10};
};

struct NewWebhook {
  store::WebhookRecord record;
  std::string secret;  // shown once
};

// A delivery whose webhook and signature were checked (and counted against its rate), not yet
// started.
struct SignedDelivery {
  store::WebhookRecord webhook;
  std::string timestamp;  // as sent: Unix seconds
  TimePoint sent_at;      // that time
  std::string signature;  // the verified HMAC, 64 lowercase hex digits
  std::string body;
  std::string source;  // the client's address
};

// What a delivery started.
struct Delivery {
  std::string target_type;  // WORKFLOW or EVENT
  std::string run_id;       // the workflow run, or the event's execution
  std::string job_id;       // for an event
};

// Key rotation: re-encrypts every webhook secret (opened with `current`) with `target`, in one
// transaction. Returns how many.
Result<int> ResealWebhookSecrets(store::Store& store, const crypto::SecretBox& current,
                                 const crypto::SecretBox& target, const store::AuditEntry& audit);

class Webhooks {
 public:
  Webhooks(store::Store& store, queue::JobQueue& queue, Engine& engine, const Clock& clock,
           crypto::SecretBox box, WebhookOptions options = {});

  // A new webhook of a workflow or event (the caller checked that `actor` may change it).
  Result<NewWebhook> Create(const std::string& target_type, const std::string& target_id,
                            const std::string& owner_id, const store::Actor& actor);
  Result<std::vector<store::WebhookRecord>> List(const std::string& target_type,
                                                 const std::string& target_id);
  Status Delete(const std::string& id, const store::Actor& actor);

  // Checks a delivery's webhook and signature (in constant time), then the webhook's rate.
  // kNotFound: unknown key. kUnauthenticated: missing or malformed headers or a signature that
  // does not match. kResourceExhausted (with retry_after_seconds): over the webhook's rate.
  Result<SignedDelivery> Authenticate(const std::string& key,
                                      const std::optional<std::string>& timestamp,
                                      const std::optional<std::string>& signature,
                                      const std::string& body, const std::string& source);
  // Starts the run of a signed delivery. `idempotency`, when set, is called with what the run
  // will be before it is written, and its records are written with it. kInvalidArgument: a
  // timestamp outside the window, or a body that is not JSON. kAlreadyExists: a replay (the
  // same signature), or an idempotency key used before; nothing is started.
  // kFailedPrecondition: the target is not ACTIVE.
  Result<Delivery> Start(
      const SignedDelivery& delivery,
      const std::function<store::IdempotencyRecords(const Delivery&)>& idempotency = nullptr);
  // Authenticate, then Start.
  Result<Delivery> Deliver(const std::string& key, const std::optional<std::string>& timestamp,
                           const std::optional<std::string>& signature, const std::string& body,
                           const std::string& source);

  // Key rotation: re-encrypts every secret with `target` in one transaction; then SetBox.
  Result<int> ResealAll(const crypto::SecretBox& target, const store::AuditEntry& audit);
  void SetBox(crypto::SecretBox box);

 private:
  std::shared_ptr<const crypto::SecretBox> Box() const;

  store::Store& store_;
  queue::JobQueue& queue_;
  Engine& engine_;
  const Clock& clock_;
  const WebhookOptions options_;
  RateLimiter limiter_;  // by webhook id
  mutable std::shared_mutex box_mutex_;
  std::shared_ptr<const crypto::SecretBox> box_;  // guarded by box_mutex_
};

}  // namespace cronium::workflow
