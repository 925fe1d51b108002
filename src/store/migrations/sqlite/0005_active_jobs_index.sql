-- Active jobs by event without the status in the key: a job moving from QUEUED to LEASED to
-- RUNNING stays where it is in the index, so claims and starts write one page less. Queries
-- that need the status read it from the few rows of the event.
DROP INDEX jobs_active_by_event;
CREATE INDEX jobs_active_by_event ON jobs(event_id) WHERE status IN ('QUEUED', 'LEASED', 'RUNNING');
