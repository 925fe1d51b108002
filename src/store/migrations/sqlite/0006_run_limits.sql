-- Per-event resource limits of the sandbox and its network policy. 0 (or '') means the
-- server's default; the server's ceilings are checked when an event is saved.
ALTER TABLE events ADD COLUMN limit_memory_mb INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN limit_pids INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN limit_cpu_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN limit_cpu_millis INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN limit_disk_mb INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN limit_output_kb INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN network TEXT NOT NULL DEFAULT '';
