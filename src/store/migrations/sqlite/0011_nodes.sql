-- The nodes serving one database (issue #9): each writes its row when it starts and at every
-- heartbeat, so `cronium nodes` shows who is alive, what each runs and who leads the scheduler.
CREATE TABLE nodes (
  id           TEXT PRIMARY KEY,           -- --node-id; names its workers and leases
  role         TEXT NOT NULL,              -- SERVE (API and workers) or WORKER (workers only)
  address      TEXT NOT NULL DEFAULT '',   -- its API's URL ("" for a worker node)
  version      TEXT NOT NULL DEFAULT '',
  workers      INTEGER NOT NULL DEFAULT 0,
  running      INTEGER NOT NULL DEFAULT 0, -- runs in progress at the last heartbeat
  leader       INTEGER NOT NULL DEFAULT 0, -- 1 while it leads the scheduler
  started_at   INTEGER NOT NULL,           -- Unix milliseconds
  heartbeat_at INTEGER NOT NULL,
  stopped_at   INTEGER                     -- set by a clean stop
);
