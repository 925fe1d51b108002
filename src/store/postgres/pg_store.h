#pragma once

// The store on PostgreSQL, for several nodes sharing one database (issue #9). The store's logic
// is SqlStore (store/sql), shared with SQLite; here are the connections and the concurrency:
// writes run in SERIALIZABLE transactions (retried when PostgreSQL asks), so every check-then-act
// written for SQLite's one writer stays correct; the job lifecycle (claims, leases, ends) runs
// in READ COMMITTED, claims with FOR UPDATE SKIP LOCKED, so workers on every node claim side by
// side, taking the locks it needs explicitly. Thread-safe.

#include <memory>
#include <string>

#include "store/store.h"

namespace cronium::store::postgres {

struct PgStoreOptions {
  std::string url;     // a libpq URI (postgres://...) or key=value string
  std::string schema;  // "" for the server's search_path (tests use a schema each)
  int pool_size = 8;   // connections, opened on demand
  std::string application_name = "cronium";  // the connections' name in pg_stat_activity
};

// Connects, applies pending migrations (nodes starting together apply them once), and refuses
// (kFailedPrecondition) a schema newer than this binary. kUnavailable if the server cannot be
// reached.
Result<std::unique_ptr<Store>> OpenStore(const PgStoreOptions& options);

}  // namespace cronium::store::postgres
