-- The durable queue: priorities, per-event concurrency and retry policies, job kinds, leases
-- held by LEASED and RUNNING jobs, per-attempt resource use, and run counters on events.
ALTER TABLE events ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;        -- 0 LOW .. 3 CRITICAL
ALTER TABLE events ADD COLUMN max_concurrent INTEGER NOT NULL DEFAULT 0;  -- 0 = no limit
ALTER TABLE events ADD COLUMN retry_delay_ms INTEGER NOT NULL DEFAULT 1000;
ALTER TABLE events ADD COLUMN retry_max_delay_ms INTEGER NOT NULL DEFAULT 300000;
ALTER TABLE events ADD COLUMN retry_on TEXT NOT NULL DEFAULT 'FAILED,TIMED_OUT,LOST';
ALTER TABLE events ADD COLUMN last_run_at INTEGER;
ALTER TABLE events ADD COLUMN success_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN failure_count INTEGER NOT NULL DEFAULT 0;

ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'SCRIPT';
ALTER TABLE jobs ADD COLUMN last_error TEXT NOT NULL DEFAULT '';

ALTER TABLE executions ADD COLUMN worker_id TEXT NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN cpu_time_ms INTEGER;
ALTER TABLE executions ADD COLUMN max_rss_kb INTEGER;

-- Claims: priority, then run_after, then age.
DROP INDEX jobs_queued;
CREATE INDEX jobs_queued ON jobs(priority DESC, run_after, id) WHERE status = 'QUEUED';
-- The reaper: held jobs by lease expiry.
DROP INDEX jobs_running;
CREATE INDEX jobs_held ON jobs(lease_expires_at) WHERE status IN ('LEASED', 'RUNNING');
DROP INDEX jobs_active_by_event;
CREATE INDEX jobs_active_by_event ON jobs(event_id, status)
  WHERE status IN ('QUEUED', 'LEASED', 'RUNNING');
-- Retention: finished jobs by age.
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
