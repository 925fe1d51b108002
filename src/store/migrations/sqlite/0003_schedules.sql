-- Schedules of events, their ledger of planned occurrences, and unique keys on jobs so that an
-- occurrence can never become two jobs.
CREATE TABLE schedules (
  event_id        TEXT PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
  spec            TEXT NOT NULL,      -- JSON: kind, cron/interval/at, zone, limits, policies
  next_due_at     INTEGER,            -- the next planned occurrence (ms); NULL when none
  last_planned_at INTEGER,            -- the last occurrence handled (ms)
  run_count       INTEGER NOT NULL DEFAULT 0,
  updated_at      INTEGER NOT NULL
);

CREATE TABLE schedule_ledger (
  id           TEXT PRIMARY KEY,
  event_id     TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  planned_at   INTEGER NOT NULL,
  enqueued_at  INTEGER,
  lateness_ms  INTEGER,
  fate         TEXT NOT NULL,         -- FIRED, SKIPPED_OVERLAP, BUFFERED, MISSED_DOWNTIME, ...
  job_id       TEXT NOT NULL DEFAULT '',
  execution_id TEXT NOT NULL DEFAULT '',
  detail       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX schedule_ledger_by_event ON schedule_ledger(event_id, id);

ALTER TABLE jobs ADD COLUMN unique_key TEXT;
ALTER TABLE jobs ADD COLUMN serialize INTEGER NOT NULL DEFAULT 0;  -- wait for running siblings
CREATE UNIQUE INDEX jobs_unique_key ON jobs(unique_key) WHERE unique_key IS NOT NULL;
CREATE INDEX jobs_active_by_event ON jobs(event_id, status) WHERE status IN ('QUEUED', 'RUNNING');
