-- Schedules of workflows (issue #8): a schedule, and its ledger, belong to an event or to a
-- workflow. `target_id` is the one of the two it belongs to; the two foreign keys delete it
-- with its owner. Ledger rows go with their schedule.
CREATE TABLE schedules_v2 (
  target_id       TEXT PRIMARY KEY,
  event_id        TEXT UNIQUE REFERENCES events(id) ON DELETE CASCADE,
  workflow_id     TEXT UNIQUE REFERENCES workflows(id) ON DELETE CASCADE,
  spec            TEXT NOT NULL,      -- JSON: kind, cron/interval/at, zone, limits, policies
  next_due_at     INTEGER,            -- the next planned occurrence (ms); NULL when none
  last_planned_at INTEGER,            -- the last occurrence handled (ms)
  run_count       INTEGER NOT NULL DEFAULT 0,
  updated_at      INTEGER NOT NULL,
  CHECK ((event_id IS NOT NULL AND workflow_id IS NULL AND target_id = event_id) OR
         (workflow_id IS NOT NULL AND event_id IS NULL AND target_id = workflow_id))
);
INSERT INTO schedules_v2 (target_id, event_id, spec, next_due_at, last_planned_at, run_count,
                          updated_at)
  SELECT event_id, event_id, spec, next_due_at, last_planned_at, run_count, updated_at
  FROM schedules;

CREATE TABLE schedule_ledger_v2 (
  id           TEXT PRIMARY KEY,
  target_id    TEXT NOT NULL REFERENCES schedules_v2(target_id) ON DELETE CASCADE,
  planned_at   INTEGER NOT NULL,
  enqueued_at  INTEGER,
  lateness_ms  INTEGER,
  fate         TEXT NOT NULL,         -- FIRED, SKIPPED_OVERLAP, BUFFERED, MISSED_DOWNTIME, ...
  job_id       TEXT NOT NULL DEFAULT '',
  execution_id TEXT NOT NULL DEFAULT '',  -- an event's execution or a workflow's run
  detail       TEXT NOT NULL DEFAULT ''
);
INSERT INTO schedule_ledger_v2 (id, target_id, planned_at, enqueued_at, lateness_ms, fate, job_id,
                                execution_id, detail)
  SELECT id, event_id, planned_at, enqueued_at, lateness_ms, fate, job_id, execution_id, detail
  FROM schedule_ledger WHERE event_id IN (SELECT target_id FROM schedules_v2);

DROP TABLE schedule_ledger;
DROP TABLE schedules;
ALTER TABLE schedules_v2 RENAME TO schedules;
ALTER TABLE schedule_ledger_v2 RENAME TO schedule_ledger;
CREATE INDEX schedule_ledger_by_target ON schedule_ledger(target_id, id);

-- The schedule lives in `schedules` now.
ALTER TABLE workflows DROP COLUMN schedule;

-- A workflow's runs not finished yet (QUEUED behind another, RUNNING, or cancelled with nodes
-- still stopping): what overlap policies and held runs look at.
CREATE INDEX workflow_runs_active ON workflow_runs(workflow_id, id) WHERE finished_at IS NULL;
