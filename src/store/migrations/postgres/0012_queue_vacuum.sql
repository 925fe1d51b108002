-- The queue's tables (issue #9): every state change of a job updates its rows, so they gather
-- dead rows fast. Vacuum and analyze them after a fixed number of changes rather than a share
-- of the table, which for a long history would let dead entries pile up in the index of queued
-- jobs (every claim walks it) and the planner's statistics lag behind a queue that fills and
-- drains. Cost-based delay off: these vacuums are small and frequent.
ALTER TABLE jobs SET (
  autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 2000,
  autovacuum_analyze_scale_factor = 0.0, autovacuum_analyze_threshold = 2000,
  autovacuum_vacuum_insert_scale_factor = 0.0, autovacuum_vacuum_insert_threshold = 10000,
  autovacuum_vacuum_cost_delay = 0);
ALTER TABLE executions SET (
  autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 5000,
  autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);
