import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../types.js';
import { SqliteApiTokenStore } from './api-tokens.js';
import { AuditTable, SqliteAuditStore } from './audit.js';
import { SqliteBuildStore } from './builds.js';
import { CauseTable } from './causes.js';
import { ItemCache, SqliteItemStore } from './items.js';
import { migrate } from './migrate.js';
import { SqliteQueueStore } from './queue.js';
import { SqliteSecurityStore } from './security.js';
import { SqliteSessionStore } from './sessions.js';
import { SqliteTriggerTokenStore } from './trigger-tokens.js';
import { SqliteNodeStore } from './nodes.js';
import { SqlitePeriodicStore } from './periodic.js';
import { SqlitePollStore } from './polls.js';
import { SqliteTimerStore } from './timers.js';
import { SqliteBuildSourceStore } from './sources.js';
import { LocalSignals } from '../local-signals.js';
import { LocalRateWindows } from '../local-rate-windows.js';
import { SqliteViewStore } from './views.js';
import { SqliteWebhookStore } from './webhooks.js';
import { SqliteCredentialStore } from './credentials.js';
import { SqliteUserStore } from './users.js';
import { WriteBatch } from './write-batch.js';

export interface SqliteStoreOptions {
  /** The database file, or `:memory:` for a throwaway store. */
  readonly path: string;
  /** Hears how long each group commit took, until it was on disk (the metrics). */
  readonly observeCommit?: (seconds: number) => void;
}

/**
 * Opens (creating if needed) the embedded store: one SQLite file in WAL mode whose writes are
 * acknowledged only once they are on disk (see WriteBatch), so that they survive a crash of the
 * process or of the machine. Throws `SchemaTooNewError` for a database of a newer Steward.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (options.path !== ':memory:') {
    mkdirSync(dirname(options.path), { recursive: true });
    makePrivate(options.path);
  }
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  // Commits are made durable by WriteBatch, which fsyncs the WAL before acknowledging a write.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const memory = options.path === ':memory:';
  if (!memory) syncDirectory(dirname(options.path));
  const batch = new WriteBatch(db, memory ? null : `${options.path}-wal`, options.observeCommit);
  const ping = db.prepare('SELECT version FROM schema_migrations LIMIT 1');
  const causes = new CauseTable(db);
  const itemCache = new ItemCache();
  const audit = new AuditTable(db);
  return {
    items: new SqliteItemStore(db, batch, itemCache),
    queue: new SqliteQueueStore(db, batch, causes, audit),
    builds: new SqliteBuildStore(db, batch, causes, itemCache),
    users: new SqliteUserStore(db, batch),
    apiTokens: new SqliteApiTokenStore(db, batch),
    sessions: new SqliteSessionStore(db, batch),
    security: new SqliteSecurityStore(db, batch),
    audit: new SqliteAuditStore(db, batch, audit),
    triggerTokens: new SqliteTriggerTokenStore(db, batch),
    webhooks: new SqliteWebhookStore(db, batch),
    credentials: new SqliteCredentialStore(db, batch),
    views: new SqliteViewStore(db, batch),
    nodes: new SqliteNodeStore(db, batch),
    periodic: new SqlitePeriodicStore(db, batch),
    // One server: its rate limits are counted in its memory.
    rateWindows: new LocalRateWindows(),
    timers: new SqliteTimerStore(db, batch),
    polls: new SqlitePollStore(db, batch),
    sources: new SqliteBuildSourceStore(db, batch),
    signals: new LocalSignals(),
    async ping() {
      ping.get();
    },
    async close() {
      await batch.close();
      db.close();
    },
  };
}

/**
 * The database holds password hashes, token hashes and sealed secrets: it and its journal files are
 * readable by the server's user only. SQLite gives the journal files the database file's mode, so
 * creating the database 0600 covers them; files left by an earlier version are narrowed too.
 */
function makePrivate(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch {
      // Not there yet: SQLite creates it with the database's mode.
    }
  }
}

/** Makes the creation of the database and WAL files themselves durable. */
function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
