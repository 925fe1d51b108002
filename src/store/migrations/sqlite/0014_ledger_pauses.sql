-- A pause is recorded as two ledger rows (issue #20), not one per occurrence: PAUSED at the first
-- occurrence it covers, and RESUMED when it ends, with how many occurrences it covered and the
-- last of them (planned_at is the first).
ALTER TABLE schedule_ledger ADD COLUMN occurrences INTEGER;
ALTER TABLE schedule_ledger ADD COLUMN last_planned_at INTEGER;

-- The check values of the keys this database's secrets are sealed with (issue #20), by name
-- (`master`, `hash`): the first node records them, and a node whose key files differ refuses to
-- start. Never the keys themselves.
CREATE TABLE key_checks (
  name        TEXT PRIMARY KEY,
  check_value TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
);
