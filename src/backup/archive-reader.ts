import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { latestSchemaVersion } from '../store/sqlite/migrate.js';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, type ArchiveHeader, HEADER_ENTRY, HOME_ENTRY, homePathOf, MANIFEST_ENTRY, type Manifest, PRIVATE_DIRECTORY, PRIVATE_FILE } from './archive-format.js';
import { BackupError } from './backup-error.js';

interface Written {
  readonly size: number;
  readonly sha256: string;
}

/**
 * Unpacks an archive's home into `into` (an empty directory), files 0600 and directories 0700, each
 * file hashed as it is written, and returns its manifest once every file matches it: the same files,
 * sizes and SHA-256. Throws `BackupError` for an archive that is not a Steward backup, is damaged or
 * cut short (`corrupt`), or comes from a newer Steward (`refused`, as soon as its header is read).
 * `into` may hold part of the files when it throws; the caller removes it.
 */
export async function readArchive(file: string, into: string, report: (bytes: number) => void): Promise<Manifest> {
  const parser = new Parser({ strict: true });
  const written = new Map<string, Written>();
  const writes: Array<Promise<void>> = [];
  let first = true;
  let manifestText: string | null = null;
  let failure: BackupError | null = null;
  let bytes = 0;
  const fail = (error: BackupError) => {
    failure ??= error;
    parser.abort(error);
  };
  parser.on('entry', (entry: ReadEntry) => {
    if (failure) return entry.resume();
    if (first && entry.path !== HEADER_ENTRY) return fail(notABackup(`it does not begin with ${HEADER_ENTRY}`));
    first = false;
    if (entry.path === HEADER_ENTRY || entry.path === MANIFEST_ENTRY) {
      return void text(entry).then((content) => {
        if (entry.path === MANIFEST_ENTRY) manifestText = content;
        else {
          const refusal = refusalOf(parseHeader(content));
          if (refusal) fail(refusal);
        }
      }, fail);
    }
    if (entry.type === 'Directory' && entry.path.replace(/\/$/, '') === HOME_ENTRY) return entry.resume();
    const path = homePathOf(entry.path);
    if (path === null || (entry.type !== 'File' && entry.type !== 'Directory')) return fail(notABackup(`it holds ${JSON.stringify(entry.path)} (${entry.type}), which a backup never writes`));
    if (entry.type === 'Directory') {
      mkdirSync(join(into, path), { recursive: true, mode: PRIVATE_DIRECTORY });
      return entry.resume();
    }
    mkdirSync(dirname(join(into, path)), { recursive: true, mode: PRIVATE_DIRECTORY });
    const hash = createHash('sha256');
    let size = 0;
    const output = createWriteStream(join(into, path), { flags: 'wx', mode: PRIVATE_FILE });
    entry.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
      report((bytes += chunk.length));
      if (!output.write(chunk)) entry.pause();
    });
    output.on('drain', () => entry.resume());
    entry.on('end', () => output.end());
    writes.push(
      new Promise<void>((resolve, reject) => {
        output.on('error', reject);
        output.on('close', () => {
          written.set(path, { size, sha256: hash.digest('hex') });
          resolve();
        });
      }),
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      parser.on('error', reject);
      parser.on('end', resolve);
      const input = createReadStream(file);
      input.on('error', reject);
      input.pipe(parser);
    });
    await Promise.all(writes);
  } catch (error) {
    if (failure) throw failure;
    // The parser marks what it found wrong with the archive (`tarCode`, also for gzip's errors); anything else is this machine's (a full disk).
    if ((error as { tarCode?: string }).tarCode) throw notABackup(`it cannot be read (${(error as Error).message})`);
    throw error;
  }
  if (failure) throw failure;
  if (manifestText === null) throw notABackup(`it has no ${MANIFEST_ENTRY}: it was cut short, or not written by steward backup`);
  const manifest = parseManifest(manifestText);
  const refusal = refusalOf(manifest);
  if (refusal) throw refusal;
  return verified(manifest, written);
}

/** Checks every file against the manifest: none missing, none extra, each with its size and SHA-256. */
function verified(manifest: Manifest, written: ReadonlyMap<string, Written>): Manifest {
  const problems: string[] = [];
  for (const listed of manifest.files) {
    const actual = written.get(listed.path);
    if (!actual) problems.push(`${listed.path} is missing`);
    else if (actual.size !== listed.size || actual.sha256 !== listed.sha256) problems.push(`${listed.path} does not match its checksum`);
  }
  const listed = new Set(manifest.files.map((entry) => entry.path));
  for (const path of written.keys()) if (!listed.has(path)) problems.push(`${path} is not in the manifest`);
  if (problems.length > 0) throw new BackupError('corrupt', `The archive is damaged: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}.`, 'Nothing was restored. Restore from another copy of the backup.');
  return manifest;
}

function refusalOf(header: ArchiveHeader): BackupError | null {
  if (header.formatVersion > ARCHIVE_FORMAT_VERSION) {
    return new BackupError('refused', `The archive was written by Steward ${header.stewardVersion} in backup format ${header.formatVersion}; this Steward reads format ${ARCHIVE_FORMAT_VERSION}.`, `Restore it with Steward ${header.stewardVersion} or later.`);
  }
  const latest = latestSchemaVersion();
  if (header.schemaVersion > latest) {
    return new BackupError('refused', `The archive's database has schema version ${header.schemaVersion}, newer than this Steward's (${latest}): it was written by Steward ${header.stewardVersion}, and this Steward cannot read it.`, `Restore it with Steward ${header.stewardVersion} or later.`);
  }
  return null;
}

function parseHeader(content: string): ArchiveHeader {
  const header = parseJson(content, HEADER_ENTRY) as Partial<ArchiveHeader>;
  if (header.format !== ARCHIVE_FORMAT || typeof header.formatVersion !== 'number' || typeof header.schemaVersion !== 'number') throw notABackup(`its ${HEADER_ENTRY} is not a Steward backup header`);
  return header as ArchiveHeader;
}

function parseManifest(content: string): Manifest {
  const manifest = parseJson(content, MANIFEST_ENTRY) as Partial<Manifest>;
  if (manifest.format !== ARCHIVE_FORMAT || !Array.isArray(manifest.files)) throw notABackup(`its ${MANIFEST_ENTRY} is not a Steward backup manifest`);
  return manifest as Manifest;
}

function parseJson(content: string, name: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    throw notABackup(`its ${name} is not JSON`);
  }
}

function text(entry: ReadEntry): Promise<string> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    entry.on('data', (chunk: Buffer) => chunks.push(chunk));
    entry.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    entry.on('error', reject);
  });
}

function notABackup(why: string): BackupError {
  return new BackupError('corrupt', `The archive is damaged or not a Steward backup: ${why}.`, 'Nothing was restored. Check the file name, or restore from another copy of the backup.');
}
