import { StringDecoder } from 'node:string_decoder';
import { BackupError } from '../backup/backup-error.js';
import { latestSchemaVersion } from '../store/sqlite/migrate.js';
import { EntryDigest, entryKind, EXPORT_FORMAT, EXPORT_FORMAT_VERSION, type ExportHeader, type ExportManifest, HEADER_ENTRY, MANIFEST_ENTRY } from './archive-format.js';
import { columnsOf, TABLES, type TableTransfer } from './tables.js';
import { readTarGz, TarFormatError } from './tar-stream.js';
import { type ArchiveValue, fitsArchive } from './values.js';

/** What the rows and logs of an export go to, in the archive's order: the database, or nowhere (`--check`). */
export interface ExportSink {
  /** Rows of one table, a batch at a time, in the archive's order. */
  rows(table: TableTransfer, rows: ArchiveValue[][]): Promise<void>;
  /** A build's console log, to be read to its end. */
  log(jobId: number, number: number, body: AsyncIterable<Buffer>): Promise<void>;
}

export interface ReadListeners {
  /** Hears how far the reading got (throttled by the caller). */
  readonly progress: (text: string) => void;
  /** Hears each table once its rows are all read (tables without rows too). */
  readonly tableDone: (table: string, rows: number) => void;
  /** Hears the header before any row is read, and may refuse the archive by throwing. */
  readonly header: (header: ExportHeader) => void;
}

/** Rows are handed on in batches of at most this many rows or bytes. */
const BATCH_ROWS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;
/** The header and the manifest are a few kilobytes: one much longer is not an export's. */
const MAX_DOCUMENT_BYTES = 1024 * 1024;

/**
 * Reads an export archive from its start to its end, handing its rows and logs to `sink` as they come,
 * and checks it as it goes: its header first (format, schema version, each table's columns as
 * tables.ts has them), tables in their order, every row and value of the shape the export writes,
 * then, at the end, everything against the manifest (counts and SHA-256). Throws `BackupError`
 * (`corrupt`) for an archive that is damaged, cut short or not an export, and (`refused`) for one of
 * a newer Steward; the sink has then seen part of it, and its caller undoes that.
 */
export async function readExport(file: string, sink: ExportSink, listeners: ReadListeners): Promise<{ header: ExportHeader; manifest: ExportManifest }> {
  const digest = new EntryDigest();
  const rows = new Map<string, number>();
  let header: ExportHeader | null = null;
  let manifest: ExportManifest | null = null;
  let current = 0;
  let logCount = 0;
  let logBytes = 0;
  const advanceTo = (index: number) => {
    for (; current < index; current += 1) {
      const table = (TABLES[current] as TableTransfer).name;
      listeners.tableDone(table, rows.get(table) ?? 0);
    }
  };
  try {
    for await (const entry of readTarGz(file)) {
      if (manifest !== null) throw notAnExport(`it goes on after its ${MANIFEST_ENTRY}`);
      const kind = entryKind(entry.path);
      if (kind === null) throw notAnExport(`it holds ${JSON.stringify(entry.path)}, which an export never writes`);
      if (header === null && kind.kind !== 'header') throw notAnExport(`it does not begin with ${HEADER_ENTRY}`);
      if ((kind.kind === 'header' || kind.kind === 'manifest') && entry.size > MAX_DOCUMENT_BYTES) throw notAnExport(`its ${entry.path} is ${entry.size} bytes long`);
      if (kind.kind === 'manifest') {
        advanceTo(TABLES.length);
        manifest = parseManifest(await text(entry.body));
        continue;
      }
      digest.begin(entry.path, entry.size);
      const body = observed(entry.body, digest);
      if (kind.kind === 'header') {
        if (header !== null) throw notAnExport(`it holds ${HEADER_ENTRY} twice`);
        header = parseHeader(await text(body));
        refuseUnreadable(header);
        listeners.header(header);
      } else if (kind.kind === 'table') {
        const index = TABLES.findIndex((table) => table.name === kind.table);
        if (index === -1) throw notAnExport(`it holds rows of a table ${kind.table}, which this Steward does not know`);
        if (index < current) throw notAnExport(`its entry ${entry.path} is out of order`);
        advanceTo(index);
        const table = TABLES[index] as TableTransfer;
        const total = (header as ExportHeader).tables.find((one) => one.name === table.name)?.rows ?? 0;
        await readRows(table, body, sink, (count) => {
          rows.set(table.name, count + (rows.get(table.name) ?? 0));
          listeners.progress(`Importing ${table.name}: ${(rows.get(table.name) ?? 0).toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows`);
        });
      } else {
        advanceTo(TABLES.length);
        await sink.log(kind.jobId, kind.number, body);
        // Whatever the sink left unread still counts for the checksum.
        for await (const _ of body);
        logCount += 1;
        logBytes += entry.size;
        listeners.progress(`Importing console logs: ${logCount.toLocaleString('en-US')} of ${(header as ExportHeader).builds.toLocaleString('en-US')} builds`);
      }
    }
  } catch (error) {
    if (error instanceof TarFormatError) throw notAnExport(error.message);
    throw error;
  }
  if (header === null) throw notAnExport('it is empty');
  if (manifest === null) throw notAnExport(`it has no ${MANIFEST_ENTRY}: it was cut short, or not written by steward export`);
  const problems: string[] = [];
  if (manifest.entries !== digest.count || manifest.sha256 !== digest.digest()) problems.push('its entries do not match the checksum in its manifest');
  for (const table of TABLES) {
    const read = rows.get(table.name) ?? 0;
    const listed = manifest.rows[table.name];
    if (read !== listed) problems.push(`${table.name} has ${read} rows where the manifest says ${String(listed)}`);
  }
  if (manifest.logs.count !== logCount || manifest.logs.bytes !== logBytes) problems.push(`it holds ${logCount} console logs (${logBytes} bytes) where the manifest says ${manifest.logs.count} (${manifest.logs.bytes} bytes)`);
  if (problems.length > 0) throw damaged(problems.join('; '));
  return { header, manifest };
}

/** The rows of one table part: JSON lines, each checked against the table's columns, handed on in batches. */
async function readRows(table: TableTransfer, body: AsyncIterable<Buffer>, sink: ExportSink, counted: (rows: number) => void): Promise<void> {
  const columns = columnsOf(table);
  const types = columns.map((column) => table.columns[column]);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let batch: ArchiveValue[][] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    batchBytes = 0;
    await sink.rows(table, rows);
    counted(rows.length);
  };
  const take = async (line: string) => {
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw damaged(`a row of ${table.name} is not JSON`);
    }
    if (!Array.isArray(row) || row.length !== columns.length || !row.every((value, index) => fitsArchive(types[index] as NonNullable<(typeof types)[number]>, value))) {
      throw damaged(`a row of ${table.name} does not have the columns ${columns.join(', ')}`);
    }
    batch.push(row as ArchiveValue[]);
    batchBytes += line.length;
    if (batch.length >= BATCH_ROWS || batchBytes >= BATCH_BYTES) await flush();
  };
  for await (const chunk of body) {
    const lines = (rest + decoder.write(chunk)).split('\n');
    rest = lines.pop() as string;
    for (const line of lines) await take(line);
  }
  rest += decoder.end();
  if (rest !== '') throw damaged(`a part of ${table.name} does not end with a whole row`);
  await flush();
}

/** The body, passed on unchanged, its bytes added to the checksum. */
async function* observed(body: AsyncIterable<Buffer>, digest: EntryDigest): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    digest.update(chunk);
    yield chunk;
  }
}

/** An archive this Steward cannot import correctly: a newer format, or a newer schema, or tables other than its own. */
function refuseUnreadable(header: ExportHeader): void {
  const again = `Import it with Steward ${header.stewardVersion} or later.`;
  if (header.formatVersion > EXPORT_FORMAT_VERSION) throw new BackupError('refused', `The archive was written by Steward ${header.stewardVersion} in export format ${header.formatVersion}; this Steward reads format ${EXPORT_FORMAT_VERSION}.`, again);
  const latest = latestSchemaVersion();
  if (header.schemaVersion > latest) throw new BackupError('refused', `The archive's database has schema version ${header.schemaVersion}, newer than this Steward's (${latest}): it was written by Steward ${header.stewardVersion}.`, again);
  const expected = TABLES.map((table) => `${table.name}(${columnsOf(table).join(',')})`).join(' ');
  const actual = (header.tables ?? []).map((table) => `${table.name}(${table.columns.join(',')})`).join(' ');
  if (actual !== expected) {
    throw new BackupError(
      'refused',
      `The archive's tables are not this Steward's (it was written by Steward ${header.stewardVersion} at schema version ${header.schemaVersion}; this one exports schema version ${latest}).`,
      'Export the home again with this Steward (steward export), or import it with the Steward that wrote it.',
    );
  }
}

function parseHeader(content: string): ExportHeader {
  const header = parseJson(content, HEADER_ENTRY) as Partial<ExportHeader>;
  if (header.format !== EXPORT_FORMAT || typeof header.formatVersion !== 'number' || typeof header.schemaVersion !== 'number' || !Array.isArray(header.tables)) throw notAnExport(`its ${HEADER_ENTRY} is not a Steward export header`);
  return header as ExportHeader;
}

function parseManifest(content: string): ExportManifest {
  const manifest = parseJson(content, MANIFEST_ENTRY) as Partial<ExportManifest>;
  const numbers = (record: unknown) => typeof record === 'object' && record !== null && Object.values(record).every((value) => Number.isSafeInteger(value) && (value as number) >= 0);
  if (manifest.format !== EXPORT_FORMAT || typeof manifest.sha256 !== 'string' || !numbers(manifest.rows) || !numbers(manifest.sequences) || !numbers(manifest.logs)) {
    throw notAnExport(`its ${MANIFEST_ENTRY} is not a Steward export manifest`);
  }
  return manifest as ExportManifest;
}

function parseJson(content: string, name: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    throw notAnExport(`its ${name} is not JSON`);
  }
}

async function text(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function notAnExport(why: string): BackupError {
  return new BackupError('corrupt', `The archive is damaged or not a Steward export: ${why}.`, 'Nothing was imported. Check the file name, or export the home again.');
}

function damaged(why: string): BackupError {
  return new BackupError('corrupt', `The archive is damaged: ${why}.`, 'Nothing was imported. Export the home again, or use another copy of the archive.');
}
