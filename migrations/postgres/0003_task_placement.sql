-- Placement of a task: pinned to one node, and/or to nodes advertising labels (issue 11).
-- Numbered 0003: 0002 is taken by the cluster branch's store identity.
ALTER TABLE tasks ADD COLUMN pin_node text;
ALTER TABLE tasks ADD COLUMN requires jsonb NOT NULL DEFAULT '{}';
