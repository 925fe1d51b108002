-- Events, the jobs that run them, and one execution row per attempt.
CREATE TABLE events (
  id              TEXT PRIMARY KEY,
  owner_id        TEXT NOT NULL DEFAULT '',
  name            TEXT NOT NULL,
  description     TEXT NOT NULL DEFAULT '',
  type            TEXT NOT NULL,
  content         TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL,
  run_location    TEXT NOT NULL DEFAULT 'LOCAL',
  timeout_seconds INTEGER NOT NULL,
  retries         INTEGER NOT NULL DEFAULT 0,
  env_vars        TEXT NOT NULL DEFAULT '[]',  -- JSON [{"key":..., "sealed":...}], values sealed
  tags            TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  shared          INTEGER NOT NULL DEFAULT 0,
  http_request    TEXT NOT NULL DEFAULT '',    -- JSON object for HTTP_REQUEST events
  created_at      INTEGER NOT NULL,            -- Unix milliseconds
  updated_at      INTEGER NOT NULL
);
CREATE INDEX events_by_status ON events(status, id);

CREATE TABLE jobs (
  id                   TEXT PRIMARY KEY,
  event_id             TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  owner_id             TEXT NOT NULL DEFAULT '',
  trigger_kind         TEXT NOT NULL,
  status               TEXT NOT NULL,
  input                TEXT NOT NULL DEFAULT 'null',
  priority             INTEGER NOT NULL DEFAULT 1,
  run_after            INTEGER NOT NULL,
  attempts             INTEGER NOT NULL DEFAULT 0,
  max_attempts         INTEGER NOT NULL DEFAULT 1,
  timeout_ms           INTEGER NOT NULL,
  current_execution_id TEXT NOT NULL,
  lease_owner          TEXT NOT NULL DEFAULT '',
  lease_expires_at     INTEGER,
  cancel_reason        TEXT NOT NULL DEFAULT '',
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL,
  finished_at          INTEGER
);
CREATE INDEX jobs_queued ON jobs(priority DESC, id) WHERE status = 'QUEUED';
CREATE INDEX jobs_running ON jobs(status) WHERE status = 'RUNNING';
CREATE INDEX jobs_by_event ON jobs(event_id);

CREATE TABLE executions (
  id               TEXT PRIMARY KEY,
  job_id           TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  event_id         TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  attempt          INTEGER NOT NULL,
  status           TEXT NOT NULL,
  exit_code        INTEGER,
  signal           INTEGER,
  stdout           TEXT NOT NULL DEFAULT '',
  stderr           TEXT NOT NULL DEFAULT '',
  stdout_truncated INTEGER NOT NULL DEFAULT 0,
  stderr_truncated INTEGER NOT NULL DEFAULT 0,
  output           TEXT,
  condition        INTEGER,
  end_reason       TEXT NOT NULL DEFAULT '',
  isolation        TEXT NOT NULL DEFAULT '',
  trigger_kind     TEXT NOT NULL DEFAULT '',
  started_at       INTEGER,
  finished_at      INTEGER,
  duration_ms      INTEGER,
  created_at       INTEGER NOT NULL
);
CREATE INDEX executions_by_event ON executions(event_id, id);
CREATE INDEX executions_by_job ON executions(job_id);
