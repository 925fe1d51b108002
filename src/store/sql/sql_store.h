#pragma once

// The store's logic, written once over SQL that both backends run: SqlStore<Db> implements the
// Store contract on a backend `Db` (store/sqlite/sqlite_store.cc, store/postgres/pg_store.cc).
// A backend provides
//
//   Read(fn)                    fn(conn) with a connection for reads, outside a transaction
//                               (PostgreSQL runs fn again on a new connection if the one it
//                               had was found cut, so fn must only read)
//   Write(fn)                   fn(conn) in a transaction that sees the database as if alone:
//                               SQLite's one writer, PostgreSQL's SERIALIZABLE (retried, so fn
//                               must have no effects outside the database)
//   WriteLocking(fn)            fn(conn) in a transaction that takes the row locks it needs
//                               itself: the job lifecycle (claims, leases, ends), which must
//                               not serialize all workers through one conflict. SQLite: the one
//                               writer; PostgreSQL: READ COMMITTED with SKIP LOCKED claims and
//                               explicit locks (see Dialect), planned to walk indexes in order
//                               rather than sort (see pg_store.cc).
//
// PostgreSQL runs a transaction again on a new connection when its connection was cut before
// COMMIT was sent (the server rolled it back); a connection lost during COMMIT is reported as
// kUnavailable, since whether it committed is unknown.
//
// and DialectOf(conn) (found by argument-dependent lookup) for the SQL that differs. The
// definitions are in sql_store_<domain>.inc, a file for each domain, gathered by
// sql_store_impl.inc, which only the backends' .cc files include; they instantiate the template
// once each.

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.h"

namespace cronium::store::sql {

// What differs between the backends' SQL and locking.
struct Dialect {
  // Case-insensitive LIKE (SQLite's LIKE ignores ASCII case; PostgreSQL needs ILIKE).
  std::string_view ilike;
  // A condition true when the event's JSON tags (events.tags) hold ?4.
  std::string_view has_tag;
  // Claims lock the job they pick and pass over jobs others hold (PostgreSQL: FOR UPDATE SKIP
  // LOCKED; SQLite's one writer needs nothing). Appended to the pick's subquery.
  std::string_view skip_locked;
  // A condition on the pick (j) that passes over the events listed in ?5 (comma-separated),
  // and the statement that locks event ?1 until the transaction ends. Where one writer claims
  // (SQLite), the pick's count of an event's running jobs is exact and both are empty.
  std::string_view claim_exclude;
  std::string_view event_lock;
  // Clears the index of queued jobs of the entries of claimed ones (run outside a
  // transaction; "" where there is nothing to clear).
  std::string_view tidy_queue;
  // Whether the claim's pick returns the job's execution row as well (UPDATE ... FROM whose
  // RETURNING names the other table: PostgreSQL, not SQLite), sparing a round trip.
  bool pick_returns_execution = false;
  // Whether transactions must lock what they read before they decide on it (PostgreSQL, where
  // the job lifecycle runs in READ COMMITTED beside SERIALIZABLE writers). Locks are taken by
  // writing the row unchanged, so that a SERIALIZABLE transaction that read it fails and retries.
  bool row_locks = false;
};

template <class Db>
class SqlStore final : public Store {
 public:
  explicit SqlStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}

  using Store::EnqueueJob;
  using Store::InsertEvent;
  using Store::InsertWorkflow;
  using Store::StartWorkflowRun;

  // Events, schedules, the ledger: sql_store_events.inc.
  Status InsertEvent(const EventRecord& event, const AuditEntry& audit,
                     const std::optional<NewSchedule>& schedule,
                     const IdempotencyRecords& idempotency) override;
  Result<EventRecord> GetEvent(const std::string& id) override;
  Result<std::map<std::string, std::string>> GetEventNames(
      const std::vector<std::string>& ids) override;
  Status UpdateEvent(const EventRecord& event, const AuditEntry& audit) override;
  Status DeleteEvent(const std::string& id, const AuditEntry& audit) override;
  Result<std::vector<EventRecord>> ListEvents(const EventQuery& query) override;
  Result<int> RewriteEventEnvVars(
      const std::function<Result<std::vector<SealedEnvVar>>(const EventRecord&)>& rewrite,
      const AuditEntry& audit) override;
  Status PutSchedule(const ScheduleRecord& schedule, const AuditEntry& audit) override;
  Result<ScheduleRecord> GetSchedule(const std::string& target_id) override;
  Status DeleteSchedule(const std::string& target_id, const AuditEntry& audit) override;
  Result<std::vector<ScheduleRecord>> ListSchedules() override;
  Result<std::vector<ScheduleWithTarget>> ListSchedulesWithTargets() override;
  Result<std::vector<bool>> ApplyScheduleSteps(const std::vector<ScheduleStep>& steps) override;
  Result<std::vector<LedgerRecord>> ListLedger(const std::string& target_id,
                                               const std::string& before_id, int limit) override;
  Result<int> PruneLedger(TimePoint before) override;

  // Jobs and executions: sql_store_jobs.inc.
  Status EnqueueJob(const JobRecord& job, const ExecutionRecord& first_execution,
                    const AuditEntry& audit, const IdempotencyRecords& idempotency) override;
  Result<std::optional<ClaimedJob>> ClaimNextJob(const std::string& worker_id, TimePoint now,
                                                 TimePoint lease_expires_at) override;
  Result<std::string> MarkRunning(const std::string& job_id, const std::string& execution_id,
                                  const std::string& worker_id, TimePoint now) override;
  Result<std::vector<LeaseState>> ExtendLeases(
      const std::vector<std::pair<std::string, std::string>>& held, TimePoint lease_expires_at,
      TimePoint now) override;
  Status FinishExecution(const ExecutionRecord& execution, TimePoint now,
                         const std::optional<RetryPlan>& retry, const AuditEntry& audit) override;
  Result<std::optional<ClaimedJob>> FinishAndClaimNext(
      const ExecutionRecord& execution, TimePoint now, const std::optional<RetryPlan>& retry,
      const AuditEntry& audit, const std::string& worker_id, TimePoint lease_expires_at) override;
  Result<CancelOutcome> CancelJob(const std::string& job_id, const std::string& reason,
                                  TimePoint now, const AuditEntry& audit) override;
  Result<std::vector<JobRecord>> ListLapsedLeases(TimePoint now, const std::string& owner_prefix,
                                                  int limit) override;
  Result<std::vector<std::pair<RunStatus, int64_t>>> CountJobs() override;
  Result<std::vector<std::pair<EventStatus, int64_t>>> CountEvents(
      const std::string& visible_to) override;
  Result<int> PruneJobs(TimePoint before, int keep_per_event, int batch,
                        TimePoint keep_since) override;
  Result<std::vector<JobRecord>> ActiveJobs(const std::string& event_id) override;
  Result<JobRecord> GetJob(const std::string& id) override;
  Result<ExecutionRecord> GetExecution(const std::string& id) override;
  Result<std::vector<ExecutionRecord>> ListExecutions(const ExecutionQuery& query) override;
  Result<ExecutionStats> GetExecutionStats(const std::string& since_id,
                                           const std::string& visible_to, int limit) override;
  Status SetExecutionOutput(const std::string& execution_id,
                            const std::string& output_json) override;
  Status SetExecutionCondition(const std::string& execution_id, bool condition) override;
  Status TidyQueue() override;
  void SetJobEndHook(JobEndHook* hook) override { hook_.store(hook); }

  // Users, sessions, API tokens, key checks: sql_store_users.inc.
  Status InsertUser(const UserRecord& user, const AuditEntry& audit) override;
  Result<UserRecord> GetUser(const std::string& id) override;
  Result<UserRecord> FindUserByLogin(const std::string& login) override;
  Result<UserRecord> FindUserByInviteHash(const std::string& invite_hash) override;
  Status UpdateUser(const UserRecord& user, const AuditEntry& audit) override;
  Status DeleteUser(const std::string& id, const AuditEntry& audit) override;
  Result<std::vector<UserRecord>> ListUsers(const UserQuery& query) override;
  Result<int64_t> CountUsers() override;
  Result<int64_t> CountActiveAdmins() override;

  Status InsertSession(const SessionRecord& session, const AuditEntry& audit) override;
  Result<SessionRecord> FindSessionByHash(const std::string& token_hash) override;
  Status RevokeSession(const std::string& id, TimePoint at, const AuditEntry& audit) override;
  Status RevokeUserSessions(const std::string& user_id, const std::string& keep_id,
                            TimePoint at) override;

  Status InsertApiToken(const ApiTokenRecord& token, const AuditEntry& audit) override;
  Result<ApiTokenRecord> FindApiTokenByHash(const std::string& token_hash) override;
  Result<ApiTokenRecord> GetApiToken(const std::string& id) override;
  Result<std::vector<ApiTokenRecord>> ListApiTokens(const std::string& user_id) override;
  Status RevokeApiToken(const std::string& id, TimePoint at, const AuditEntry& audit) override;
  Status TouchApiToken(const std::string& id, TimePoint at) override;

  Result<std::string> RecordKeyCheck(const std::string& name, const std::string& value,
                                     TimePoint at) override;
  Result<std::string> GetKeyCheck(const std::string& name) override;
  Status SetKeyCheck(const std::string& name, const std::string& value, TimePoint at) override;

  // Variables: sql_store_variables.inc.
  Result<VariableRecord> GetVariable(const std::string& user_id, const std::string& key) override;
  Result<VariableRecord> PutVariable(const VariableRecord& variable, const VariableLimits& limits,
                                     const AuditEntry& audit) override;
  Status DeleteVariable(const std::string& user_id, const std::string& key,
                        const AuditEntry& audit) override;
  Result<std::vector<VariableRecord>> ListVariables(const VariableQuery& query) override;
  Result<int64_t> CountVariables(const std::string& user_id) override;
  Result<int> RewriteVariables(
      const std::function<Result<std::string>(const VariableRecord&)>& rewrite,
      const AuditEntry& audit) override;

  // Workflows, runs, webhooks: sql_store_workflows.inc.
  Status InsertWorkflow(const WorkflowRecord& workflow, const AuditEntry& audit,
                        const std::optional<NewSchedule>& schedule,
                        const IdempotencyRecords& idempotency) override;
  Result<WorkflowRecord> GetWorkflow(const std::string& id) override;
  Status UpdateWorkflow(const WorkflowRecord& workflow, const AuditEntry& audit) override;
  Status SetWorkflowStatus(const std::string& id, EventStatus status, TimePoint now,
                           const AuditEntry& audit) override;
  Status DeleteWorkflow(const std::string& id, const AuditEntry& audit) override;
  Result<std::vector<WorkflowRecord>> ListWorkflows(const WorkflowQuery& query) override;
  Status StartWorkflowRun(const WorkflowRunRecord& run,
                          const std::vector<std::pair<JobRecord, ExecutionRecord>>& jobs,
                          const AuditEntry& audit, const IdempotencyRecords& idempotency) override;
  Status ActivateWorkflowRun(const WorkflowRunStart& start, const AuditEntry& audit) override;
  Result<std::vector<WorkflowRunRecord>> ActiveWorkflowRuns(
      const std::string& workflow_id) override;
  Result<WorkflowRunRecord> GetWorkflowRun(const std::string& id) override;
  Result<std::vector<WorkflowRunRecord>> ListWorkflowRuns(const WorkflowRunQuery& query) override;
  Result<std::vector<JobRecord>> CancelWorkflowRun(const std::string& id, const std::string& reason,
                                                   TimePoint now, const AuditEntry& audit) override;
  Result<int> PruneWorkflowRuns(TimePoint before, int batch) override;
  Status InsertWebhook(const WebhookRecord& webhook, const AuditEntry& audit) override;
  Result<WebhookRecord> GetWebhook(const std::string& id) override;
  Result<WebhookRecord> FindWebhookByKey(const std::string& key) override;
  Result<std::vector<WebhookRecord>> ListWebhooks(const std::string& target_type,
                                                  const std::string& target_id) override;
  Status DeleteWebhook(const std::string& id, const AuditEntry& audit) override;
  Status TouchWebhook(const std::string& id, TimePoint at) override;
  Result<int> RewriteWebhookSecrets(
      const std::function<Result<std::string>(const WebhookRecord&)>& rewrite,
      const AuditEntry& audit) override;

  // The audit log, idempotency records: sql_store_audit.inc.
  Status AppendAudit(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override;
  Result<int> PruneAudit(TimePoint before) override;
  Result<std::optional<IdempotencyRecord>> FindIdempotencyRecord(const std::string& principal,
                                                                 const std::string& key,
                                                                 TimePoint now) override;
  Result<int> PruneIdempotencyRecords(TimePoint now, int batch) override;

  // The database, nodes: sql_store_system.inc.
  Status Ping() override;
  Status PutNode(const NodeRecord& node) override;
  Result<std::vector<NodeRecord>> ListNodes() override;
  Result<int> PruneNodes(TimePoint before) override;

  Db& db() { return *db_; }

 private:
  std::unique_ptr<Db> db_;
  std::atomic<JobEndHook*> hook_{nullptr};
};

}  // namespace cronium::store::sql
