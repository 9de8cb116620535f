-- The ids of an item's enclosing folders, outermost first, as a JSON array. Items never move, so it
-- is written once, when the item is created; grants on a folder hold for everything below it.
ALTER TABLE items ADD COLUMN ancestor_ids TEXT NOT NULL DEFAULT '[]';
WITH RECURSIVE paths (id, ancestors) AS (
  SELECT id, json_array() FROM items WHERE parent_id IS NULL
  UNION ALL
  SELECT items.id, json_insert(paths.ancestors, '$[#]', items.parent_id) FROM items JOIN paths ON items.parent_id = paths.id
)
UPDATE items SET ancestor_ids = (SELECT ancestors FROM paths WHERE paths.id = items.id);

-- Group names of a user, as a JSON array.
ALTER TABLE users ADD COLUMN groups TEXT NOT NULL DEFAULT '[]';

-- API tokens: only the SHA-256 of the secret is kept. Revoked tokens stay, so that a request with one
-- can be told it was revoked; they go with their user.
CREATE TABLE api_tokens (
  uuid              TEXT    PRIMARY KEY,
  user_key          TEXT    NOT NULL REFERENCES users(id_key) ON DELETE CASCADE,
  name              TEXT    NOT NULL,
  hash              TEXT    NOT NULL UNIQUE,
  created_at        INTEGER NOT NULL,
  expires_at        INTEGER,
  revoked_at        INTEGER,
  last_used_at      INTEGER,
  last_used_address TEXT,
  use_count         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_user ON api_tokens (user_key);

-- Browser sessions, by the SHA-256 of the cookie value (the value itself is never stored).
CREATE TABLE sessions (
  hash         TEXT    PRIMARY KEY,
  user_key     TEXT    NOT NULL REFERENCES users(id_key) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  address      TEXT
);
CREATE INDEX sessions_user ON sessions (user_key);
CREATE INDEX sessions_seen ON sessions (last_seen_at);

-- The authorization strategy and CSRF setting, as one JSON document under the key 'policy'.
CREATE TABLE security_settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- The permission matrix: server-wide grants have no item; item grants go with their item.
CREATE TABLE security_grants (
  item_id    INTEGER REFERENCES items(id) ON DELETE CASCADE,
  sid        TEXT    NOT NULL,
  permission TEXT    NOT NULL
);
CREATE UNIQUE INDEX security_grants_identity ON security_grants (COALESCE(item_id, 0), sid, permission);

CREATE TABLE audit_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  request_id TEXT,
  action     TEXT    NOT NULL,
  outcome    TEXT    NOT NULL CHECK (outcome IN ('accepted', 'refused')),
  reason     TEXT,
  actor      TEXT    NOT NULL,
  credential TEXT    NOT NULL,
  address    TEXT,
  item       TEXT,
  queue_id   INTEGER,
  detail     TEXT    NOT NULL DEFAULT '{}',
  -- Identical events of one commit (a burst of the same trigger) are one row, counted.
  count      INTEGER NOT NULL DEFAULT 1
);
-- Queries filter by time; other filters scan within it. One index keeps each trigger's insert cheap.
CREATE INDEX audit_events_at ON audit_events (at);
