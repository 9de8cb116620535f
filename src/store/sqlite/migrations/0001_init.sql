-- Items: folders and jobs in one tree. full_name_key is the lower-cased full name, so that names
-- are unique ignoring case and a lookup by full name is one indexed read.
CREATE TABLE items (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  parent_id         INTEGER REFERENCES items(id) ON DELETE CASCADE,
  kind              TEXT    NOT NULL CHECK (kind IN ('folder', 'job')),
  name              TEXT    NOT NULL,
  full_name         TEXT    NOT NULL,
  full_name_key     TEXT    NOT NULL UNIQUE,
  settings          TEXT    NOT NULL,
  source_config     TEXT,
  next_build_number INTEGER NOT NULL DEFAULT 1,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX items_parent ON items (parent_id);

-- Queue items. AUTOINCREMENT guarantees ids are never reused, even after the newest is deleted.
CREATE TABLE queue_items (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id         INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  state          TEXT    NOT NULL CHECK (state IN ('waiting', 'left', 'cancelled')),
  queued_at      INTEGER NOT NULL,
  due_at         INTEGER NOT NULL,
  parameters     TEXT,
  parameters_key TEXT    NOT NULL,
  build_number   INTEGER,
  left_at        INTEGER
);
CREATE INDEX queue_items_waiting ON queue_items (state, due_at, id);
CREATE INDEX queue_items_job ON queue_items (job_id, state, parameters_key);

-- Causes of a queue item, counted: a trigger folded into a waiting item adds one occurrence.
CREATE TABLE queue_causes (
  queue_id  INTEGER NOT NULL REFERENCES queue_items(id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  cause     TEXT    NOT NULL,
  count     INTEGER NOT NULL,
  PRIMARY KEY (queue_id, position)
);
CREATE UNIQUE INDEX queue_causes_identity ON queue_causes (queue_id, cause);

CREATE TABLE builds (
  job_id        INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  number        INTEGER NOT NULL,
  queue_id      INTEGER NOT NULL,
  state         TEXT    NOT NULL CHECK (state IN ('running', 'completed')),
  result        TEXT,
  started_at    INTEGER NOT NULL,
  duration_ms   INTEGER NOT NULL DEFAULT 0,
  parameters    TEXT,
  executor      INTEGER NOT NULL,
  interruption  TEXT,
  process_group INTEGER,
  PRIMARY KEY (job_id, number)
);
CREATE INDEX builds_running ON builds (state) WHERE state = 'running';
CREATE INDEX builds_queue ON builds (queue_id);

CREATE TABLE users (
  id            TEXT    NOT NULL,
  id_key        TEXT    NOT NULL PRIMARY KEY,
  full_name     TEXT    NOT NULL,
  password_hash TEXT    NOT NULL,
  created_at    INTEGER NOT NULL
);
