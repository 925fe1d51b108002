#pragma once

// The composition root: builds every module from ServeOptions, wires them, starts and stops
// them in order. Only this module knows the wiring. Start/Stop from one thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/error.h"

namespace cronium::server {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  std::string data_dir = "./data";
  std::string database;         // "" = SQLite file in the data dir
  std::string master_key_file;  // "" = master.key in the data dir
  int workers = 0;              // 0 = one per core
  int http_threads = 0;         // 0 = cores
  std::chrono::milliseconds shutdown_grace{30'000};
  int ledger_retention_days = 30;           // 0 keeps the schedule ledger forever
  int execution_retention_days = 30;        // finished runs older than this are deleted (0 = kept)
  int executions_per_event = 1'000;         // at most this many finished runs per event (0 = all)
  std::string node_id = "local";            // names this node's workers ("<node>/w<n>") and leases
  std::chrono::milliseconds lease{30'000};  // a worker's hold on a job, renewed by heartbeats
  std::chrono::milliseconds heartbeat{10'000};  // lease renewal and reaper period
  int audit_retention_days = 365;               // 0 keeps the audit log forever
  // An occurrence handled later than this after its planned instant counts as missed.
  std::chrono::milliseconds misfire_grace{60'000};
  double token_requests_per_second = 1'000;      // per API token (burst: twice that)
  std::chrono::milliseconds token_cache{2'000};  // reuse of verified tokens (0 = off)
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

 private:
  struct Parts;
  // Retention of the audit log, the schedule ledger and finished runs.
  void Maintain(TimePoint now, int max_batches);
  void PruneHistory(TimePoint now, int max_batches);

  ServeOptions options_;
  std::unique_ptr<Parts> parts_;
  std::string url_;
  std::optional<std::string> first_admin_password_;
};

}  // namespace cronium::server
