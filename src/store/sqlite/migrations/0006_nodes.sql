-- Agents: machines that claim builds over HTTP. labels is a JSON array; the secrets are sealed with
-- the server's key (an administrator may be shown the current one again, as Jenkins' JNLP file does),
-- the previous one kept, with its end, while a rotation overlaps.
CREATE TABLE nodes (
  name             TEXT    NOT NULL,
  name_key         TEXT    PRIMARY KEY,
  description      TEXT    NOT NULL DEFAULT '',
  labels           TEXT    NOT NULL,
  executors        INTEGER NOT NULL,
  offline_message  TEXT,
  secret           TEXT    NOT NULL,
  previous_secret  TEXT,
  previous_until   INTEGER,
  created_at       INTEGER NOT NULL,
  last_seen_at     INTEGER
);
