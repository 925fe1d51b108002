#pragma once

// Plain records the store persists, and the domain enums they carry. Values only; no behaviour
// beyond string conversion. Timestamps are UTC TimePoints with millisecond precision.

#include <chrono>
#include <cstdint>
#include <limits>
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
// Status of a job and of each of its executions (attempts). A job is LEASED from its claim
// until its process starts; its execution stays QUEUED meanwhile.
enum class RunStatus {
  kQueued,
  kLeased,
  kRunning,
  kSucceeded,
  kFailed,
  kTimedOut,
  kCancelled,
  kLost
};
// What a job runs. Derived from the event's type (and, for workflow nodes, from the trigger).
enum class JobKind { kScript, kHttpRequest, kToolAction, kWorkflowNode };
// Claim order: higher first, then older.
enum class Priority { kLow = 0, kNormal = 1, kHigh = 2, kCritical = 3 };

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
std::string_view ToString(JobKind kind);
std::optional<JobKind> ParseJobKind(std::string_view text);
std::string_view ToString(Priority priority);
std::optional<Priority> ParsePriority(std::string_view text);
bool IsTerminal(RunStatus status);
// LEASED or RUNNING: a worker holds the job.
bool IsHeld(RunStatus status);
bool IsScript(EventType type);
// The kind of job that runs an event of this type.
JobKind JobKindOf(EventType type);

struct SealedEnvVar {
  std::string key;
  std::string sealed_value;  // crypto::SecretBox output; never the plaintext
  friend bool operator==(const SealedEnvVar&, const SealedEnvVar&) = default;
};

// Resource limits of an event's runs in the sandbox; 0 (or "") means the server's default.
struct RunLimits {
  int64_t memory_mb = 0;
  int64_t pids = 0;
  int64_t cpu_seconds = 0;  // CPU time (all processes of the run)
  int64_t cpu_millis = 0;   // CPU share, in thousandths of a core
  int64_t disk_mb = 0;      // size of the work dir and of /tmp (each)
  int64_t output_kb = 0;    // stored output per stream
  std::string network;      // "none" or "host"
  friend bool operator==(const RunLimits&, const RunLimits&) = default;
};

// A conditional action of an event: when a run of the event ends for good (after its last
// retry) and `trigger` holds for that end, the action starts. RUN_EVENT runs target_event_id
// with the run's output as its input.
struct EventAction {
  std::string trigger = "ON_SUCCESS";  // ALWAYS, ON_SUCCESS, ON_FAILURE, ON_CONDITION
  std::string type = "RUN_EVENT";
  std::string target_event_id;
  friend bool operator==(const EventAction&, const EventAction&) = default;
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
  Priority priority = Priority::kNormal;
  int max_concurrent = 0;  // runs of this event at once; 0 = no limit
  // Retries: `retries` more attempts after the first, delayed retry_delay * 2^(n-1) with
  // jitter, at most retry_max_delay, for the end states listed in retry_on.
  int64_t retry_delay_ms = 1'000;
  int64_t retry_max_delay_ms = 300'000;
  std::vector<RunStatus> retry_on = {RunStatus::kFailed, RunStatus::kTimedOut, RunStatus::kLost};
  RunLimits limits;
  std::vector<EventAction> actions;
  // Counters the store keeps as executions end (read-only for callers).
  std::optional<TimePoint> last_run_at;
  int64_t success_count = 0;
  int64_t failure_count = 0;
  TimePoint created_at;
  TimePoint updated_at;
};

struct JobRecord {
  std::string id;
  std::string event_id;
  std::string owner_id;
  JobKind kind = JobKind::kScript;
  std::string trigger = "MANUAL";  // MANUAL, SCHEDULE, API, WORKFLOW, ...
  std::string requested_by;        // user id of who asked for the run ("" = the system)
  RunStatus status = RunStatus::kQueued;
  std::string input_json = "null";
  Priority priority = Priority::kNormal;
  TimePoint run_after;  // not claimed before
  int attempts = 0;     // attempts started so far
  int max_attempts = 1;
  std::chrono::milliseconds timeout{30'000};  // of each attempt
  std::string lease_owner;                    // the worker holding a LEASED or RUNNING job
  std::optional<TimePoint> lease_expires_at;
  std::string cancel_reason;  // set when a cancel was requested
  std::string last_error;     // end reason of the last failed attempt
  std::string current_execution_id;
  std::string unique_key;        // e.g. schedule occurrence "evt_...@1767225600000"; "" = none
  bool serialize = false;        // not claimed while another job of the event is RUNNING
  std::string workflow_run_id;   // the workflow run whose node this job runs ("" = none)
  std::string workflow_node_id;  // that node
  std::string caused_by;         // the execution whose conditional action started it ("" = none)
  int chain_depth = 0;           // conditional actions between a direct run and this one
  std::string chain_root;        // the execution whose run started the chain ("" = none)
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
  std::string worker_id;  // who ran it
  std::optional<int64_t> cpu_time_ms;
  std::optional<int64_t> max_rss_kb;
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
  std::vector<RunStatus> statuses;  // any of these; empty = all
  std::string before_id;
  // Created in [since, until): bounds of the time-ordered ids (base::IdTimePrefix); "" = open.
  std::string since_id;
  std::string until_id;
  // Without stdout, stderr and output (left empty): a list that shows no output reads none.
  bool summary = false;
  int limit = 50;
};

// One run as the dashboard's counts and chart need it: no output.
struct ExecutionPoint {
  std::string id;
  std::string event_id;
  RunStatus status = RunStatus::kQueued;
  std::string trigger_kind;
  std::optional<TimePoint> started_at;
  std::optional<int64_t> duration_ms;
};

// The runs created in a window: how many of each status, and the newest of them.
struct ExecutionStats {
  std::vector<std::pair<RunStatus, int64_t>> by_status;
  std::vector<ExecutionPoint> newest;  // newest first
};

// What a schedule starts: a job of an event, or a run of a workflow.
enum class ScheduleTarget { kEvent, kWorkflow };

// A schedule: its spec (JSON owned by the scheduler) and where it stands.
struct ScheduleRecord {
  ScheduleTarget target = ScheduleTarget::kEvent;
  std::string target_id;  // the event's or the workflow's id
  std::string spec_json;
  std::optional<TimePoint> next_due_at;
  std::optional<TimePoint> last_planned_at;
  int64_t run_count = 0;
  TimePoint updated_at;
};

// A schedule with what the scheduler needs from its event or workflow, read in one query at
// start-up. Retries, timeout, priority and kind are an event's; a workflow's nodes have their own.
struct ScheduleWithTarget {
  ScheduleRecord schedule;
  EventStatus status = EventStatus::kDraft;
  std::string owner_id;
  std::string name;     // the event's or workflow's
  bool shared = false;  // visible to every user
  int retries = 0;
  int64_t timeout_seconds = 30;
  Priority priority = Priority::kNormal;
  JobKind kind = JobKind::kScript;
  TimePoint created_at;
};

// What happened to one planned occurrence.
struct LedgerRecord {
  std::string id;
  std::string target_id;  // the schedule's event or workflow
  TimePoint planned_at;
  std::optional<TimePoint> enqueued_at;
  std::optional<int64_t> lateness_ms;
  std::string fate;          // FIRED, CAUGHT_UP, BUFFERED, SKIPPED_OVERLAP, MISSED_DOWNTIME, ...
  std::string job_id;        // an event's job ("" for a workflow)
  std::string execution_id;  // an event's execution, or a workflow's run
  std::string detail;
  // A pause is two rows, not one per occurrence: PAUSED at the first occurrence it covers, and
  // RESUMED when it ends, with how many occurrences it covered (planned_at the first, this the
  // last). Unset on other rows.
  std::optional<int64_t> occurrences;
  std::optional<TimePoint> last_planned_at;
};

struct UserRecord {
  std::string id;
  std::string email;     // stored lower-cased
  std::string username;  // stored lower-cased
  std::string display_name;
  UserRole role = UserRole::kUser;
  UserStatus status = UserStatus::kActive;
  std::string password_hash;  // crypto_pwhash_str output; "" for invited users
  // The password was given to them (printed at the first start, or set by an admin): they are
  // asked to choose their own. Cleared when they do.
  bool must_change_password = false;
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

// A script variable: a per-user key/value pair that scripts read and write while they run.
struct VariableRecord {
  std::string user_id;
  std::string key;
  std::string sealed_value;  // ciphertext bytes; the store never sees plaintext
  int64_t version = 0;       // 1 on insert, +1 on each update (set by the store)
  TimePoint created_at;
  TimePoint updated_at;
  std::string updated_by;  // who wrote it last: "user:<id>", "execution:<id>"...
};

// One page of a user's variables, by key ascending.
// What one user may keep: this many variables, this many bytes of sealed values in all. A bare
// count leaves the bytes unlimited.
struct VariableLimits {
  VariableLimits(int64_t count, int64_t bytes = std::numeric_limits<int64_t>::max())  // NOLINT
      : max_count(count), max_bytes(bytes) {}
  int64_t max_count;
  int64_t max_bytes;
};

struct VariableQuery {
  std::string user_id;
  std::string prefix;     // only keys that start with it (literally; no wildcards)
  std::string after_key;  // keyset cursor: only keys > after_key
  int limit = 100;
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

// The schedule a new event or workflow is created with, and its audit row: written in the
// target's own insert, so that no target is left without the schedule it was created with.
struct NewSchedule {
  ScheduleRecord record;
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

// A workflow as saved: its nodes (each runs one event) and the edges between them.
struct WorkflowNodeRecord {
  std::string id;  // unique in its workflow, chosen by the user
  std::string event_id;
  std::string label;
  double x = 0;  // where the editor draws it
  double y = 0;
  friend bool operator==(const WorkflowNodeRecord&, const WorkflowNodeRecord&) = default;
};

struct WorkflowEdgeRecord {
  std::string from;
  std::string to;
  std::string kind = "ALWAYS";  // ALWAYS, ON_SUCCESS, ON_FAILURE, ON_CONDITION
  friend bool operator==(const WorkflowEdgeRecord&, const WorkflowEdgeRecord&) = default;
};

struct WorkflowRecord {
  std::string id;
  std::string owner_id;
  std::string name;
  std::string description;
  EventStatus status = EventStatus::kDraft;
  std::vector<std::string> tags;
  bool shared = false;
  std::string trigger = "MANUAL";  // MANUAL, SCHEDULE (its schedule is in the schedules), WEBHOOK
  std::vector<WorkflowNodeRecord> nodes;
  std::vector<WorkflowEdgeRecord> edges;
  TimePoint created_at;
  TimePoint updated_at;
};

struct WorkflowQuery {
  std::string visible_to;  // a user id: only their workflows and shared ones; "" = all
  std::string before_id;   // keyset cursor (newest first)
  int limit = 50;
};

// Where one node of a workflow run stands.
enum class NodeRunState { kPending, kRunning, kSucceeded, kFailed, kSkipped, kCancelled };
std::string_view ToString(NodeRunState state);
std::optional<NodeRunState> ParseNodeRunState(std::string_view text);

struct WorkflowNodeRun {
  std::string node_id;
  std::string event_id;
  NodeRunState state = NodeRunState::kPending;
  std::string job_id;
  std::string execution_id;  // the first attempt while it runs, the last once it ended
  std::optional<std::string> output_json;  // what its script set
  std::optional<bool> condition;
  std::string end_reason;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> finished_at;
};

// One run of a workflow. `graph_json` is the workflow's nodes and edges when it started.
struct WorkflowRunRecord {
  std::string id;
  std::string workflow_id;
  std::string owner_id;
  // QUEUED (held behind another run of its workflow by a BUFFER overlap policy), RUNNING,
  // SUCCEEDED, FAILED, CANCELLED.
  RunStatus status = RunStatus::kRunning;
  std::string trigger = "MANUAL";
  std::string requested_by;
  std::string input_json = "{}";
  std::string graph_json;
  std::string unique_key;  // a schedule occurrence or webhook delivery; "" = none
  std::string cancel_reason;
  std::string end_reason;
  TimePoint created_at;
  std::optional<TimePoint> finished_at;  // once no node is running
  std::vector<WorkflowNodeRun> nodes;    // in graph order; outputs only from GetWorkflowRun
};

// A workflow run to write: the run with every node's row, and the jobs of the nodes that
// start it (none for a run held QUEUED behind another).
struct WorkflowRunStart {
  WorkflowRunRecord run;
  std::vector<std::pair<JobRecord, ExecutionRecord>> jobs;
};

// One step of the scheduler: a ledger row with the schedule's new state, and, when the
// occurrence fires, the job and first execution it creates (an event's) or the run it starts
// (a workflow's).
struct ScheduleStep {
  std::optional<JobRecord> job;
  std::optional<ExecutionRecord> execution;
  std::optional<WorkflowRunStart> workflow_run;
  LedgerRecord ledger;
  ScheduleRecord state;
  AuditEntry audit;
};

struct WorkflowRunQuery {
  std::string workflow_id;  // "" = every workflow
  std::string visible_to;   // a user id: only runs of workflows they can see; "" = all
  std::string before_id;
  int limit = 50;
};

// A webhook trigger of a workflow or an event. The secret is sealed by the caller.
struct WebhookRecord {
  std::string id;
  std::string key;  // in the URL
  std::string owner_id;
  std::string target_type;  // WORKFLOW or EVENT
  std::string target_id;
  std::string sealed_secret;
  TimePoint created_at;
  std::optional<TimePoint> last_used_at;
};

// A node serving the database: its row is written at start and at every heartbeat.
struct NodeRecord {
  std::string id;
  std::string role = "SERVE";  // SERVE (API and workers) or WORKER (workers only)
  std::string address;         // its API's URL ("" for a worker node)
  std::string version;
  int workers = 0;
  int running = 0;  // runs in progress at the last heartbeat
  bool leader = false;
  TimePoint started_at;
  TimePoint heartbeat_at;
  std::optional<TimePoint> stopped_at;  // a clean stop
};

// The answer to a request that may be retried: a request sent with an Idempotency-Key, or a
// webhook delivery (keyed by its signature). It is written in the transaction that writes what
// the request created, so it exists exactly when the request took effect; a retry with the same
// key finds it and gets the same answer instead of a second creation. Unique per (principal,
// key): a key reused for another request (scope) or another body is told apart by the caller.
struct IdempotencyRecord {
  std::string principal;     // who may replay it: "user:<id>" or "webhook:<id>"
  std::string key;           // the Idempotency-Key, or a delivery's timestamp and signature
  std::string scope;         // the request: method, path and target, "POST /api/v1/events"
  std::string request_hash;  // hex SHA-256 of the request's body
  int status = 0;            // the answer: status, JSON body and Location header ("" = none)
  std::string body;
  std::string location;
  TimePoint created_at;
  TimePoint expires_at;  // found and kept until then
  friend bool operator==(const IdempotencyRecord&, const IdempotencyRecord&) = default;
};
using IdempotencyRecords = std::vector<IdempotencyRecord>;

// A job a worker has just claimed, with the execution row of this attempt.
struct ClaimedJob {
  JobRecord job;
  ExecutionRecord execution;
};

// What FinishExecution does after recording an attempt that will be tried again: the job goes
// back to QUEUED with this next execution, not before run_after.
struct RetryPlan {
  ExecutionRecord next_execution;
  TimePoint run_after;
  // Do not count the ended attempt against max_attempts (it was interrupted by a shutdown).
  bool refund_attempt = false;
};

// Where a held job stands, as seen by a heartbeat.
struct LeaseState {
  std::string job_id;
  bool held = false;          // the lease is still ours (and was extended)
  std::string cancel_reason;  // a cancel was requested (possibly on another node)
};

}  // namespace cronium::store
