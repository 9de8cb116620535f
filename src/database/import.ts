import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import pg from 'pg';
import { BackupError } from '../backup/backup-error.js';
import { throttled } from '../backup/progress.js';
import { holdMigrationLock, migrate } from '../store/postgres/migrate.js';
import { asStorageRefusal } from '../store/postgres/storage-errors.js';
import { type ExportHeader, type ExportManifest, keyIdOf } from './archive-format.js';
import { describeDatabase } from './database-name.js';
import { importLog, type LogImportTarget } from './import-log.js';
import { type ExportSink, readExport } from './read-export.js';
import { postgresColumns, type SchemaColumns, schemaProblems } from './schemas.js';
import { columnsOf, TABLES, type TableTransfer } from './tables.js';
import { type ArchiveValue, toPostgres } from './values.js';

export interface ImportOptions {
  /** The archive `steward export` wrote. */
  readonly from: string;
  /** The PostgreSQL database to fill: empty, or made by `steward migrate` and never served. Unused with `check`. */
  readonly database: string | null;
  /** A key file to check against the exported home's key (the one the PostgreSQL nodes will be given). */
  readonly keyFile: string | null;
  /** Only read the archive and check it against its manifest. */
  readonly check: boolean;
  /** Hears how far the import got, a few times a second at most. */
  readonly progress?: (text: string) => void;
  /** Hears each table once its rows are in. */
  readonly tableDone?: (table: string, rows: number) => void;
}

export interface ImportSummary {
  readonly header: ExportHeader;
  readonly manifest: ExportManifest;
  readonly elapsedMs: number;
}

/**
 * Imports an export archive into an empty PostgreSQL database, in one transaction: the schema is
 * brought up to date first (migrate.ts), then, holding the migrations' advisory lock so that no node
 * starts on a half-filled database, every table's rows go in with their ids; the id sequences
 * continue after the highest ids SQLite handed out, the counts kept by triggers are worked out once,
 * and only when the whole archive matched its manifest is it committed. Console logs go through
 * `importLog` (import-log.ts) into the database's log chunks, in the same transaction. A database that
 * holds anything is refused before any change.
 */
export async function importArchive(options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const report = throttled(options.progress);
  if (!(await stat(options.from).then((stats) => stats.isFile(), () => false))) throw new BackupError('not_found', `There is no export file ${options.from}.`);
  const keyId = options.keyFile === null ? null : readKeyId(options.keyFile);
  const checkKey = (header: ExportHeader) => {
    if (keyId === null || header.keyId === null || keyId === header.keyId) return;
    throw new BackupError(
      'refused',
      `The key file ${options.keyFile} holds another key than the exported home's (its secrets/master.key): the nodes could not read the sealed secrets (agent and webhook secrets, password parameters) with it.`,
      "Give --key-file a copy of the old home's secrets/master.key, and start every PostgreSQL node with that same file.",
    );
  };
  const listeners = { progress: report, tableDone: options.tableDone ?? (() => {}), header: checkKey };
  if (options.check) {
    const read = await readExport(options.from, { rows: async () => {}, log: async (_job, _number, body) => void (await drain(body)) }, listeners);
    return { ...read, elapsedMs: performance.now() - started };
  }
  if (options.database === null) throw new Error('importArchive needs a database, or check');
  const database = options.database;

  const pool = new pg.Pool({ connectionString: database, max: 1, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {});
  try {
    report("Bringing the database's schema up to date");
    await migrate(pool);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw asStorageRefusal(error);
    }
    client.on('error', () => {});
    let committed = false;
    try {
      await client.query('BEGIN');
      await holdMigrationLock(client);
      const columns = await postgresColumns(client);
      const mismatch = schemaProblems(columns, 'postgres');
      if (mismatch.length > 0) throw new Error(`This Steward cannot import into its own PostgreSQL schema: ${mismatch.join('; ')}. src/database/tables.ts must say how to carry it.`);
      await refuseNonEmpty(client, database);
      await switchTriggers(client, 'DISABLE', database);
      const sink = new PostgresSink(client, columns, { db: client });
      const read = await readExport(options.from, sink, listeners);
      report('Setting the sequences and counts');
      for (const [table, value] of Object.entries(read.manifest.sequences)) {
        const transfer = TABLES.find((one) => one.name === table);
        if (!transfer?.sequence || value < 1) continue;
        await client.query('SELECT setval(pg_get_serial_sequence($1, $2), $3)', [table, transfer.sequence, value]);
      }
      for (const table of TABLES) for (const statement of table.afterImport ?? []) await client.query(statement);
      await switchTriggers(client, 'ENABLE', database);
      report('Committing');
      await client.query('COMMIT');
      committed = true;
      report('Updating the statistics of the tables');
      for (const table of TABLES) await client.query(`ANALYZE ${table.name}`).catch(() => {});
      return { ...read, elapsedMs: performance.now() - started };
    } catch (error) {
      if (committed) throw error;
      await client.query('ROLLBACK').catch(() => {});
      throw asImportError(error);
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

/** The rows into PostgreSQL, a batch per statement (`unnest` of one array per column), the logs through `importLog`. */
class PostgresSink implements ExportSink {
  private readonly statements = new Map<string, { text: string; types: string[] }>();

  constructor(
    private readonly client: pg.ClientBase,
    private readonly columns: SchemaColumns,
    private readonly logs: LogImportTarget,
  ) {}

  async rows(table: TableTransfer, rows: ArchiveValue[][]): Promise<void> {
    const names = columnsOf(table);
    const statement = this.statementFor(table, names);
    const values = names.map((name, index) => rows.map((row) => toPostgres(table.columns[name] as NonNullable<TableTransfer['columns'][string]>, row[index] as ArchiveValue, statement.types[index] as string)));
    try {
      await this.client.query(statement.text, values);
    } catch (error) {
      throw new Error(`PostgreSQL refused rows of ${table.name}: ${(error as Error).message}`, { cause: error });
    }
  }

  async log(jobId: number, number: number, body: AsyncIterable<Buffer>): Promise<void> {
    await importLog(this.logs, jobId, number, body);
  }

  private statementFor(table: TableTransfer, names: readonly string[]): { text: string; types: string[] } {
    let statement = this.statements.get(table.name);
    if (!statement) {
      const types = names.map((name) => this.columns.get(table.name)?.get(name) as string);
      const arrays = types.map((type, index) => `$${index + 1}::${type}[]`).join(', ');
      statement = { text: `INSERT INTO ${table.name} (${names.join(', ')}) SELECT * FROM unnest(${arrays})`, types };
      this.statements.set(table.name, statement);
    }
    return statement;
  }
}

/** Refuses a database that holds any of Steward's data: the import keeps ids, which would collide, and would mix two servers' data. */
async function refuseNonEmpty(client: pg.ClientBase, database: string): Promise<void> {
  const { rows } = await client.query<Record<string, boolean>>(`SELECT ${TABLES.map((table) => `EXISTS (SELECT 1 FROM ${table.name}) AS ${table.name}`).join(', ')}`);
  const holding = Object.entries(rows[0] ?? {})
    .filter(([, has]) => has)
    .map(([table]) => table);
  if (holding.length === 0) return;
  throw new BackupError(
    'refused',
    `The database ${describeDatabase(database)} is not empty: it holds ${holding.slice(0, 4).join(', ')}${holding.length > 4 ? ', …' : ''}.`,
    'Import into a new, empty database (createdb), and start no steward serve on it before the import has ended.',
  );
}

/**
 * Switches the tables' own triggers off for the import, and on again before the commit (ALTER TABLE is
 * part of the transaction): the count of builds kept by a trigger would rewrite a job's row once per
 * imported build, and PostgreSQL keeps every version of it until the commit. The counts are worked out
 * once instead (`afterImport`). Constraints stay checked.
 */
async function switchTriggers(client: pg.ClientBase, how: 'DISABLE' | 'ENABLE', database: string): Promise<void> {
  try {
    for (const table of TABLES) await client.query(`ALTER TABLE ${table.name} ${how} TRIGGER USER`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    throw new BackupError(
      'refused',
      `The import must run as the owner of Steward's tables in ${describeDatabase(database)}: ${(error as Error).message}.`,
      'Connect as the role that created them (the one steward serve or steward migrate used), or make that role their owner.',
    );
  }
}

function readKeyId(path: string): string {
  try {
    return keyIdOf(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BackupError('not_found', `The key file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
}

async function drain(body: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of body);
}

/** A failure as the person who ran the import sees it: what it means for the database. */
function asImportError(error: unknown): unknown {
  if (error instanceof BackupError) return error;
  const refusal = asStorageRefusal(error);
  if (refusal !== error) return refusal;
  return new Error(`The import failed and changed nothing (its transaction was rolled back): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
