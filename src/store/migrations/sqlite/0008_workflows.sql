-- Workflows (issue #8): DAGs of events, their runs with the state of every node, and the
-- conditional actions of events.

-- An event's conditional actions: JSON [{"trigger": "ON_SUCCESS", "type": "RUN_EVENT",
-- "targetEventId": "evt_..."}], validated by the caller.
ALTER TABLE events ADD COLUMN actions TEXT NOT NULL DEFAULT '[]';

-- Where a job comes from: the workflow run and node it runs ('' for none), and for runs started
-- by a conditional action, the execution that fired it, how deep the chain is (0 = not started
-- by an action) and the execution that started the chain (its size is bounded).
ALTER TABLE jobs ADD COLUMN workflow_run_id TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN workflow_node_id TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN caused_by TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN chain_depth INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN chain_root TEXT NOT NULL DEFAULT '';
CREATE INDEX jobs_by_chain_root ON jobs(chain_root) WHERE chain_root != '';

CREATE TABLE workflows (
  id           TEXT PRIMARY KEY,
  owner_id     TEXT NOT NULL,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  status       TEXT NOT NULL,               -- DRAFT, ACTIVE, PAUSED, ARCHIVED
  tags         TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
  shared       INTEGER NOT NULL DEFAULT 0,
  trigger_kind TEXT NOT NULL,               -- MANUAL, SCHEDULE, WEBHOOK
  schedule     TEXT NOT NULL DEFAULT '',    -- the schedule spec (JSON) of a SCHEDULE trigger
  created_at   INTEGER NOT NULL,            -- Unix milliseconds
  updated_at   INTEGER NOT NULL
);
CREATE INDEX workflows_by_owner ON workflows(owner_id, id);

-- A node runs one event. An event that some workflow uses cannot be deleted (no cascade).
CREATE TABLE workflow_nodes (
  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  node_id     TEXT NOT NULL,
  event_id    TEXT NOT NULL REFERENCES events(id),
  label       TEXT NOT NULL DEFAULT '',
  position_x  REAL NOT NULL DEFAULT 0,      -- where the editor draws it
  position_y  REAL NOT NULL DEFAULT 0,
  ord         INTEGER NOT NULL,             -- the order the user gave
  PRIMARY KEY (workflow_id, node_id)
) WITHOUT ROWID;
CREATE INDEX workflow_nodes_by_event ON workflow_nodes(event_id);

CREATE TABLE workflow_edges (
  workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  from_node   TEXT NOT NULL,
  to_node     TEXT NOT NULL,
  kind        TEXT NOT NULL,                -- ALWAYS, ON_SUCCESS, ON_FAILURE, ON_CONDITION
  ord         INTEGER NOT NULL,
  PRIMARY KEY (workflow_id, from_node, to_node)
) WITHOUT ROWID;

-- One run of a workflow. `graph` keeps the nodes and edges as they were when it started, so
-- editing the workflow does not change a run in flight.
CREATE TABLE workflow_runs (
  id            TEXT PRIMARY KEY,
  workflow_id   TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  owner_id      TEXT NOT NULL,
  status        TEXT NOT NULL,              -- RUNNING, SUCCEEDED, FAILED, CANCELLED
  trigger_kind  TEXT NOT NULL,              -- MANUAL, API, SCHEDULE, WEBHOOK
  requested_by  TEXT NOT NULL DEFAULT '',
  input         TEXT NOT NULL DEFAULT '{}',
  graph         TEXT NOT NULL,              -- JSON {"nodes": [...], "edges": [...]}
  unique_key    TEXT UNIQUE,                -- a schedule occurrence or webhook delivery
  cancel_reason TEXT NOT NULL DEFAULT '',
  end_reason    TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  finished_at   INTEGER                     -- set once no node is running
);
CREATE INDEX workflow_runs_by_workflow ON workflow_runs(workflow_id, id);
CREATE INDEX workflow_runs_finished ON workflow_runs(finished_at) WHERE finished_at IS NOT NULL;

-- Every node of a run, from its start: where it stands, its job, and what its run set.
CREATE TABLE workflow_run_nodes (
  run_id       TEXT NOT NULL REFERENCES workflow_runs(id) ON DELETE CASCADE,
  node_id      TEXT NOT NULL,
  event_id     TEXT NOT NULL,
  state        TEXT NOT NULL,               -- PENDING, RUNNING, SUCCEEDED, FAILED, SKIPPED, CANCELLED
  job_id       TEXT NOT NULL DEFAULT '',
  execution_id TEXT NOT NULL DEFAULT '',    -- the first attempt while running, the last at the end
  output       TEXT,                        -- JSON its script set
  condition    INTEGER,
  end_reason   TEXT NOT NULL DEFAULT '',
  started_at   INTEGER,
  finished_at  INTEGER,
  ord          INTEGER NOT NULL,
  PRIMARY KEY (run_id, node_id)
) WITHOUT ROWID;
