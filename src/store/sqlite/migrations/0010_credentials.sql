-- Credentials: the system store and each folder's store, ids unique per store. store_key names the
-- store (0 for the system store, else the folder's id) so that it can be part of the primary key;
-- folder_id (NULL for the system store) carries the reference, so a folder's credentials go with it.
-- The secret fields are one value sealed with the master key (database/sealed-values.ts).
CREATE TABLE credentials (
  store_key     INTEGER NOT NULL,
  folder_id     INTEGER REFERENCES items(id) ON DELETE CASCADE,
  id            TEXT    NOT NULL,
  kind          TEXT    NOT NULL CHECK (kind IN ('usernamePassword', 'secretText', 'secretFile', 'sshPrivateKey')),
  description   TEXT    NOT NULL,
  username      TEXT,
  file_name     TEXT,
  sealed_secret TEXT    NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  PRIMARY KEY (store_key, id)
);
CREATE INDEX credentials_id ON credentials (id);
