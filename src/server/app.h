#pragma once

// The composition root: builds every module from ServeOptions, wires them, starts and stops
// them in order. Only this module knows the wiring. Start/Stop from one thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "sandbox/spec.h"

namespace cronium::server {

// Node ids: 1 to 64 of A-Z a-z 0-9 . _ - (they go into worker ids, leases and notifications).
bool ValidNodeId(std::string_view id);
inline constexpr const char* kNodeIdRule = "1 to 64 of the characters A-Z a-z 0-9 . _ -";

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  std::string ui_dir;  // "" serves the web UI built into the binary; else that directory's files
  std::string data_dir = "./data";
  std::string database;         // "" = SQLite file in the data dir
  std::string master_key_file;  // "" = master.key in the data dir
  int workers = 0;              // 0 = one per core
  int http_threads = 0;         // 0 = cores
  std::chrono::milliseconds shutdown_grace{30'000};
  int ledger_retention_days = 30;     // 0 keeps the schedule ledger forever
  int execution_retention_days = 30;  // finished runs older than this are deleted (0 = kept)
  int executions_per_event = 1'000;   // at most this many finished runs per event (0 = all)
  std::string node_id = "local";      // names this node's workers ("<node>/w<n>") and leases
  // `cronium worker`: only runs jobs (no API, scheduler or maintenance); PostgreSQL only.
  bool worker_only = false;
  // This process has a mount namespace of its own (set by main): the runtime helpers are put
  // on a tmpfs there, so no host path shows in a sandbox's mountinfo.
  bool private_mounts = false;
  // PostgreSQL: vacuum `jobs` after this many ends of this node's jobs (0: leave it to
  // autovacuum). See Store::TidyQueue.
  int queue_tidy_every = 5'000;
  std::chrono::milliseconds lease{30'000};      // a worker's hold on a job, renewed by heartbeats
  std::chrono::milliseconds heartbeat{10'000};  // lease renewal and reaper period
  int audit_retention_days = 365;               // 0 keeps the audit log forever
  // An occurrence handled later than this after its planned instant counts as missed.
  std::chrono::milliseconds misfire_grace{60'000};
  double token_requests_per_second = 1'000;      // per API token (burst: twice that)
  std::chrono::milliseconds token_cache{2'000};  // reuse of verified tokens (0 = off)
  int runtime_requests_per_minute = 1'000;       // runtime API calls per run
  int max_action_depth = 16;  // conditional actions started by conditional actions, at most
  // "auto": the sandbox where this machine allows it, else plain processes with a warning;
  // "sandbox": the sandbox or no start; "process": plain processes (no isolation).
  std::string isolation = "auto";
  // The unprivileged identities of sandboxed scripts: uids sandbox_uid to sandbox_uid +
  // sandbox_uid_count - 1, one per run going at once; gids alike from sandbox_gid (0: the same
  // numbers as the uids).
  uint32_t sandbox_uid = 64'000;
  uint32_t sandbox_uid_count = 1'000;
  uint32_t sandbox_gid = 0;
  // Limits of runs whose event leaves them at 0, and the ceilings an event may ask for.
  int64_t default_memory_mb = 512;
  int64_t default_pids = 256;
  int64_t default_disk_mb = 64;  // the work dir and /tmp, each
  int64_t max_memory_mb = 8'192;
  int64_t max_pids = 4'096;
  int64_t max_disk_mb = 4'096;
  int64_t max_cpu_seconds = 7 * 24 * 3600;
  bool allow_host_network = false;  // events may ask for network "host"
  // Host directories shared read-write with every sandboxed script: "HOST[:PATH_INSIDE]".
  std::vector<std::string> sandbox_shares;
  // Tests only: see api::ApiContext::kill_after_idempotent_write_for_test.
  bool kill_after_idempotent_write_for_test = false;
};

// `cronium admin bootstrap`: opens the data dir (whether or not a server runs on it), creates
// the first admin if there is none and returns a new admin-scope API token.
Result<std::string> BootstrapAdminToken(const ServeOptions& options);

// "host:port" -> parts. kInvalidArgument on anything else.
Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen);

class App {
 public:
  explicit App(ServeOptions options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Creates the data dir (0700) and key file, opens and migrates the store, recovers runs a
  // previous process left unfinished, starts workers and the HTTP server.
  Status Start();
  // The URL the server answers on, e.g. "http://127.0.0.1:8080".
  std::string url() const;
  // The password of the admin account created by this start, if it created one. Shown once
  // to the operator on stdout; never logged.
  const std::optional<std::string>& first_admin_password() const { return first_admin_password_; }
  // Graceful: stop accepting, finish in-flight requests, let runs finish within the grace.
  void Stop();
  // Why this node stopped itself while running, if it did: in a cluster, another node rotated
  // the master key, and this one cannot read what is sealed with the new key (it sent itself
  // SIGTERM, so that the caller's wait for a stop signal ends).
  std::optional<std::string> fatal_error() const;

 private:
  struct Parts;
  // Retention of the audit log, the schedule ledger, finished runs and expired idempotency keys.
  void Maintain(TimePoint now, int max_rows);
  void StartHeartbeat();
  // In a cluster: whether the master key recorded in the database is still this node's; if
  // not, records why in fatal_error_ and asks this process to stop.
  void CheckClusterKeys();
  void WriteNodeRow(bool stopped);
  void PruneHistory(TimePoint now, int max_rows);
  // Calls `prune` (one batch of `batch`) until it deletes nothing, the server stops or about
  // `max_rows` were deleted (0 = no bound); returns how many it deleted.
  int PruneInBatches(std::string_view what, int batch, int max_rows,
                     const std::function<Result<int>()>& prune);
  // Chooses the executor per --isolation (probing the sandbox); returns the warning to show
  // when runs are not isolated ("" when they are).
  // `helpers_dir` ("" for none) is mounted read-only into every sandbox.
  Result<std::string> StartExecutor(const std::string& data_dir, const std::string& helpers_dir);
  sandbox::Limits DefaultLimits() const;

  ServeOptions options_;
  std::string isolation_;        // "sandbox" or "none"
  std::string runtime_tmp_dir_;  // the runtime dir when it is not under the data dir
  std::string helpers_mount_;    // the helpers' tmpfs (with private_mounts)
  std::unique_ptr<Parts> parts_;
  std::string url_;
  std::optional<std::string> first_admin_password_;
  mutable std::mutex fatal_mutex_;
  std::optional<std::string> fatal_error_;  // Guarded by fatal_mutex_.
};

}  // namespace cronium::server
