-- The node a build runs on: the built-in node or an agent (by name, kept after the agent is deleted).
ALTER TABLE builds ADD COLUMN node TEXT NOT NULL DEFAULT 'built-in';
