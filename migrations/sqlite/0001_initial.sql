-- Nodes, tasks and their events, health history, chaos runs.
-- Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE nodes (
  id            TEXT PRIMARY KEY,
  address       TEXT NOT NULL,
  roles         TEXT NOT NULL,            -- JSON array
  version       TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('up', 'draining', 'left')),
  started_at    INTEGER NOT NULL,
  heartbeat_at  INTEGER NOT NULL,
  meta          TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE tasks (
  id                TEXT PRIMARY KEY,
  idempotency_key   TEXT UNIQUE,
  profile           TEXT NOT NULL,
  message           TEXT NOT NULL,
  priority          INTEGER NOT NULL DEFAULT 0,
  state             TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead')),
  attempt           INTEGER NOT NULL DEFAULT 0,
  max_attempts      INTEGER NOT NULL,
  timeout_ms        INTEGER NOT NULL,
  labels            TEXT NOT NULL DEFAULT '{}',  -- JSON object
  run_after         INTEGER NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  started_at        INTEGER,
  finished_at       INTEGER,
  node_id           TEXT,
  lease_expires_at  INTEGER,
  fence             INTEGER NOT NULL DEFAULT 0,
  cancel_requested  INTEGER NOT NULL DEFAULT 0,
  result            TEXT,                         -- JSON
  error             TEXT
);
CREATE INDEX tasks_claim_idx ON tasks (priority DESC, run_after, created_at) WHERE state = 'queued';
CREATE INDEX tasks_running_node_idx ON tasks (node_id) WHERE state = 'running';
CREATE INDEX tasks_lease_idx ON tasks (lease_expires_at) WHERE state = 'running';
CREATE INDEX tasks_finished_idx ON tasks (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX tasks_state_created_idx ON tasks (state, created_at);

CREATE TABLE task_events (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id   TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  at        INTEGER NOT NULL,
  kind      TEXT NOT NULL,
  node_id   TEXT,
  attempt   INTEGER NOT NULL,
  fence     INTEGER NOT NULL,
  detail    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX task_events_task_idx ON task_events (task_id, id);

CREATE TABLE health_results (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  node_id         TEXT NOT NULL,
  check_name      TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pass', 'warn', 'fail')),
  observed_value  REAL,
  observed_unit   TEXT,
  output          TEXT,
  duration_ms     REAL NOT NULL,
  at              INTEGER NOT NULL
);
CREATE INDEX health_results_at_idx ON health_results (at);
CREATE INDEX health_results_check_idx ON health_results (node_id, check_name, at);

CREATE TABLE chaos_runs (
  id            TEXT PRIMARY KEY,
  scenario      TEXT NOT NULL,
  state         TEXT NOT NULL,
  node_id       TEXT NOT NULL,
  started_at    INTEGER NOT NULL,
  finished_at   INTEGER,
  report        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX chaos_runs_started_idx ON chaos_runs (started_at);
