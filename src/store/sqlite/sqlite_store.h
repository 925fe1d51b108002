#pragma once

// The embedded store: one SQLite file in WAL mode. Writes go through one connection under a
// mutex (SQLite has one writer anyway); reads use a small pool of connections so GETs proceed
// while a write is in flight. Thread-safe.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
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
  Status InsertEvent(const EventRecord& event) override;
  Result<EventRecord> GetEvent(const std::string& id) override;
  Status UpdateEvent(const EventRecord& event) override;
  Status DeleteEvent(const std::string& id) override;
  Result<std::vector<EventRecord>> ListEvents(const EventQuery& query) override;
  Status EnqueueJob(const JobRecord& job, const ExecutionRecord& first_execution) override;
  Result<std::optional<ClaimedJob>> ClaimNextJob(const std::string& worker_id, TimePoint now,
                                                 TimePoint lease_expires_at) override;
  Status FinishExecution(const ExecutionRecord& execution, TimePoint now) override;
  Result<CancelOutcome> CancelJob(const std::string& job_id, const std::string& reason,
                                  TimePoint now) override;
  Result<int> RecoverAbandonedJobs(const std::string& reason, TimePoint now) override;
  Result<JobRecord> GetJob(const std::string& id) override;
  Result<ExecutionRecord> GetExecution(const std::string& id) override;
  Result<std::vector<ExecutionRecord>> ListExecutions(const ExecutionQuery& query) override;

  // The highest migration version this binary knows.
  static int LatestSchemaVersion();

 private:
  class ReaderLease;
  SqliteStore() = default;
  ReaderLease AcquireReader();
  void ReleaseReader(std::unique_ptr<SqliteConnection> conn);

  // Guarded by writer_mutex_.
  std::mutex writer_mutex_;
  std::unique_ptr<SqliteConnection> writer_;

  // Guarded by readers_mutex_.
  std::mutex readers_mutex_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;
};

}  // namespace cronium::store::sqlite
