import { closeSync, createWriteStream, existsSync, fchmodSync, fstatSync, fsyncSync, openSync, readFileSync, readSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { syncDirectory } from '../backup/archive-writer.js';
import { BackupError } from '../backup/backup-error.js';
import { throttled } from '../backup/progress.js';
import { LogFiles } from '../logs/log-files.js';
import { migrate } from '../store/sqlite/migrate.js';
import { databaseInUse, takeSnapshot } from '../store/sqlite/snapshot.js';
import { STEWARD_VERSION } from '../version.js';
import { EntryDigest, EXPORT_FORMAT, EXPORT_FORMAT_VERSION, type ExportHeader, type ExportManifest, HEADER_ENTRY, keyIdOf, logEntry, MANIFEST_ENTRY, tableEntry } from './archive-format.js';
import { schemaProblems, sqliteColumns } from './schemas.js';
import { columnsOf, TABLES, type TableTransfer } from './tables.js';
import { TarGzWriter, fileBytes } from './tar-stream.js';
import { toArchive } from './values.js';

export interface ExportOptions {
  readonly home: string;
  /** The archive to write (replaced if it exists). */
  readonly to: string;
  /** Export while a server runs on the home (a consistent snapshot; what the server does afterwards is not in it). */
  readonly live: boolean;
  /** Hears how far the export got, a few times a second at most. */
  readonly progress?: (text: string) => void;
  /** Hears each table once its rows are in the archive. */
  readonly tableDone?: (table: string, rows: number) => void;
}

export interface ExportSummary {
  readonly header: ExportHeader;
  readonly manifest: ExportManifest;
  readonly archiveBytes: number;
  readonly elapsedMs: number;
}

/** Rows are archived in parts of about this many bytes: no part, and no table, is held in memory whole. */
const PART_BYTES = 1024 * 1024;
/** A log up to this long is read with one call (most are short), a longer one streamed. */
const IN_MEMORY_BYTES = 1024 * 1024;
const PRIVATE_FILE = 0o600;
const PRIVATE_DIRECTORY = 0o700;

/**
 * Exports a SQLite home into one portable archive (archive-format.ts) for `steward import`: every
 * table's rows and every build's console log. The rows come from a snapshot of the database (SQLite's
 * online backup API, as `steward backup` takes it), brought up to this Steward's schema, so the home
 * itself is only read. A home whose server runs is refused unless `live`: what the server does after
 * the snapshot would not be moved.
 */
export async function exportHome(options: ExportOptions): Promise<ExportSummary> {
  const started = performance.now();
  const report = throttled(options.progress);
  const database = join(options.home, 'steward.db');
  if (!existsSync(database)) throw new BackupError('not_found', `${options.home} holds no Steward database (steward.db).`, 'Give the home the server ran with: --home DIR, or STEWARD_HOME.');
  if (!existsSync(dirname(resolve(options.to)))) throw new BackupError('not_found', `There is no directory ${dirname(resolve(options.to))} to write ${options.to} in.`);
  const running = databaseInUse(database);
  if (running && !options.live) {
    throw new BackupError(
      'refused',
      `A Steward server is running on ${options.home} (its database is open).`,
      'Stop it first, so that nothing it does after the export is left behind; or give --live to export a consistent snapshot while it runs (a trial run).',
    );
  }
  const scratch = join(options.home, 'tmp');
  await mkdir(scratch, { recursive: true, mode: PRIVATE_DIRECTORY });
  const staging = await mkdtemp(join(scratch, 'export-'));
  try {
    report('Taking a snapshot of the database');
    const snapshotPath = join(staging, 'steward.db');
    await takeSnapshot(database, snapshotPath);
    const db = new Database(snapshotPath, { fileMustExist: true });
    try {
      const problems = (db.pragma('quick_check') as Array<{ quick_check: string }>).map((row) => row.quick_check).filter((text) => text !== 'ok');
      if (problems.length > 0) throw new BackupError('corrupt', `The database of ${options.home} failed SQLite's check: ${problems.slice(0, 3).join('; ')}.`, 'Nothing was exported. Restore the home from a backup first.');
      // The snapshot, not the home, is brought to this Steward's schema: the archive always has the columns tables.ts names.
      const { to: schemaVersion } = migrate(db);
      const mismatch = schemaProblems(sqliteColumns(db), 'sqlite');
      if (mismatch.length > 0) throw new Error(`This Steward cannot export its own schema: ${mismatch.join('; ')}. src/database/tables.ts must say how to carry it.`);
      const header = headerOf(db, options.home, schemaVersion, running);
      const { manifest, archiveBytes } = await writeExport(db, header, options, report);
      return { header, manifest, archiveBytes, elapsedMs: performance.now() - started };
    } finally {
      db.close();
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function headerOf(db: Database.Database, home: string, schemaVersion: number, live: boolean): ExportHeader {
  const count = (sql: string) => (db.prepare(sql).pluck().get() as number) ?? 0;
  const keyPath = join(home, 'secrets', 'master.key');
  return {
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    stewardVersion: STEWARD_VERSION,
    schemaVersion,
    createdAt: new Date().toISOString(),
    live,
    keyId: existsSync(keyPath) ? keyIdOf(readFileSync(keyPath, 'utf8')) : null,
    jobs: count("SELECT COUNT(*) FROM items WHERE kind = 'job'"),
    builds: count('SELECT COUNT(*) FROM builds'),
    tables: TABLES.map((table) => ({ name: table.name, columns: columnsOf(table), rows: count(`SELECT COUNT(*) FROM ${table.name}`) })),
  };
}

/** The highest id SQLite handed out for each table with a sequence: its AUTOINCREMENT counter, or the highest id there is. */
function sequencesOf(db: Database.Database): Record<string, number> {
  const hasCounters = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").get() !== undefined;
  const counter = hasCounters ? db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck() : null;
  const sequences: Record<string, number> = {};
  for (const table of TABLES) {
    if (!table.sequence) continue;
    const highest = (db.prepare(`SELECT COALESCE(MAX(${table.sequence}), 0) FROM ${table.name}`).pluck().get() as number) ?? 0;
    sequences[table.name] = Math.max(highest, (counter?.get(table.name) as number | undefined) ?? 0);
  }
  return sequences;
}

/** Writes the archive to `to.partial` (0600: it holds password and token hashes), synced, then renamed over `to`. */
async function writeExport(db: Database.Database, header: ExportHeader, options: ExportOptions, report: (text: string) => void): Promise<{ manifest: ExportManifest; archiveBytes: number }> {
  const partial = `${options.to}.partial`;
  // A file descriptor, not a FileHandle: a FileHandle's close() never ends once a stream has used it without closing it.
  const fd = openSync(partial, 'w', PRIVATE_FILE);
  let archiveBytes = 0;
  try {
    fchmodSync(fd, PRIVATE_FILE);
    const writer = new TarGzWriter(createWriteStream('', { fd, autoClose: false }), (bytes) => (archiveBytes = bytes));
    const mtime = new Date(header.createdAt);
    const digest = new EntryDigest();
    const add = (path: string, size: number, body: Buffer | AsyncIterable<Buffer>) => {
      digest.begin(path, size);
      return writer.entry(path, size, body, mtime, (chunk) => digest.update(chunk));
    };
    try {
      const headerText = Buffer.from(`${JSON.stringify(header, null, 2)}\n`);
      await add(HEADER_ENTRY, headerText.length, headerText);
      const rows: Record<string, number> = {};
      for (const table of TABLES) {
        const total = header.tables.find((entry) => entry.name === table.name)?.rows ?? 0;
        rows[table.name] = await writeTable(db, table, add, (done) => report(`Exporting ${table.name}: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows`));
        options.tableDone?.(table.name, rows[table.name] as number);
      }
      const logs = await writeLogs(db, options.home, header.builds, add, report);
      const manifest: ExportManifest = {
        format: EXPORT_FORMAT,
        formatVersion: EXPORT_FORMAT_VERSION,
        rows,
        sequences: sequencesOf(db),
        logs: { count: logs.count, bytes: logs.bytes, missing: logs.missing },
        runningBuilds: logs.running,
        entries: digest.count,
        sha256: digest.digest(),
      };
      const manifestText = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      await writer.entry(MANIFEST_ENTRY, manifestText.length, manifestText, mtime);
      report(`Finishing ${options.to}`);
      await writer.finish();
      fsyncSync(fd);
      closeSync(fd);
      await rename(partial, options.to);
      await syncDirectory(dirname(resolve(options.to)));
      return { manifest, archiveBytes };
    } catch (error) {
      writer.abort(error as Error);
      throw error;
    }
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // Closed already.
    }
    await rm(partial, { force: true });
    throw error;
  }
}

type AddEntry = (path: string, size: number, body: Buffer | AsyncIterable<Buffer>) => Promise<void>;

/** A table's rows, in its order, as parts of JSON lines; the number of rows. */
async function writeTable(db: Database.Database, table: TableTransfer, add: AddEntry, progress: (rows: number) => void): Promise<number> {
  const columns = columnsOf(table);
  const types = columns.map((column) => table.columns[column] as NonNullable<TableTransfer['columns'][string]>);
  const statement = db.prepare(`SELECT ${columns.join(', ')} FROM ${table.name} ORDER BY ${table.order}`).raw(true);
  let lines: Buffer[] = [];
  let bytes = 0;
  let part = 0;
  let count = 0;
  const flush = async () => {
    if (lines.length === 0) return;
    const body = Buffer.concat(lines, bytes);
    lines = [];
    bytes = 0;
    await add(tableEntry(table.name, ++part), body.length, body);
  };
  for (const row of statement.iterate() as IterableIterator<unknown[]>) {
    const values = row.map((value, index) => {
      const converted = toArchive(types[index] as NonNullable<(typeof types)[number]>, value);
      if (converted === null) {
        throw new BackupError(
          'corrupt',
          `The database holds a value Steward cannot carry: row ${count + 1} of ${table.name} has ${describe(value)} in ${columns[index]}, where ${types[index]} belongs.`,
          'Nothing was exported. Correct the row (sqlite3 steward.db), or ask for help with the message above.',
        );
      }
      return converted.value;
    });
    const line = Buffer.from(`${JSON.stringify(values)}\n`);
    lines.push(line);
    bytes += line.length;
    count += 1;
    if (bytes >= PART_BYTES) {
      await flush();
      progress(count);
    }
  }
  await flush();
  progress(count);
  return count;
}

/** The first `size` bytes of a file (fewer only when it shrank, which the archive writer then reports). */
function readWhole(fd: number, size: number): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  let read = 0;
  while (read < size) {
    const got = readSync(fd, buffer, read, size - read, read);
    if (got === 0) break;
    read += got;
  }
  return buffer.subarray(0, read);
}

function describe(value: unknown): string {
  if (Buffer.isBuffer(value)) return `a blob of ${value.length} bytes`;
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `the ${typeof value} ${String(value)}`;
}

/** Every build's console log, byte for byte as far as it was written; the counts. */
async function writeLogs(db: Database.Database, home: string, builds: number, add: AddEntry, report: (text: string) => void): Promise<{ count: number; bytes: number; missing: number; running: number }> {
  const logs = new LogFiles(join(home, 'jobs'));
  const rows = db.prepare('SELECT job_id AS jobId, number, state FROM builds ORDER BY job_id, number').iterate() as IterableIterator<{ jobId: number; number: number; state: string }>;
  let count = 0;
  let bytes = 0;
  let missing = 0;
  let running = 0;
  let seen = 0;
  for (const build of rows) {
    seen += 1;
    if (build.state === 'running') running += 1;
    let fd: number;
    try {
      fd = openSync(logs.path(build.jobId, build.number), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing += 1;
      continue;
    }
    try {
      // Its size now: a log still written to (a live export) is archived as far as it was.
      const { size } = fstatSync(fd);
      await add(logEntry(build.jobId, build.number), size, size <= IN_MEMORY_BYTES ? readWhole(fd, size) : fileBytes(fd, size));
      count += 1;
      bytes += size;
    } finally {
      closeSync(fd);
    }
    report(`Exporting console logs: ${seen.toLocaleString('en-US')} of ${builds.toLocaleString('en-US')} builds`);
  }
  return { count, bytes, missing, running };
}
