-- Placement of a task: pinned to one node, and/or to nodes advertising labels (issue 11).
-- Numbered 0003: 0002 is taken by the cluster branch's store identity.
ALTER TABLE tasks ADD COLUMN pin_node TEXT;
ALTER TABLE tasks ADD COLUMN requires TEXT NOT NULL DEFAULT '{}'; -- JSON object of label = value
