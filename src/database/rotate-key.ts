import { unlinkSync } from 'node:fs';
import { keyCheckOf, masterKeyFromText, newMasterKey, SEALED_MARK, SecretBox, sealedValuesIn, WrongKeyError } from '../auth/secret-box.js';
import { throttled } from '../backup/progress.js';
import { DIGEST_KEY, KEY_CHECK } from '../store/sql/rows.js';
import { KeySwap } from './key-swap.js';
import { openRotationDatabase, type RotationDatabase } from './rotation-database.js';
import { RotationRefused } from './rotation-refused.js';
import { SEALED_COLUMNS, type SealedColumn } from './sealed-values.js';

export interface RotateKeyOptions {
  /** A PostgreSQL database; null for the SQLite database of `home`. */
  readonly database: string | null;
  readonly home: string;
  /** The current key's file (the home's `secrets/master.key`, or `--key-file`), where the new key goes. */
  readonly keyFile: string;
  /** The key in `keyFile`. */
  readonly oldKey: Buffer;
  /** The new key (`--new-key-file`), or null to make one. */
  readonly newKey: Buffer | null;
  /** Hears how far the rotation got, a few times a second at most. */
  readonly progress?: (text: string) => void;
  /** Hears each table of SEALED_COLUMNS once its sealed values are sealed again, with the rows that changed. */
  readonly tableDone?: (table: string, rows: number) => void;
  readonly now?: () => Date;
}

export interface RotateKeySummary {
  /** The database as messages name it. */
  readonly database: string;
  /** How many values were sealed again, per kind, in the order of `SEALED_COLUMNS`. */
  readonly resealed: ReadonlyArray<{ readonly kind: string; readonly count: number }>;
  readonly sessionsEnded: number;
  /** Where the new key is now. */
  readonly keyFile: string;
  /** Where the old key was kept; null when this run only finished an interrupted rotation. */
  readonly backup: string | null;
  readonly generated: boolean;
  /** A crashed rotation had committed: this run only put its new key in place. */
  readonly finishedInterrupted: boolean;
  readonly elapsedMs: number;
}

/** Rows read and written per statement: memory stays flat however many builds carry passwords. */
const BATCH = 500;
const MARKED = `%${SEALED_MARK}%`;

/**
 * `steward key rotate`: seals every sealed value of a stopped deployment's database (SEALED_COLUMNS)
 * again with a new master key, carries the digest key (so job tokens' and GitLab tokens' digests, and
 * the queue's parameter keys, stay valid), ends every session (their cookie's name and the crumbs come
 * from the key), and records the new key's check, in one transaction; then puts the new key in place
 * of the old key file, keeping the old one as a backup (key-swap.ts). Before changing anything it
 * refuses a running server, running builds (their leases and secrets come from the old key), a key
 * that is not the database's, a value the old key does not open, and a value sealed where
 * SEALED_COLUMNS does not look. A crash leaves the database sealed with the old key and the old key in
 * place, or the new with the new (after a crash between the commit and the rename, running the
 * command again puts the new key in place).
 */
export async function rotateKey(options: RotateKeyOptions): Promise<RotateKeySummary> {
  const started = performance.now();
  const report = throttled(options.progress);
  const swap = new KeySwap(options.keyFile);
  const db = await openRotationDatabase(options);
  const summary = (fields: Pick<RotateKeySummary, 'resealed' | 'sessionsEnded' | 'backup' | 'generated' | 'finishedInterrupted'>): RotateKeySummary => ({
    ...fields,
    database: db.name,
    keyFile: options.keyFile,
    elapsedMs: performance.now() - started,
  });
  try {
    const stored = await setting(db, KEY_CHECK);
    const leftover = swap.leftover();
    if (leftover !== null) {
      const pending = masterKeyFromText(leftover);
      if (pending !== null && stored === keyCheckOf(pending)) {
        await swap.complete();
        return summary({ resealed: [], sessionsEnded: 0, backup: null, generated: false, finishedInterrupted: true });
      }
      swap.discardLeftover();
    }
    if (options.newKey?.equals(options.oldKey)) throw new RotationRefused(`The new key is the key ${options.keyFile} already holds: give --new-key-file another key, or leave it out to have one made.`);
    if (stored !== null && stored !== keyCheckOf(options.oldKey)) {
      const already = options.newKey !== null && stored === keyCheckOf(options.newKey);
      throw new RotationRefused(
        already
          ? `${db.name} is already sealed with the new key: start the servers with it (nothing was changed).`
          : `The key in ${options.keyFile} is not the key ${db.name} is sealed with (its key check names another): give --key-file the key the servers run with; nothing was changed.`,
      );
    }
    await refuseRunningBuilds(db);
    const old = openBox(options.oldKey, await setting(db, DIGEST_KEY), options.keyFile, db.name);
    const newKey = options.newKey ?? newMasterKey();
    const next = new SecretBox(newKey);
    // The digest key goes into the database the first time, sealed like every other value, and is sealed again with them.
    await db.run('INSERT INTO security_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [DIGEST_KEY, old.sealDigestKeyFor(old)]);
    const backup = await prepareSwap(swap, newKey, (options.now ?? (() => new Date()))());
    let resealed: RotateKeySummary['resealed'];
    let sessionsEnded: number;
    try {
      resealed = await resealAll(db, old, next, report, options.tableDone ?? (() => {}));
      await refuseSealedElsewhere(db, old, report);
      sessionsEnded = await db.run('DELETE FROM sessions');
      await db.run('INSERT INTO security_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [KEY_CHECK, keyCheckOf(newKey)]);
    } catch (error) {
      // Nothing was committed: the new key never sealed anything.
      swap.discardLeftover();
      unlinkSync(backup);
      throw error;
    }
    report('Committing');
    // From here the database may hold the new key's values (a COMMIT whose answer was lost), so its file stays.
    await db.commit();
    await swap.complete();
    return summary({ resealed, sessionsEnded, backup, generated: options.newKey === null, finishedInterrupted: false });
  } finally {
    await db.close();
  }
}

async function setting(db: RotationDatabase, key: string): Promise<string | null> {
  return (await db.all<{ value: string }>('SELECT value FROM security_settings WHERE key = ?', [key]))[0]?.value ?? null;
}

/** The old key's box, with the digest key the database carries; a carried digest key it does not open means another key. */
function openBox(key: Buffer, sealedDigestKey: string | null, keyFile: string, database: string): SecretBox {
  try {
    return new SecretBox(key, sealedDigestKey);
  } catch (error) {
    if (!(error instanceof WrongKeyError)) throw error;
    throw new RotationRefused(`The key in ${keyFile} does not open the secrets of ${database}: give --key-file the key the servers run with; nothing was changed.`);
  }
}

/**
 * Builds still running hold what the old key made: agents' builds a lease token derived from it, and
 * every build its password values sealed with it, which a build that outlived its server reads again.
 */
async function refuseRunningBuilds(db: RotationDatabase): Promise<void> {
  const running = await db.all<{ job: string; number: number | string; node: string }>(
    "SELECT i.full_name AS job, b.number, b.node FROM builds b JOIN items i ON i.id = b.job_id WHERE b.state = 'running' ORDER BY b.started_at, b.job_id, b.number",
  );
  if (running.length === 0) return;
  const named = running.slice(0, 3).map((build) => `${build.job} #${build.number} on ${build.node}`);
  const more = running.length > named.length ? `, and ${running.length - named.length} more` : '';
  throw new RotationRefused(
    `${running.length} build(s) are recorded as running (${named.join(', ')}${more}), and their leases and secrets come from the old key: start the servers, let those builds finish or stop them, stop every server, then rotate again.`,
  );
}

async function prepareSwap(swap: KeySwap, key: Buffer, now: Date): Promise<string> {
  try {
    return await swap.prepare(key.toString('base64'), now);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new RotationRefused(`The new key cannot be written beside ${swap.path} (${code}): run as the key file's owner, or copy the key where you can write and give that as --key-file; nothing was changed.`);
  }
}

/** Seals again every value of SEALED_COLUMNS, table by table, a batch of rows at a time in key order. */
async function resealAll(db: RotationDatabase, old: SecretBox, next: SecretBox, report: (text: string) => void, tableDone: (table: string, rows: number) => void): Promise<Array<{ kind: string; count: number }>> {
  const counts = new Map<string, number>(SEALED_COLUMNS.map((column) => [column.kind, 0]));
  const tables = [...new Set(SEALED_COLUMNS.map((column) => column.table))];
  for (const table of tables) {
    const columns = SEALED_COLUMNS.filter((column) => column.table === table);
    const key = (columns[0] as SealedColumn).key;
    const keyList = key.map(quote).join(', ');
    const marked = columns.map((column) => `${quote(column.column)} LIKE ?`).join(' OR ');
    const update = `UPDATE ${quote(table)} SET ${columns.map((column) => `${quote(column.column)} = ?`).join(', ')} WHERE ${key.map((name) => `${quote(name)} = ?`).join(' AND ')}`;
    let after: unknown[] | null = null;
    let rows = 0;
    let changed = 0;
    for (;;) {
      const page: Array<Record<string, unknown>> = await db.all(
        `SELECT ${keyList}, ${columns.map((column) => quote(column.column)).join(', ')} FROM ${quote(table)} WHERE (${marked})${after ? ` AND (${keyList}) > (${key.map(() => '?').join(', ')})` : ''} ORDER BY ${keyList} LIMIT ${BATCH}`,
        [...columns.map(() => MARKED), ...(after ?? [])],
      );
      for (const row of page) {
        const texts = resealRow(row, columns, old, next, counts);
        if (!texts) continue;
        await db.run(update, [...texts, ...key.map((name) => row[name])]);
        changed += 1;
      }
      rows += page.length;
      report(`Sealing again with the new key: ${table}, ${rows.toLocaleString('en-US')} rows`);
      if (page.length < BATCH) break;
      const last = page[page.length - 1] as Record<string, unknown>;
      after = key.map((name) => last[name]);
    }
    tableDone(table, changed);
  }
  return [...counts].map(([kind, count]) => ({ kind, count }));
}

/**
 * One row's sealed columns with every value sealed again (a value met twice in the row, such as a
 * password default in the settings and in the config.xml, gets one new sealed form), or null when
 * nothing changed.
 */
function resealRow(row: Record<string, unknown>, columns: readonly SealedColumn[], old: SecretBox, next: SecretBox, counts: Map<string, number>): unknown[] | null {
  const again = new Map<string, string>();
  let changed = false;
  const texts = columns.map((column) => {
    const text = row[column.column];
    if (typeof text !== 'string') return text;
    const values = [...new Set(column.values(text))];
    let resealed = text;
    for (const value of values) {
      let sealed = again.get(value);
      if (sealed === undefined) {
        const plain = old.unseal(value);
        if (plain === null) {
          throw new RotationRefused(
            `The old key does not open one of the ${column.kind} in ${column.table} (${rowName(row, column)}), so it cannot be sealed again: set that value again (or delete it) through a server, then rotate again; nothing was changed.`,
          );
        }
        sealed = next.seal(plain);
        again.set(value, sealed);
      }
      resealed = resealed.split(value).join(sealed);
    }
    counts.set(column.kind, (counts.get(column.kind) ?? 0) + values.length);
    if (sealedValuesIn(resealed).some((value) => old.unseal(value) !== null)) throw sealedElsewhere(`${column.table}.${column.column}`, rowName(row, column));
    changed ||= resealed !== text;
    return resealed;
  });
  return changed ? texts : null;
}

/** Every text column SEALED_COLUMNS does not name must hold no value the old key opens. */
async function refuseSealedElsewhere(db: RotationDatabase, old: SecretBox, report: (text: string) => void): Promise<void> {
  const named = new Set(SEALED_COLUMNS.map((column) => `${column.table}.${column.column}`));
  for (const [table, all] of await db.textColumns()) {
    const columns = all.filter((column) => !named.has(`${table}.${column}`));
    if (columns.length === 0) continue;
    report(`Looking for sealed values elsewhere: ${table}`);
    const rows = await db.all<Record<string, unknown>>(
      `SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)} WHERE ${columns.map((column) => `${quote(column)} LIKE ?`).join(' OR ')}`,
      columns.map(() => MARKED),
    );
    for (const row of rows) {
      for (const column of columns) {
        const text = row[column];
        if (typeof text === 'string' && sealedValuesIn(text).some((value) => old.unseal(value) !== null)) throw sealedElsewhere(`${table}.${column}`, null);
      }
    }
  }
}

function sealedElsewhere(where: string, row: string | null): RotationRefused {
  return new RotationRefused(
    `${where}${row ? ` (${row})` : ''} holds a value sealed with the old key where key rotation does not look, so it would be left unreadable: nothing was changed; this is a bug of this Steward (src/database/sealed-values.ts must name where that value is).`,
  );
}

function rowName(row: Record<string, unknown>, column: SealedColumn): string {
  return column.key.map((name) => `${name} ${String(row[name])}`).join(', ');
}

function quote(identifier: string): string {
  return `"${identifier}"`;
}
