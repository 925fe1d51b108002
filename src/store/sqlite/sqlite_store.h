#pragma once

// The embedded store: one SQLite file in WAL mode. Writes go through one connection under a
// mutex (SQLite has one writer anyway); reads use a small pool of connections so GETs proceed
// while a write is in flight. Thread-safe.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace cronium::store::sqlite {

class SqliteConnection;

struct SqliteOptions {
  std::string path;      // database file; created if missing
  int reader_count = 4;  // pooled read-only connections
};

class SqliteStore final : public Store {
 public:
  // Opens the database, applies pending migrations, and refuses (kFailedPrecondition) a
  // database whose schema is newer than this binary knows.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  ~SqliteStore() override;

  Status Ping() override;
  Status InsertEvent(const EventRecord& event, const AuditEntry& audit) override;
  Result<EventRecord> GetEvent(const std::string& id) override;
  Status UpdateEvent(const EventRecord& event, const AuditEntry& audit) override;
  Status DeleteEvent(const std::string& id, const AuditEntry& audit) override;
  Result<std::vector<EventRecord>> ListEvents(const EventQuery& query) override;
  Status EnqueueJob(const JobRecord& job, const ExecutionRecord& first_execution,
                    const AuditEntry& audit) override;
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
  Result<int> PruneJobs(TimePoint before, int keep_per_event, int batch,
                        TimePoint keep_since) override;
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
  Result<std::vector<JobRecord>> ActiveJobs(const std::string& event_id) override;
  Result<JobRecord> GetJob(const std::string& id) override;
  Result<ExecutionRecord> GetExecution(const std::string& id) override;
  Result<std::vector<ExecutionRecord>> ListExecutions(const ExecutionQuery& query) override;
  Status SetExecutionOutput(const std::string& execution_id,
                            const std::string& output_json) override;
  Status SetExecutionCondition(const std::string& execution_id, bool condition) override;

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

  Status InsertWorkflow(const WorkflowRecord& workflow, const AuditEntry& audit) override;
  Result<WorkflowRecord> GetWorkflow(const std::string& id) override;
  Status UpdateWorkflow(const WorkflowRecord& workflow, const AuditEntry& audit) override;
  Status SetWorkflowStatus(const std::string& id, EventStatus status, TimePoint now,
                           const AuditEntry& audit) override;
  Status DeleteWorkflow(const std::string& id, const AuditEntry& audit) override;
  Result<std::vector<WorkflowRecord>> ListWorkflows(const WorkflowQuery& query) override;
  Status StartWorkflowRun(const WorkflowRunRecord& run,
                          const std::vector<std::pair<JobRecord, ExecutionRecord>>& jobs,
                          const AuditEntry& audit) override;
  Status ActivateWorkflowRun(const WorkflowRunStart& start, const AuditEntry& audit) override;
  Result<std::vector<WorkflowRunRecord>> ActiveWorkflowRuns(
      const std::string& workflow_id) override;
  Result<WorkflowRunRecord> GetWorkflowRun(const std::string& id) override;
  Result<std::vector<WorkflowRunRecord>> ListWorkflowRuns(const WorkflowRunQuery& query) override;
  Result<std::vector<JobRecord>> CancelWorkflowRun(const std::string& id, const std::string& reason,
                                                   TimePoint now, const AuditEntry& audit) override;
  Result<int> PruneWorkflowRuns(TimePoint before, int batch) override;
  void SetJobEndHook(JobEndHook* hook) override { hook_.store(hook); }
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

  Status AppendAudit(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override;
  Result<int> PruneAudit(TimePoint before) override;

  // The highest migration version this binary knows.
  static int LatestSchemaVersion();

 private:
  class ReaderLease;
  SqliteStore() = default;
  ReaderLease AcquireReader();
  void ReleaseReader(std::unique_ptr<SqliteConnection> conn);
  void CheckpointLoop();

  std::atomic<JobEndHook*> hook_{nullptr};

  // Guarded by writer_mutex_.
  std::mutex writer_mutex_;
  std::unique_ptr<SqliteConnection> writer_;

  // Guarded by readers_mutex_.
  std::mutex readers_mutex_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;

  // Checkpoints run on their own thread and connection, so that no commit waits for one (and
  // for its fsyncs). The writer's WAL hook reports the WAL's size. Guarded by checkpoint_mutex_.
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_cv_;
  int wal_frames_ = 0;
  bool stopping_ = false;
  std::unique_ptr<SqliteConnection> checkpointer_;  // used by checkpoint_thread_ only
  std::thread checkpoint_thread_;
};

}  // namespace cronium::store::sqlite
