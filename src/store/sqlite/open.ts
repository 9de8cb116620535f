import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../types.js';
import { SqliteBuildStore } from './builds.js';
import { CauseTable } from './causes.js';
import { SqliteItemStore } from './items.js';
import { migrate } from './migrate.js';
import { SqliteQueueStore } from './queue.js';
import { SqliteUserStore } from './users.js';
import { WriteBatch } from './write-batch.js';

/**
 * Opens (creating if needed) the embedded store: one SQLite file in WAL mode with
 * `synchronous=FULL`, so that a committed write survives a crash of the process or of the machine.
 * Pass `:memory:` for a throwaway store.
 */
export function openSqliteStore(options: { path: string }): Store {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  const batch = new WriteBatch(db);
  const causes = new CauseTable(db);
  return {
    items: new SqliteItemStore(db, batch),
    queue: new SqliteQueueStore(db, batch, causes),
    builds: new SqliteBuildStore(db, batch, causes),
    users: new SqliteUserStore(db, batch),
    async close() {
      batch.close();
      db.close();
    },
  };
}
