-- List views: a named selection of a folder's items (parent_id NULL: the top level). The implicit
-- view "all" of every folder is not stored. settings is JSON (description, jobNames, includeRegex,
-- recurse); source_config the config.xml it was written with.
CREATE TABLE views (
  id            INTEGER PRIMARY KEY,
  parent_id     INTEGER REFERENCES items(id) ON DELETE CASCADE,
  name          TEXT    NOT NULL,
  name_key      TEXT    NOT NULL,
  settings      TEXT    NOT NULL,
  source_config TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX views_name ON views (COALESCE(parent_id, 0), name_key);
