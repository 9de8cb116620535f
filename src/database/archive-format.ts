import { createHash, createHmac } from 'node:crypto';

/**
 * The export archive (`steward export`, read by `steward import`): a gzip-compressed tar file, so that
 * `tar tzf` lists it and `tar xzOf FILE manifest.json` prints its manifest, written and read as a stream
 * (a home of any size in bounded memory). Its entries, in this order:
 * 1. `steward-export.json`, the header (`ExportHeader`): what wrote it, the schema version, and each
 *    table's columns and number of rows;
 * 2. `tables/<table>/<part>.jsonl`: the rows of each table, in the order of `TABLES` (tables.ts), one
 *    JSON array a line in the header's column order, in parts of about 1 MB;
 * 3. `logs/<job id>/<build number>`: each build's console log, byte for byte;
 * 4. `manifest.json`, last (`ExportManifest`): the counts, the sequences, and a SHA-256 over every entry
 *    before it, so that an archive cut short has none and a damaged one does not match it.
 * docs/operations.md describes it for operators.
 */
export const EXPORT_FORMAT = 'steward-export';
/** Raised when the archive changes so that an older Steward could not import it correctly. */
export const EXPORT_FORMAT_VERSION = 1;
export const HEADER_ENTRY = 'steward-export.json';
export const MANIFEST_ENTRY = 'manifest.json';

export interface ExportedTable {
  readonly name: string;
  readonly columns: readonly string[];
  readonly rows: number;
}

export interface ExportHeader {
  readonly format: typeof EXPORT_FORMAT;
  readonly formatVersion: number;
  readonly stewardVersion: string;
  /** The SQLite schema version the rows are in (the export migrates its snapshot to its own latest first). */
  readonly schemaVersion: number;
  readonly createdAt: string;
  /** Whether a server was running on the home (`--live`): then anything it did afterwards is not in the archive. */
  readonly live: boolean;
  /** A fingerprint of the home's master key (`keyIdOf`), so that the import can check the key file it is given; null when the home had none. */
  readonly keyId: string | null;
  readonly jobs: number;
  readonly builds: number;
  readonly tables: readonly ExportedTable[];
}

export interface ExportManifest {
  readonly format: typeof EXPORT_FORMAT;
  readonly formatVersion: number;
  /** Rows written, by table. */
  readonly rows: Readonly<Record<string, number>>;
  /**
   * The value each table's id sequence must continue after, by table: the highest id SQLite ever
   * handed out (its AUTOINCREMENT counter, which stays above ids since deleted), so that no queue id,
   * item id or audit event id is ever given twice.
   */
  readonly sequences: Readonly<Record<string, number>>;
  readonly logs: {
    readonly count: number;
    readonly bytes: number;
    /** Builds whose console log was not there (deleted by retention, or never written). */
    readonly missing: number;
  };
  /** Builds that were running: a server started on the imported database ends them ABORTED. */
  readonly runningBuilds: number;
  /** How many entries come before the manifest, and the SHA-256 over them (`EntryDigest`). */
  readonly entries: number;
  readonly sha256: string;
}

/** The entry holding part `part` (from 1) of a table's rows. */
export function tableEntry(table: string, part: number): string {
  return `tables/${table}/${String(part).padStart(6, '0')}.jsonl`;
}

/** The entry holding a build's console log. */
export function logEntry(jobId: number, number: number): string {
  return `logs/${jobId}/${number}`;
}

/** What an entry's name says it holds, or null for a name an export never writes. */
export type EntryKind = { kind: 'header' } | { kind: 'manifest' } | { kind: 'table'; table: string } | { kind: 'log'; jobId: number; number: number };

export function entryKind(path: string): EntryKind | null {
  if (path === HEADER_ENTRY) return { kind: 'header' };
  if (path === MANIFEST_ENTRY) return { kind: 'manifest' };
  const table = /^tables\/([a-z_]+)\/\d{6,}\.jsonl$/.exec(path);
  if (table) return { kind: 'table', table: table[1] as string };
  const log = /^logs\/([1-9]\d{0,15})\/([1-9]\d{0,15})$/.exec(path);
  if (log) return { kind: 'log', jobId: Number(log[1]), number: Number(log[2]) };
  return null;
}

/**
 * The SHA-256 over a sequence of entries (name, size and bytes of each), which the writer puts in the
 * manifest and the reader works out again as it reads.
 */
export class EntryDigest {
  private readonly hash = createHash('sha256');
  count = 0;

  begin(path: string, size: number): void {
    this.hash.update(`${path}\0${size}\0`);
    this.count += 1;
  }

  update(bytes: Buffer): void {
    this.hash.update(bytes);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * A fingerprint of a master key (the base64 text of `master.key`), which says whether two key files
 * hold the same key and nothing about the key itself: an HMAC keyed by it.
 */
export function keyIdOf(keyText: string): string {
  return createHmac('sha256', Buffer.from(keyText.trim(), 'base64')).update('steward export: key id').digest('hex').slice(0, 16);
}
