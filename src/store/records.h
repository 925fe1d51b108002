#pragma once

// Plain records the store persists, and the domain enums they carry. Values only; no behaviour
// beyond string conversion. Timestamps are UTC TimePoints with millisecond precision.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

namespace cronium::store {

enum class EventType { kBash, kPython, kNodejs, kHttpRequest, kToolAction };
enum class UserRole { kAdmin, kUser, kViewer };
enum class UserStatus { kActive, kInvited, kDisabled };
enum class EventStatus { kDraft, kActive, kPaused, kArchived };
// Status of a job and of each of its executions (attempts).
enum class RunStatus { kQueued, kRunning, kSucceeded, kFailed, kTimedOut, kCancelled, kLost };

std::string_view ToString(EventType type);
std::string_view ToString(UserRole role);
std::string_view ToString(UserStatus status);
std::optional<UserRole> ParseUserRole(std::string_view text);
std::optional<UserStatus> ParseUserStatus(std::string_view text);
std::string_view ToString(EventStatus status);
std::string_view ToString(RunStatus status);
std::optional<EventType> ParseEventType(std::string_view text);
std::optional<EventStatus> ParseEventStatus(std::string_view text);
std::optional<RunStatus> ParseRunStatus(std::string_view text);
bool IsTerminal(RunStatus status);
bool IsScript(EventType type);

struct SealedEnvVar {
  std::string key;
  std::string sealed_value;  // crypto::SecretBox output; never the plaintext
  friend bool operator==(const SealedEnvVar&, const SealedEnvVar&) = default;
};

struct EventRecord {
  std::string id;
  std::string owner_id;
  std::string name;
  std::string description;
  EventType type = EventType::kBash;
  std::string content;
  EventStatus status = EventStatus::kDraft;
  std::string run_location = "LOCAL";
  int64_t timeout_seconds = 30;
  int retries = 0;
  std::vector<SealedEnvVar> env_vars;
  std::vector<std::string> tags;
  bool shared = false;
  std::string http_request_json;  // JSON object for HTTP_REQUEST events, "" otherwise
  TimePoint created_at;
  TimePoint updated_at;
};

struct JobRecord {
  std::string id;
  std::string event_id;
  std::string owner_id;
  std::string trigger = "MANUAL";  // MANUAL, SCHEDULE, API, WORKFLOW, ...
  std::string requested_by;        // user id of who asked for the run ("" = the system)
  RunStatus status = RunStatus::kQueued;
  std::string input_json = "null";
  int priority = 1;
  TimePoint run_after;
  int attempts = 0;
  int max_attempts = 1;
  int64_t timeout_ms = 30'000;
  std::string lease_owner;
  std::optional<TimePoint> lease_expires_at;
  std::string cancel_reason;  // set when a cancel was requested
  std::string current_execution_id;
  std::string unique_key;  // e.g. schedule occurrence "evt_...@1767225600000"; "" = none
  bool serialize = false;  // not claimed while another job of the event is RUNNING
  TimePoint created_at;
  TimePoint updated_at;
  std::optional<TimePoint> finished_at;
};

struct ExecutionRecord {
  std::string id;
  std::string job_id;
  std::string event_id;
  int attempt = 1;
  RunStatus status = RunStatus::kQueued;
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string stdout_text;
  std::string stderr_text;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::optional<std::string> output_json;
  std::optional<bool> condition;
  std::string end_reason;
  std::string isolation;
  std::string trigger;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> finished_at;
  std::optional<int64_t> duration_ms;
  TimePoint created_at;
};

struct EventQuery {
  std::string visible_to;  // a user id: only their events and shared ones; "" = all
  std::optional<EventStatus> status;
  std::optional<EventType> type;
  std::string search;     // substring of name or description, case-insensitive
  std::string tag;        // exact tag
  std::string before_id;  // keyset cursor: only ids < before_id (newest first)
  int limit = 50;
};

struct ExecutionQuery {
  std::string visible_to;  // a user id: only runs of events they can see; "" = all
  std::string event_id;
  std::optional<RunStatus> status;
  std::string before_id;
  int limit = 50;
};

// A schedule: its spec (JSON owned by the scheduler) and where it stands.
struct ScheduleRecord {
  std::string event_id;
  std::string spec_json;
  std::optional<TimePoint> next_due_at;
  std::optional<TimePoint> last_planned_at;
  int64_t run_count = 0;
  TimePoint updated_at;
};

// A schedule with what the scheduler needs from its event, read in one query at start-up.
struct ScheduleWithEvent {
  ScheduleRecord schedule;
  EventStatus event_status = EventStatus::kDraft;
  std::string owner_id;
  int retries = 0;
  int64_t timeout_seconds = 30;
  TimePoint event_created_at;
};

// What happened to one planned occurrence.
struct LedgerRecord {
  std::string id;
  std::string event_id;
  TimePoint planned_at;
  std::optional<TimePoint> enqueued_at;
  std::optional<int64_t> lateness_ms;
  std::string fate;  // FIRED, CAUGHT_UP, BUFFERED, SKIPPED_OVERLAP, MISSED_DOWNTIME, ...
  std::string job_id;
  std::string execution_id;
  std::string detail;
};

struct UserRecord {
  std::string id;
  std::string email;     // stored lower-cased
  std::string username;  // stored lower-cased
  std::string display_name;
  UserRole role = UserRole::kUser;
  UserStatus status = UserStatus::kActive;
  std::string password_hash;  // crypto_pwhash_str output; "" for invited users
  std::optional<std::string> invite_hash;
  std::optional<TimePoint> invite_expires_at;
  std::optional<TimePoint> last_login_at;
  TimePoint created_at;
  TimePoint updated_at;
};

struct UserQuery {
  std::string before_id;
  int limit = 50;
};

struct SessionRecord {
  std::string id;
  std::string token_hash;
  std::string user_id;
  std::string csrf_token;
  TimePoint created_at;
  TimePoint expires_at;
  std::optional<TimePoint> revoked_at;
  std::string source;
};

struct ApiTokenRecord {
  std::string id;
  std::string token_hash;
  std::string user_id;
  std::string name;
  std::string scope;   // read, write, admin
  std::string prefix;  // the first characters of the token, for recognising it
  TimePoint created_at;
  std::optional<TimePoint> expires_at;
  std::optional<TimePoint> last_used_at;
  std::optional<TimePoint> revoked_at;
};

// Who did something, for the audit log.
struct Actor {
  std::string type = "system";  // user, token, system, anonymous
  std::string id;               // user id (for tokens too)
  std::string name;             // username, or the token's name
  std::string source;           // client address
};

// One audit row. A mutation given an entry with an empty action writes no row.
struct AuditEntry {
  std::string id;
  TimePoint at;
  Actor actor;
  std::string action;  // noun.verb: event.create, auth.login, run.start, ...
  std::string target_type;
  std::string target_id;
  std::string outcome = "success";
  std::string details_json = "{}";  // secret values masked by the caller
};

// One step of the scheduler: a ledger row with the schedule's new state, and (when the
// occurrence fires) the job and first execution it creates.
struct ScheduleStep {
  std::optional<JobRecord> job;
  std::optional<ExecutionRecord> execution;
  LedgerRecord ledger;
  ScheduleRecord state;
  AuditEntry audit;
};

AuditEntry MakeAudit(const Actor& actor, TimePoint at, std::string action, std::string target_type,
                     std::string target_id, std::string details_json = "{}");

struct AuditQuery {
  std::string actor_id;
  std::string action;
  std::string target_type;
  std::string target_id;
  std::string before_id;
  int limit = 50;
};

// A job a worker has just claimed, with the execution row created for this attempt.
struct ClaimedJob {
  JobRecord job;
  ExecutionRecord execution;
};

}  // namespace cronium::store
