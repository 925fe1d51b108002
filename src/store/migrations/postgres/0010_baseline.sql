-- The PostgreSQL schema as of version 10 of the SQLite migrations (issue #9): the same tables,
-- columns, keys and indexes, in PostgreSQL's types (times are Unix milliseconds in BIGINT,
-- booleans 0/1 in BIGINT as in SQLite, BLOBs are BYTEA, and text compares and sorts by bytes
-- (COLLATE "C") as in SQLite, whatever the database's locale). Later migrations come in both
-- dialects under the same number.

CREATE TABLE events (
  id              TEXT COLLATE "C" PRIMARY KEY,
  owner_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
  name            TEXT COLLATE "C" NOT NULL,
  description     TEXT COLLATE "C" NOT NULL DEFAULT '',
  type            TEXT COLLATE "C" NOT NULL,
  content         TEXT COLLATE "C" NOT NULL DEFAULT '',
  status          TEXT COLLATE "C" NOT NULL,
  run_location    TEXT COLLATE "C" NOT NULL DEFAULT 'LOCAL',
  timeout_seconds BIGINT NOT NULL,
  retries         BIGINT NOT NULL DEFAULT 0,
  env_vars        TEXT COLLATE "C" NOT NULL DEFAULT '[]',  -- JSON [{"key":..., "sealed":...}], values sealed
  tags            TEXT COLLATE "C" NOT NULL DEFAULT '[]',  -- JSON array of strings
  shared          BIGINT NOT NULL DEFAULT 0,
  http_request    TEXT COLLATE "C" NOT NULL DEFAULT '',    -- JSON object for HTTP_REQUEST events
  created_at      BIGINT NOT NULL,            -- Unix milliseconds
  updated_at      BIGINT NOT NULL,
  priority BIGINT NOT NULL DEFAULT 1,
  max_concurrent BIGINT NOT NULL DEFAULT 0,
  retry_delay_ms BIGINT NOT NULL DEFAULT 1000,
  retry_max_delay_ms BIGINT NOT NULL DEFAULT 300000,
  retry_on TEXT COLLATE "C" NOT NULL DEFAULT 'FAILED,TIMED_OUT,LOST',
  last_run_at BIGINT,
  success_count BIGINT NOT NULL DEFAULT 0,
  failure_count BIGINT NOT NULL DEFAULT 0,
  limit_memory_mb BIGINT NOT NULL DEFAULT 0,
  limit_pids BIGINT NOT NULL DEFAULT 0,
  limit_cpu_seconds BIGINT NOT NULL DEFAULT 0,
  limit_cpu_millis BIGINT NOT NULL DEFAULT 0,
  limit_disk_mb BIGINT NOT NULL DEFAULT 0,
  limit_output_kb BIGINT NOT NULL DEFAULT 0,
  network TEXT COLLATE "C" NOT NULL DEFAULT '',
  actions TEXT COLLATE "C" NOT NULL DEFAULT '[]');
CREATE INDEX events_by_status ON events(status, id);
CREATE TABLE jobs (
  id                   TEXT COLLATE "C" PRIMARY KEY,
  event_id             TEXT COLLATE "C" NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  owner_id             TEXT COLLATE "C" NOT NULL DEFAULT '',
  trigger_kind         TEXT COLLATE "C" NOT NULL,
  status               TEXT COLLATE "C" NOT NULL,
  input                TEXT COLLATE "C" NOT NULL DEFAULT 'null',
  priority             BIGINT NOT NULL DEFAULT 1,
  run_after            BIGINT NOT NULL,
  attempts             BIGINT NOT NULL DEFAULT 0,
  max_attempts         BIGINT NOT NULL DEFAULT 1,
  timeout_ms           BIGINT NOT NULL,
  current_execution_id TEXT COLLATE "C" NOT NULL,
  lease_owner          TEXT COLLATE "C" NOT NULL DEFAULT '',
  lease_expires_at     BIGINT,
  cancel_reason        TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at           BIGINT NOT NULL,
  updated_at           BIGINT NOT NULL,
  finished_at          BIGINT,
  requested_by TEXT COLLATE "C" NOT NULL DEFAULT '',
  unique_key TEXT COLLATE "C",
  serialize BIGINT NOT NULL DEFAULT 0,
  kind TEXT COLLATE "C" NOT NULL DEFAULT 'SCRIPT',
  last_error TEXT COLLATE "C" NOT NULL DEFAULT '',
  workflow_run_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  workflow_node_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  caused_by TEXT COLLATE "C" NOT NULL DEFAULT '',
  chain_depth BIGINT NOT NULL DEFAULT 0,
  chain_root TEXT COLLATE "C" NOT NULL DEFAULT '');
CREATE INDEX jobs_by_event ON jobs(event_id);
CREATE TABLE executions (
  id               TEXT COLLATE "C" PRIMARY KEY,
  job_id           TEXT COLLATE "C" NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  event_id         TEXT COLLATE "C" NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  attempt          BIGINT NOT NULL,
  status           TEXT COLLATE "C" NOT NULL,
  exit_code        BIGINT,
  signal           BIGINT,
  stdout           TEXT COLLATE "C" NOT NULL DEFAULT '',
  stderr           TEXT COLLATE "C" NOT NULL DEFAULT '',
  stdout_truncated BIGINT NOT NULL DEFAULT 0,
  stderr_truncated BIGINT NOT NULL DEFAULT 0,
  output           TEXT COLLATE "C",
  condition        BIGINT,
  end_reason       TEXT COLLATE "C" NOT NULL DEFAULT '',
  isolation        TEXT COLLATE "C" NOT NULL DEFAULT '',
  trigger_kind     TEXT COLLATE "C" NOT NULL DEFAULT '',
  started_at       BIGINT,
  finished_at      BIGINT,
  duration_ms      BIGINT,
  created_at       BIGINT NOT NULL,
  worker_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  cpu_time_ms BIGINT,
  max_rss_kb BIGINT);
CREATE INDEX executions_by_event ON executions(event_id, id);
CREATE INDEX executions_by_job ON executions(job_id);
CREATE TABLE users (
  id                TEXT COLLATE "C" PRIMARY KEY,
  email             TEXT COLLATE "C" NOT NULL,
  username          TEXT COLLATE "C" NOT NULL,
  display_name      TEXT COLLATE "C" NOT NULL DEFAULT '',
  role              TEXT COLLATE "C" NOT NULL,              -- ADMIN, USER, VIEWER
  status            TEXT COLLATE "C" NOT NULL,              -- ACTIVE, INVITED, DISABLED
  password_hash     TEXT COLLATE "C" NOT NULL DEFAULT '',   -- libsodium crypto_pwhash_str (Argon2id)
  invite_hash       TEXT COLLATE "C",                       -- keyed hash of the one-time invite token
  invite_expires_at BIGINT,
  last_login_at     BIGINT,
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users(email);
CREATE UNIQUE INDEX users_username ON users(username);
CREATE UNIQUE INDEX users_invite ON users(invite_hash) WHERE invite_hash IS NOT NULL;
CREATE TABLE sessions (
  id           TEXT COLLATE "C" PRIMARY KEY,
  token_hash   TEXT COLLATE "C" NOT NULL UNIQUE,             -- keyed hash of the cookie value
  user_id      TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token   TEXT COLLATE "C" NOT NULL,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  revoked_at   BIGINT,
  source       TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions(user_id);
CREATE TABLE api_tokens (
  id           TEXT COLLATE "C" PRIMARY KEY,
  token_hash   TEXT COLLATE "C" NOT NULL UNIQUE,             -- keyed hash; the token itself is shown once
  user_id      TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name         TEXT COLLATE "C" NOT NULL,
  scope        TEXT COLLATE "C" NOT NULL,                    -- read, write, admin
  prefix       TEXT COLLATE "C" NOT NULL,                    -- first characters, to recognise a token
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT,
  last_used_at BIGINT,
  revoked_at   BIGINT
);
CREATE INDEX api_tokens_by_user ON api_tokens(user_id, id);
CREATE TABLE audit_log (
  id           TEXT COLLATE "C" PRIMARY KEY,                 -- time-ordered
  at           BIGINT NOT NULL,
  actor_type   TEXT COLLATE "C" NOT NULL,                    -- user, token, system, anonymous
  actor_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
  actor_name   TEXT COLLATE "C" NOT NULL DEFAULT '',
  source       TEXT COLLATE "C" NOT NULL DEFAULT '',         -- client address
  action       TEXT COLLATE "C" NOT NULL,                    -- e.g. event.create, auth.login
  target_type  TEXT COLLATE "C" NOT NULL DEFAULT '',
  target_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
  outcome      TEXT COLLATE "C" NOT NULL,                    -- success, failure
  details      TEXT COLLATE "C" NOT NULL DEFAULT '{}'        -- JSON, secret values masked
);
CREATE INDEX audit_by_actor ON audit_log(actor_id, id);
CREATE INDEX audit_by_target ON audit_log(target_type, target_id, id);
CREATE INDEX audit_by_action ON audit_log(action, id);
CREATE INDEX events_by_owner ON events(owner_id, id);
CREATE UNIQUE INDEX jobs_unique_key ON jobs(unique_key) WHERE unique_key IS NOT NULL;
CREATE INDEX jobs_queued ON jobs(priority DESC, run_after, id) WHERE status = 'QUEUED';
CREATE INDEX jobs_held ON jobs(lease_expires_at) WHERE status IN ('LEASED', 'RUNNING');
CREATE INDEX jobs_active_by_event ON jobs(event_id) WHERE status IN ('QUEUED', 'LEASED', 'RUNNING');
CREATE TABLE variables (
  user_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  key        TEXT COLLATE "C" NOT NULL,
  value      BYTEA NOT NULL,              -- sealed ciphertext, opaque to the store
  version    BIGINT NOT NULL,           -- 1 on insert, +1 on each update
  created_at BIGINT NOT NULL,           -- Unix milliseconds
  updated_at BIGINT NOT NULL,
  updated_by TEXT COLLATE "C" NOT NULL DEFAULT '',   -- "user:<id>", "execution:<id>", ...
  PRIMARY KEY (user_id, key)
);
CREATE INDEX jobs_by_chain_root ON jobs(chain_root) WHERE chain_root != '';
CREATE TABLE workflows (
  id           TEXT COLLATE "C" PRIMARY KEY,
  owner_id     TEXT COLLATE "C" NOT NULL,
  name         TEXT COLLATE "C" NOT NULL,
  description  TEXT COLLATE "C" NOT NULL DEFAULT '',
  status       TEXT COLLATE "C" NOT NULL,               -- DRAFT, ACTIVE, PAUSED, ARCHIVED
  tags         TEXT COLLATE "C" NOT NULL DEFAULT '[]',  -- JSON array of strings
  shared       BIGINT NOT NULL DEFAULT 0,
  trigger_kind TEXT COLLATE "C" NOT NULL,               -- MANUAL, SCHEDULE, WEBHOOK
  created_at   BIGINT NOT NULL,            -- Unix milliseconds
  updated_at   BIGINT NOT NULL
);
CREATE INDEX workflows_by_owner ON workflows(owner_id, id);
CREATE TABLE workflow_nodes (
  workflow_id TEXT COLLATE "C" NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  node_id     TEXT COLLATE "C" NOT NULL,
  event_id    TEXT COLLATE "C" NOT NULL REFERENCES events(id),
  label       TEXT COLLATE "C" NOT NULL DEFAULT '',
  position_x  DOUBLE PRECISION NOT NULL DEFAULT 0,      -- where the editor draws it
  position_y  DOUBLE PRECISION NOT NULL DEFAULT 0,
  ord         BIGINT NOT NULL,             -- the order the user gave
  PRIMARY KEY (workflow_id, node_id)
);
CREATE INDEX workflow_nodes_by_event ON workflow_nodes(event_id);
CREATE TABLE workflow_edges (
  workflow_id TEXT COLLATE "C" NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  from_node   TEXT COLLATE "C" NOT NULL,
  to_node     TEXT COLLATE "C" NOT NULL,
  kind        TEXT COLLATE "C" NOT NULL,                -- ALWAYS, ON_SUCCESS, ON_FAILURE, ON_CONDITION
  ord         BIGINT NOT NULL,
  PRIMARY KEY (workflow_id, from_node, to_node)
);
CREATE TABLE workflow_runs (
  id            TEXT COLLATE "C" PRIMARY KEY,
  workflow_id   TEXT COLLATE "C" NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  owner_id      TEXT COLLATE "C" NOT NULL,
  status        TEXT COLLATE "C" NOT NULL,              -- RUNNING, SUCCEEDED, FAILED, CANCELLED
  trigger_kind  TEXT COLLATE "C" NOT NULL,              -- MANUAL, API, SCHEDULE, WEBHOOK
  requested_by  TEXT COLLATE "C" NOT NULL DEFAULT '',
  input         TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  graph         TEXT COLLATE "C" NOT NULL,              -- JSON {"nodes": [...], "edges": [...]}
  unique_key    TEXT COLLATE "C" UNIQUE,                -- a schedule occurrence or webhook delivery
  cancel_reason TEXT COLLATE "C" NOT NULL DEFAULT '',
  end_reason    TEXT COLLATE "C" NOT NULL DEFAULT '',
  created_at    BIGINT NOT NULL,
  finished_at   BIGINT                     -- set once no node is running
);
CREATE INDEX workflow_runs_by_workflow ON workflow_runs(workflow_id, id);
CREATE INDEX workflow_runs_finished ON workflow_runs(finished_at) WHERE finished_at IS NOT NULL;
CREATE TABLE workflow_run_nodes (
  run_id       TEXT COLLATE "C" NOT NULL REFERENCES workflow_runs(id) ON DELETE CASCADE,
  node_id      TEXT COLLATE "C" NOT NULL,
  event_id     TEXT COLLATE "C" NOT NULL,
  state        TEXT COLLATE "C" NOT NULL,               -- PENDING, RUNNING, SUCCEEDED, FAILED, SKIPPED, CANCELLED
  job_id       TEXT COLLATE "C" NOT NULL DEFAULT '',
  execution_id TEXT COLLATE "C" NOT NULL DEFAULT '',    -- the first attempt while running, the last at the end
  output       TEXT COLLATE "C",                        -- JSON its script set
  condition    BIGINT,
  end_reason   TEXT COLLATE "C" NOT NULL DEFAULT '',
  started_at   BIGINT,
  finished_at  BIGINT,
  ord          BIGINT NOT NULL,
  PRIMARY KEY (run_id, node_id)
);
CREATE TABLE webhooks (
  id           TEXT COLLATE "C" PRIMARY KEY,
  key          TEXT COLLATE "C" NOT NULL UNIQUE,  -- the URL's last segment (random; names the webhook)
  owner_id     TEXT COLLATE "C" NOT NULL,
  target_type  TEXT COLLATE "C" NOT NULL,         -- WORKFLOW or EVENT; deleted with its target
  target_id    TEXT COLLATE "C" NOT NULL,
  secret       BYTEA NOT NULL,         -- the HMAC secret, sealed (opaque to the store)
  created_at   BIGINT NOT NULL,      -- Unix milliseconds
  last_used_at BIGINT
);
CREATE INDEX webhooks_by_target ON webhooks(target_type, target_id);
CREATE TABLE schedules (
  target_id       TEXT COLLATE "C" PRIMARY KEY,
  event_id        TEXT COLLATE "C" UNIQUE REFERENCES events(id) ON DELETE CASCADE,
  workflow_id     TEXT COLLATE "C" UNIQUE REFERENCES workflows(id) ON DELETE CASCADE,
  spec            TEXT COLLATE "C" NOT NULL,      -- JSON: kind, cron/interval/at, zone, limits, policies
  next_due_at     BIGINT,            -- the next planned occurrence (ms); NULL when none
  last_planned_at BIGINT,            -- the last occurrence handled (ms)
  run_count       BIGINT NOT NULL DEFAULT 0,
  updated_at      BIGINT NOT NULL,
  CHECK ((event_id IS NOT NULL AND workflow_id IS NULL AND target_id = event_id) OR
         (workflow_id IS NOT NULL AND event_id IS NULL AND target_id = workflow_id))
);
CREATE TABLE schedule_ledger (
  id           TEXT COLLATE "C" PRIMARY KEY,
  target_id    TEXT COLLATE "C" NOT NULL REFERENCES schedules(target_id) ON DELETE CASCADE,
  planned_at   BIGINT NOT NULL,
  enqueued_at  BIGINT,
  lateness_ms  BIGINT,
  fate         TEXT COLLATE "C" NOT NULL,         -- FIRED, SKIPPED_OVERLAP, BUFFERED, MISSED_DOWNTIME, ...
  job_id       TEXT COLLATE "C" NOT NULL DEFAULT '',
  execution_id TEXT COLLATE "C" NOT NULL DEFAULT '',  -- an event's execution or a workflow's run
  detail       TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX schedule_ledger_by_target ON schedule_ledger(target_id, id);
CREATE INDEX workflow_runs_active ON workflow_runs(workflow_id, id) WHERE finished_at IS NULL;

-- The audit log is append-only.
CREATE FUNCTION audit_log_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_update();

-- Jobs churn: vacuum and analyze them often, and leave room for HOT updates, so that claims do
-- not slow down as history grows.
ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02,
                      fillfactor = 80);
ALTER TABLE executions SET (autovacuum_vacuum_scale_factor = 0.02);
