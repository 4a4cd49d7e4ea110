-- Nodes, tasks and their events, health history, chaos runs.

CREATE TABLE nodes (
  id            text PRIMARY KEY,
  address       text NOT NULL,
  roles         jsonb NOT NULL,
  version       text NOT NULL,
  status        text NOT NULL CHECK (status IN ('up', 'draining', 'left')),
  started_at    timestamptz NOT NULL,
  heartbeat_at  timestamptz NOT NULL,
  meta          jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE tasks (
  id                text PRIMARY KEY,
  idempotency_key   text UNIQUE,
  profile           text NOT NULL,
  message           text NOT NULL,
  priority          integer NOT NULL DEFAULT 0,
  state             text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead')),
  attempt           integer NOT NULL DEFAULT 0,
  max_attempts      integer NOT NULL,
  timeout_ms        bigint NOT NULL,
  labels            jsonb NOT NULL DEFAULT '{}',
  run_after         timestamptz NOT NULL,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  started_at        timestamptz,
  finished_at       timestamptz,
  node_id           text,
  lease_expires_at  timestamptz,
  fence             bigint NOT NULL DEFAULT 0,
  cancel_requested  boolean NOT NULL DEFAULT false,
  result            jsonb,
  error             text
);
CREATE INDEX tasks_claim_idx ON tasks (priority DESC, run_after, created_at) WHERE state = 'queued';
CREATE INDEX tasks_running_node_idx ON tasks (node_id) WHERE state = 'running';
CREATE INDEX tasks_lease_idx ON tasks (lease_expires_at) WHERE state = 'running';
CREATE INDEX tasks_finished_idx ON tasks (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX tasks_state_created_idx ON tasks (state, created_at);

CREATE TABLE task_events (
  id        bigserial PRIMARY KEY,
  task_id   text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  at        timestamptz NOT NULL,
  kind      text NOT NULL,
  node_id   text,
  attempt   integer NOT NULL,
  fence     bigint NOT NULL,
  detail    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX task_events_task_idx ON task_events (task_id, id);

CREATE TABLE health_results (
  id              bigserial PRIMARY KEY,
  node_id         text NOT NULL,
  check_name      text NOT NULL,
  status          text NOT NULL CHECK (status IN ('pass', 'warn', 'fail')),
  observed_value  double precision,
  observed_unit   text,
  output          text,
  duration_ms     double precision NOT NULL,
  at              timestamptz NOT NULL
);
CREATE INDEX health_results_at_idx ON health_results (at);
CREATE INDEX health_results_check_idx ON health_results (node_id, check_name, at);

CREATE TABLE chaos_runs (
  id            text PRIMARY KEY,
  scenario      text NOT NULL,
  state         text NOT NULL,
  node_id       text NOT NULL,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  report        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX chaos_runs_started_idx ON chaos_runs (started_at);

-- Workers LISTEN on this channel so a queued task wakes them at once instead of at the next poll.
CREATE FUNCTION aidos_notify_task_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('aidos_task_queued', NEW.profile);
  RETURN NULL;
END
$$;
CREATE TRIGGER tasks_queued_notify AFTER INSERT OR UPDATE OF state ON tasks
  FOR EACH ROW WHEN (NEW.state = 'queued') EXECUTE FUNCTION aidos_notify_task_queued();
