#pragma once

// The embedded store: one SQLite file in WAL mode. Writes go through one connection under a
// mutex (SQLite has one writer anyway); reads use a small pool of connections so GETs proceed
// while a write is in flight; checkpoints run on a thread of their own. The store's logic is
// SqlStore (store/sql), shared with PostgreSQL. Thread-safe.

#include <memory>
#include <string>

#include "store/store.h"

namespace cronium::store::sqlite {

struct SqliteOptions {
  std::string path;      // database file; created if missing
  int reader_count = 4;  // pooled read-only connections
};

// Opens the database, applies pending migrations, and refuses (kFailedPrecondition) a
// database whose schema is newer than this binary knows. kUnavailable if it cannot be opened.
Result<std::unique_ptr<Store>> OpenStore(const SqliteOptions& options);

// The highest migration version this binary knows.
int LatestSchemaVersion();

}  // namespace cronium::store::sqlite
