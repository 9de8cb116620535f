-- The rate limits' counts (failed authentications per address, triggers per token and per address),
-- shared by every server of the deployment (store/postgres/rate-windows.ts). One row per key: its
-- current window, which started with the key's first event and ends at ends_at (ms since the epoch);
-- reserved counts failures counted before the password check that decides them. A check is one seek
-- of the primary key; pruning deletes ended windows through rate_windows_ended, a bounded batch at a
-- time. UNLOGGED: the counts are written without WAL, so counting costs no disk flush and holds the
-- key's row only for its statement; after a crash of the database (or on a standby) they start
-- empty, which only forgives a few events early.
CREATE UNLOGGED TABLE rate_windows (
  key      text    PRIMARY KEY,
  ends_at  bigint  NOT NULL,
  events   integer NOT NULL,
  reserved integer NOT NULL
);
CREATE INDEX rate_windows_ended ON rate_windows (ends_at);
