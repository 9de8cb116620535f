-- Trigger tokens: only the SHA-256 of the secret is kept; item_ids and allowed_networks are JSON arrays.
CREATE TABLE trigger_tokens (
  uuid              TEXT    PRIMARY KEY,
  name              TEXT    NOT NULL,
  hash              TEXT    NOT NULL UNIQUE,
  item_ids          TEXT    NOT NULL,
  created_by        TEXT    NOT NULL,
  created_at        INTEGER NOT NULL,
  expires_at        INTEGER,
  revoked_at        INTEGER,
  allowed_networks  TEXT    NOT NULL DEFAULT '[]',
  can_cancel        INTEGER NOT NULL DEFAULT 0,
  last_used_at      INTEGER,
  last_used_address TEXT,
  use_count         INTEGER NOT NULL DEFAULT 0
);

-- Idempotency keys: the first trigger with a key from a credential, and the queue item it led to.
-- Written in the same commit as that queue item, so a retry finds it or finds nothing.
CREATE TABLE idempotency_keys (
  credential  TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  fingerprint TEXT    NOT NULL,
  queue_id    INTEGER NOT NULL,
  created     INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  PRIMARY KEY (credential, key)
);
CREATE INDEX idempotency_keys_at ON idempotency_keys (at);

-- Webhooks by name; the secret is sealed or a keyed digest, the rest of the definition JSON.
CREATE TABLE webhooks (
  name          TEXT    NOT NULL,
  name_key      TEXT    PRIMARY KEY,
  kind          TEXT    NOT NULL CHECK (kind IN ('github', 'gitlab', 'hmac')),
  stored_secret TEXT    NOT NULL,
  definition    TEXT    NOT NULL,
  created_by    TEXT    NOT NULL,
  created_at    INTEGER NOT NULL
);
