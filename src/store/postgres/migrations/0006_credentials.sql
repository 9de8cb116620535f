-- Credentials: the system store and each folder's store, ids unique per store. store_key names the
-- store (0 for the system store, else the folder's id) so that it can be part of the primary key;
-- folder_id (NULL for the system store) carries the reference, so a folder's credentials go with it.
-- The secret fields are one value sealed with the master key (database/sealed-values.ts).
CREATE TABLE credentials (
  store_key     bigint  NOT NULL,
  folder_id     bigint  REFERENCES items(id) ON DELETE CASCADE,
  id            text    NOT NULL,
  kind          text    NOT NULL CHECK (kind IN ('usernamePassword', 'secretText', 'secretFile', 'sshPrivateKey')),
  description   text    NOT NULL,
  username      text,
  file_name     text,
  sealed_secret text    NOT NULL,
  created_at    bigint  NOT NULL,
  updated_at    bigint  NOT NULL,
  PRIMARY KEY (store_key, id)
);
CREATE INDEX credentials_id ON credentials (id);
