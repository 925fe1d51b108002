#pragma once

// The PostgreSQL schema's migrations (migrations/postgres/*.sql, compiled in), applied the way
// SQLite's are: each pending one in its own transaction, recorded in schema_migrations. Nodes
// starting together take turns (a session advisory lock), and a schema newer than this binary
// is refused. Part of the PostgreSQL backend under way (issue #9).

#include "base/error.h"

namespace cronium::store::postgres {

class PgConnection;

// The newest version this binary knows.
int LatestPgSchemaVersion();

// Applies what is missing on `conn`'s database (in its search_path). kFailedPrecondition for a
// schema newer than this binary.
Status ApplyPgMigrations(PgConnection& conn);

}  // namespace cronium::store::postgres
