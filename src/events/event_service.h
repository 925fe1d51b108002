#pragma once

// Events as users see them: validation of every field, env var values sealed at rest (and
// unsealed only for a run or an explicit reveal), and CRUD on the store. Thread-safe.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "crypto/secrets.h"
#include "store/records.h"
#include "store/store.h"

namespace cronium::events {

struct HttpRequestSpec {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// An event with its env vars in plaintext. Never log one.
struct Event {
  std::string id;
  std::string owner_id;
  std::string name;
  std::string description;
  store::EventType type = store::EventType::kBash;
  std::string content;
  store::EventStatus status = store::EventStatus::kDraft;
  std::string run_location = "LOCAL";
  int64_t timeout_seconds = 30;
  int retries = 0;
  std::map<std::string, std::string> env_vars;
  std::vector<std::string> tags;
  bool shared = false;
  std::optional<HttpRequestSpec> http_request;
  store::Priority priority = store::Priority::kNormal;
  int max_concurrent = 0;  // 0 = no limit
  int64_t retry_delay_seconds = 1;
  int64_t retry_max_delay_seconds = 300;
  std::vector<store::RunStatus> retry_on = {store::RunStatus::kFailed, store::RunStatus::kTimedOut,
                                            store::RunStatus::kLost};
  // Sandbox limits and network policy; 0 (or "") means the server's default.
  store::RunLimits limits;
  // Conditional actions: what starts when a run of this event ends for good.
  std::vector<store::EventAction> actions;
  // Kept by the store as runs end.
  std::optional<TimePoint> last_run_at;
  int64_t success_count = 0;
  int64_t failure_count = 0;
  TimePoint created_at;
  TimePoint updated_at;
};

// Fields a client sets. In Create, name and type are required and the rest default; in Update,
// only the fields present change.
struct EventFields {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<store::EventType> type;
  std::optional<std::string> content;
  std::optional<store::EventStatus> status;
  std::optional<int64_t> timeout_seconds;
  std::optional<int> retries;
  // Replaces all env vars. A value equal to kMaskedValue keeps the stored value of that key, so
  // a client can send back what it read without destroying secrets.
  std::optional<std::map<std::string, std::string>> env_vars;
  std::optional<std::vector<std::string>> tags;
  std::optional<bool> shared;
  std::optional<std::optional<HttpRequestSpec>> http_request;
  std::optional<store::Priority> priority;
  std::optional<int> max_concurrent;
  std::optional<int64_t> retry_delay_seconds;
  std::optional<int64_t> retry_max_delay_seconds;
  std::optional<std::vector<store::RunStatus>> retry_on;
  std::optional<store::RunLimits> limits;  // replaces every limit (not the network)
  std::optional<std::string> network;
  std::optional<std::vector<store::EventAction>> actions;  // replaces all actions
};

inline constexpr std::string_view kMaskedValue = "********";

struct EventsOptions {
  size_t max_name_bytes = 200;
  size_t max_description_bytes = 4'000;
  size_t max_content_bytes = 256 << 10;
  int64_t min_timeout_seconds = 1;
  int64_t max_timeout_seconds = 7 * 24 * 3600;
  int64_t default_timeout_seconds = 30;
  int max_retries = 10;
  int max_concurrent_limit = 1'000;
  int64_t max_retry_delay_seconds = 7 * 24 * 3600;
  size_t max_env_vars = 100;
  size_t max_env_key_bytes = 128;
  size_t max_env_value_bytes = 32 << 10;
  size_t max_tags = 20;
  size_t max_tag_bytes = 50;
  size_t max_actions = 20;
  int max_page_size = 200;
  // The administrator's ceilings on per-event sandbox limits.
  int64_t max_memory_mb = 8'192;
  int64_t max_pids = 4'096;
  int64_t max_cpu_seconds = 7 * 24 * 3600;
  int64_t max_cpu_millis = 64'000;
  int64_t max_disk_mb = 4'096;
  int64_t max_output_kb = 16 << 10;
  bool allow_host_network = false;
};

struct EventListQuery {
  store::EventQuery filter;  // filter.limit is clamped to [1, max_page_size]
};

class EventService {
 public:
  EventService(EventsOptions options, store::Store& store, crypto::SecretBox env_box,
               const Clock& clock);

  // The schedule a new event is created with (see store::NewSchedule), planned once its id and
  // created_at are chosen; an error stops the creation.
  using PlanSchedule =
      std::function<Result<store::NewSchedule>(const std::string& id, TimePoint created_at)>;

  // Idempotency records to write with a new event, given the event as it will be stored (and
  // after its schedule was planned); see store::IdempotencyRecord.
  using RecordIdempotency = std::function<store::IdempotencyRecords(const Event& event)>;

  // kInvalidArgument naming the field for bad input. The actor's user owns the new event; each
  // change is audited with env var values left out. With `schedule`, the event and its
  // schedule are written in one transaction; so are `idempotency`'s records (kAlreadyExists,
  // nothing written, when their key was used).
  Result<Event> Create(EventFields fields, const store::Actor& actor,
                       const PlanSchedule& schedule = nullptr,
                       const RecordIdempotency& idempotency = nullptr);
  Result<Event> Get(const std::string& id);
  Result<Event> Update(const std::string& id, EventFields fields, const store::Actor& actor);
  Status Delete(const std::string& id, const store::Actor& actor);
  Result<std::vector<Event>> List(store::EventQuery query);

  // The stored record (env vars still sealed), for the run path and access checks.
  Result<store::EventRecord> GetRecord(const std::string& id);
  // The event of a record already read (env vars unsealed), so callers that checked access on
  // the record need not read it again.
  Result<Event> Decode(const store::EventRecord& record) const;
  // Unseals the env vars of a record. kInternal if a value does not decrypt with the current
  // key (wrong key file or tampering).
  Result<std::map<std::string, std::string>> UnsealEnvVars(const store::EventRecord& record) const;

  // Key rotation: from now on values are sealed and opened with `box`.
  void SetEnvBox(crypto::SecretBox box);
  // Re-seals every stored env var value with `target` (opening with the current box), in one
  // transaction. Returns how many events were rewritten.
  Result<int> ResealAll(const crypto::SecretBox& target, const store::AuditEntry& audit);

  const EventsOptions& options() const { return options_; }

 private:
  Status Validate(const Event& event) const;
  // REQUIRES: box_mutex_ held (shared), `box` being env_box_.
  store::EventRecord ToRecord(const Event& event, const crypto::SecretBox& box) const;
  Status Apply(EventFields fields, Event& event, const Event* previous) const;

  std::shared_ptr<const crypto::SecretBox> EnvBox() const;

  // Immutable after construction.
  const EventsOptions options_;
  store::Store& store_;
  const Clock& clock_;

  // Held shared by a write from sealing its env vars to storing them, exclusively by
  // SetEnvBox: once a key rotation switched the box, no value sealed with the old key can still
  // arrive.
  mutable std::shared_mutex box_mutex_;
  std::shared_ptr<const crypto::SecretBox> env_box_;  // Guarded by box_mutex_.
};

// True for env var keys of the form ^[A-Z_][A-Z0-9_]*$.
bool IsValidEnvKey(std::string_view key);

}  // namespace cronium::events
