#include "workflow/webhooks.h"

#include <fmt/format.h>

#include <charconv>
#include <mutex>
#include <nlohmann/json.hpp>

#include "base/ids.h"

namespace cronium::workflow {
namespace {

using nlohmann::json;

std::string Aad(const std::string& webhook_id) { return "webhook\n" + webhook_id; }

}  // namespace

Webhooks::Webhooks(store::Store& store, queue::JobQueue& queue, Engine& engine, const Clock& clock,
                   crypto::SecretBox box, WebhookOptions options)
    : store_(store),
      queue_(queue),
      engine_(engine),
      clock_(clock),
      options_(options),
      limiter_(options.rate, clock),
      box_(std::make_shared<const crypto::SecretBox>(std::move(box))) {}

std::shared_ptr<const crypto::SecretBox> Webhooks::Box() const {
  std::shared_lock lock(box_mutex_);
  return box_;
}

void Webhooks::SetBox(crypto::SecretBox box) {
  std::unique_lock lock(box_mutex_);
  box_ = std::make_shared<const crypto::SecretBox>(std::move(box));
}

Result<NewWebhook> Webhooks::Create(const std::string& target_type, const std::string& target_id,
                                    const std::string& owner_id, const store::Actor& actor) {
  if (target_type != "WORKFLOW" && target_type != "EVENT") {
    return InvalidArgument("a webhook starts a WORKFLOW or an EVENT");
  }
  const TimePoint now = clock_.Now();
  NewWebhook created;
  store::WebhookRecord& w = created.record;
  w.id = NewId("whk", now);
  w.key = crypto::NewSecretToken("");
  w.owner_id = owner_id;
  w.target_type = target_type;
  w.target_id = target_id;
  w.created_at = now;
  created.secret = crypto::NewSecretToken("whsec_");
  // Sealed and stored under the box lock that a key rotation's switch takes exclusively, so no
  // secret lands under a retired key.
  std::shared_lock lock(box_mutex_);
  w.sealed_secret = box_->Seal(created.secret, Aad(w.id));
  CRONIUM_RETURN_IF_ERROR(store_.InsertWebhook(
      w, store::MakeAudit(actor, now, "webhook.create", "webhook", w.id,
                          json{{"targetType", target_type}, {"targetId", target_id}}.dump())));
  return created;
}

Result<std::vector<store::WebhookRecord>> Webhooks::List(const std::string& target_type,
                                                         const std::string& target_id) {
  return store_.ListWebhooks(target_type, target_id);
}

Status Webhooks::Delete(const std::string& id, const store::Actor& actor) {
  return store_.DeleteWebhook(
      id, store::MakeAudit(actor, clock_.Now(), "webhook.delete", "webhook", id));
}

Result<SignedDelivery> Webhooks::Authenticate(const std::string& key,
                                              const std::optional<std::string>& timestamp,
                                              const std::optional<std::string>& signature,
                                              const std::string& body, const std::string& source) {
  if (key.empty() || key.size() > 128) return NotFound("no webhook has this key");
  CRONIUM_ASSIGN_OR_RETURN(store::WebhookRecord webhook, store_.FindWebhookByKey(key));
  if (!timestamp || !signature) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "sign the delivery: X-Cronium-Timestamp (Unix seconds) and "
                     "X-Cronium-Signature: sha256=<hex HMAC-SHA256 of \"<timestamp>.<body>\">");
  }
  constexpr std::string_view kScheme = "sha256=";
  if (signature->size() != kScheme.size() + 64 ||
      signature->compare(0, kScheme.size(), kScheme) != 0) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "X-Cronium-Signature must be sha256=<64 hex digits>");
  }
  int64_t seconds = 0;
  const char* end = timestamp->data() + timestamp->size();
  auto [ptr, ec] = std::from_chars(timestamp->data(), end, seconds);
  if (timestamp->empty() || timestamp->size() > 12 || ec != std::errc() || ptr != end ||
      seconds < 0) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "X-Cronium-Timestamp must be the Unix time in whole seconds");
  }
  auto secret = Box()->Open(webhook.sealed_secret, Aad(webhook.id));
  if (!secret) return Internal("the webhook's secret cannot be decrypted with the current key");
  std::string expected = crypto::HmacSha256Hex(*secret, *timestamp + "." + body);
  std::string given = signature->substr(kScheme.size());
  for (char& c : given) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!crypto::ConstantTimeEquals(given, expected)) {
    return MakeError(ErrorCode::kUnauthenticated, "the signature does not match this webhook");
  }
  // Only signed deliveries count against the webhook's rate, so that unsigned floods cannot use
  // up its budget.
  if (const int64_t wait = limiter_.Take(webhook.id); wait > 0) {
    Error error{ErrorCode::kResourceExhausted,
                fmt::format("too many deliveries to this webhook; retry in {} s", wait)};
    error.retry_after_seconds = wait;
    return tl::unexpected(std::move(error));
  }
  return SignedDelivery{.webhook = std::move(webhook),
                        .timestamp = *timestamp,
                        .sent_at = TimePoint(std::chrono::seconds(seconds)),
                        .signature = std::move(expected),
                        .body = body,
                        .source = source};
}

Result<Delivery> Webhooks::Start(
    const SignedDelivery& signed_delivery,
    const std::function<store::IdempotencyRecords(const Delivery&)>& idempotency) {
  const store::WebhookRecord& webhook = signed_delivery.webhook;
  // Only a correctly signed delivery learns whether its timestamp is stale.
  const TimePoint now = clock_.Now();
  const TimePoint sent = signed_delivery.sent_at;
  const auto skew = now > sent ? now - sent : sent - now;
  if (skew > options_.window) {
    return InvalidArgument(fmt::format(
        "X-Cronium-Timestamp is more than {} s from the server's time; sign each delivery when "
        "you send it",
        options_.window.count()));
  }
  std::string input_json = "{}";
  if (!signed_delivery.body.empty()) {
    const json parsed = json::parse(signed_delivery.body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return InvalidArgument("the body must be JSON");
    input_json = parsed.dump();
  }
  const store::Actor actor{.type = "webhook",
                           .id = webhook.owner_id,
                           .name = webhook.id,
                           .source = signed_delivery.source};
  const std::string unique_key = "webhook:" + webhook.id + ":" + signed_delivery.signature;
  Delivery delivery{.target_type = webhook.target_type};
  if (webhook.target_type == "WORKFLOW") {
    CRONIUM_ASSIGN_OR_RETURN(store::WorkflowRecord workflow, store_.GetWorkflow(webhook.target_id));
    if (workflow.status != store::EventStatus::kActive) {
      return FailedPrecondition(fmt::format("the workflow is {}; set it ACTIVE to accept webhooks",
                                            ToString(workflow.status)));
    }
    StartOptions options{
        .actor = actor, .trigger = "WEBHOOK", .input_json = input_json, .unique_key = unique_key};
    if (idempotency) {
      options.idempotency = [&](const store::WorkflowRunStart& start) {
        return idempotency(Delivery{.target_type = webhook.target_type, .run_id = start.run.id});
      };
    }
    auto started = engine_.Start(workflow, options);
    if (!started && started.error().code == ErrorCode::kAlreadyExists) {
      return AlreadyExists("this delivery was received before (a replay)");
    }
    CRONIUM_ASSIGN_OR_RETURN(delivery.run_id, std::move(started));
  } else {
    CRONIUM_ASSIGN_OR_RETURN(store::EventRecord event, store_.GetEvent(webhook.target_id));
    if (event.status != store::EventStatus::kActive) {
      return FailedPrecondition(
          fmt::format("the event is {}; set it ACTIVE to accept webhooks", ToString(event.status)));
    }
    queue::EnqueueOptions options{
        .actor = actor, .trigger = "WEBHOOK", .input_json = input_json, .unique_key = unique_key};
    if (idempotency) {
      options.idempotency = [&](const queue::EnqueuedRun& run) {
        return idempotency(Delivery{
            .target_type = webhook.target_type, .run_id = run.execution_id, .job_id = run.job_id});
      };
    }
    auto enqueued = queue_.Enqueue(event, options);
    if (!enqueued && enqueued.error().code == ErrorCode::kAlreadyExists) {
      return AlreadyExists("this delivery was received before (a replay)");
    }
    if (!enqueued) return tl::unexpected(enqueued.error());
    delivery.run_id = enqueued->execution_id;
    delivery.job_id = enqueued->job_id;
  }
  (void)store_.TouchWebhook(webhook.id, now);
  return delivery;
}

Result<Delivery> Webhooks::Deliver(const std::string& key,
                                   const std::optional<std::string>& timestamp,
                                   const std::optional<std::string>& signature,
                                   const std::string& body, const std::string& source) {
  CRONIUM_ASSIGN_OR_RETURN(SignedDelivery signed_delivery,
                           Authenticate(key, timestamp, signature, body, source));
  return Start(signed_delivery);
}

Result<int> Webhooks::ResealAll(const crypto::SecretBox& target, const store::AuditEntry& audit) {
  return ResealWebhookSecrets(store_, *Box(), target, audit);
}

Result<int> ResealWebhookSecrets(store::Store& store, const crypto::SecretBox& current,
                                 const crypto::SecretBox& target, const store::AuditEntry& audit) {
  return store.RewriteWebhookSecrets(
      [&](const store::WebhookRecord& record) -> Result<std::string> {
        auto plain = current.Open(record.sealed_secret, Aad(record.id));
        if (!plain) {
          return Internal(fmt::format("webhook {} cannot be decrypted", record.id));
        }
        return target.Seal(*plain, Aad(record.id));
      },
      audit);
}

}  // namespace cronium::workflow
