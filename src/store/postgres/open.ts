import pg from 'pg';
import type { Store } from '../types.js';
import { PgApiTokenStore } from './api-tokens.js';
import { AuditTable, PgAuditStore } from './audit.js';
import { PgBuildStore } from './builds.js';
import { CauseTable } from './causes.js';
import { PgItemStore } from './items.js';
import { migrate } from './migrate.js';
import { PgNodeStore } from './nodes.js';
import { PgPeriodicStore } from './periodic.js';
import { PgPollStore } from './polls.js';
import { PgTimerStore } from './timers.js';
import { PgBuildSourceStore } from './sources.js';
import { PgQueueStore } from './queue.js';
import { PgRateWindowStore } from './rate-windows.js';
import { PgSecurityStore } from './security.js';
import { PgSessionStore } from './sessions.js';
import { PgSignals } from './signals.js';
import { Sql } from './sql.js';
import { PgTriggerTokenStore } from './trigger-tokens.js';
import { PgUserStore } from './users.js';
import { PgViewStore } from './views.js';
import { PgWebhookStore } from './webhooks.js';
import { PgCredentialStore } from './credentials.js';
import { PgWriteBatch } from './write-batch.js';

export interface PostgresStoreOptions {
  /** A libpq-style address: `postgres://user:password@host:port/database?sslmode=…`. */
  readonly url: string;
  /** The most connections this node opens (reads and the one write batch at a time). */
  readonly maxConnections?: number;
  /** Hears how long each group commit took, until COMMIT returned (the metrics). */
  readonly observeCommit?: (seconds: number) => void;
  /** Hears each transaction rolled back because it deadlocked or failed a serialization check with another's (the metrics). */
  readonly observeConflict?: () => void;
}

/** PostgreSQL's bigint (int8) as a JavaScript number: ids, counters and millisecond times fit in 2^53. */
const INT8 = 20;
export const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * The name every connection of a running server carries (`application_name`, shown to every role in
 * `pg_stat_activity`), by which `steward key rotate` sees that a server still uses the database.
 */
export const SERVER_APPLICATION_NAME = 'steward serve';

/** How a server's pools and its listening connection connect to the database at `url`. */
export function serverConnection(url: string): pg.ClientConfig {
  return { connectionString: url, types, connectionTimeoutMillis: 10_000, application_name: SERVER_APPLICATION_NAME };
}

/**
 * Opens the store on a PostgreSQL database, bringing its schema up to date first (migrate.ts: safe when
 * several nodes start at once). Writes are group-committed (write-batch.ts) and acknowledged once
 * PostgreSQL's COMMIT returned; reads go to the pool. Nothing is cached in the process, so several
 * nodes may share the database. Throws `SchemaTooNewError` for a database of a newer Steward, and the
 * `storage_unavailable` refusal when the database cannot be reached.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool({ ...serverConnection(options.url), max: options.maxConnections ?? 10 });
  // An idle connection the server closed is dropped from the pool; the next query opens another.
  pool.on('error', () => {});
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const signals = new PgSignals(pool, serverConnection(options.url));
  await signals.start();
  const db = new Sql(pool);
  const batch = new PgWriteBatch(pool, options.observeCommit, options.observeConflict);
  const causes = new CauseTable(db);
  const audit = new AuditTable();
  return {
    items: new PgItemStore(db, batch),
    queue: new PgQueueStore(db, batch, causes, audit),
    builds: new PgBuildStore(db, batch, causes),
    users: new PgUserStore(db, batch),
    apiTokens: new PgApiTokenStore(db, batch),
    sessions: new PgSessionStore(db, batch),
    security: new PgSecurityStore(db, batch),
    audit: new PgAuditStore(db, batch, audit),
    triggerTokens: new PgTriggerTokenStore(db, batch),
    webhooks: new PgWebhookStore(db, batch),
    credentials: new PgCredentialStore(db, batch),
    views: new PgViewStore(db, batch),
    nodes: new PgNodeStore(db, batch),
    periodic: new PgPeriodicStore(batch),
    rateWindows: new PgRateWindowStore(db, batch),
    timers: new PgTimerStore(db, batch),
    polls: new PgPollStore(db, batch),
    sources: new PgBuildSourceStore(db, batch),
    signals,
    async ping() {
      await db.rows('SELECT 1');
    },
    async close() {
      await signals.close();
      await batch.close();
      await pool.end();
    },
  };
}
