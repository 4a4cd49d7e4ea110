-- Operator actions of the agent pool (issue 11): a node's drain, stored so it survives the
-- drained daemon's restart, and a running task's pending move to another node.
ALTER TABLE nodes ADD COLUMN drain_since timestamptz;
ALTER TABLE nodes ADD COLUMN drain_deadline timestamptz;
ALTER TABLE nodes ADD COLUMN drain_move boolean NOT NULL DEFAULT false;
ALTER TABLE tasks ADD COLUMN move_to text;
