import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { databaseInUse } from '../store/sqlite/snapshot.js';
import { HOME_ENTRY, type Manifest, PRIVATE_DIRECTORY } from './archive-format.js';
import { readArchive } from './archive-reader.js';
import { syncDirectory } from './archive-writer.js';
import { BackupError } from './backup-error.js';
import { byteSize, throttled } from './progress.js';

export interface RestoreOptions {
  readonly from: string;
  readonly home: string;
  /** Restore into a home that is not empty, replacing its database, secrets, logs and whatever else the archive holds. */
  readonly force: boolean;
  readonly progress?: (text: string) => void;
}

export interface RestoreSummary {
  readonly manifest: Manifest;
  readonly elapsedMs: number;
}

/** The database's files in a home: a restore replaces them all, or a stale WAL would be replayed over the restored database. */
const DATABASE_FILES = ['steward.db', 'steward.db-wal', 'steward.db-shm', 'steward.db-journal'];

/**
 * Restores a backup into a new or empty home (or, with `force`, over one), for `steward serve --home`
 * to start on. Nothing is put in place until the whole archive has been read into a staging
 * directory inside the home and checked against its manifest; a damaged archive leaves the home as
 * it was (and no home at all when there was none).
 */
export async function restoreHome(options: RestoreOptions): Promise<RestoreSummary> {
  const started = performance.now();
  const report = throttled(options.progress);
  if (!(await stat(options.from).then((stats) => stats.isFile(), () => false))) throw new BackupError('not_found', `There is no backup file ${options.from}.`);
  const existing = await readdir(options.home).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(error)));
  const database = join(options.home, 'steward.db');
  if (existsSync(database) && databaseInUse(database)) {
    throw new BackupError('refused', `A Steward server is running on ${options.home} (its database is open).`, 'Stop it first; a restore replaces the database under it.');
  }
  if (existing !== null && existing.length > 0 && !options.force) {
    throw new BackupError('refused', `${options.home} is not empty (it holds ${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}).`, 'Restore into a new or empty directory, or give --force to replace its database, secrets and logs with the backup.');
  }
  await mkdir(options.home, { recursive: true, mode: PRIVATE_DIRECTORY });
  const staging = await mkdtemp(join(options.home, '.restore-'));
  try {
    const stagedHome = join(staging, HOME_ENTRY);
    await mkdir(stagedHome, { mode: PRIVATE_DIRECTORY });
    const manifest = await readArchive(options.from, stagedHome, (bytes) => report(`Reading ${options.from}: ${byteSize(bytes)}`));
    await putInPlace(stagedHome, options.home);
    await chmod(options.home, PRIVATE_DIRECTORY);
    await syncDirectory(options.home);
    return { manifest, elapsedMs: performance.now() - started };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // A home this restore made is removed again; rmdir leaves it when anything else appeared in it meanwhile.
    if (existing === null) await rmdir(options.home).catch(() => {});
    throw error;
  } finally {
    // Empty once the files are in place; on failure, already removed.
    await rm(staging, { recursive: true, force: true });
  }
}

/** Moves the staged home's entries into the home, replacing what is there under the same names and the database's journal files. */
async function putInPlace(stagedHome: string, home: string): Promise<void> {
  const entries = await readdir(stagedHome);
  for (const name of new Set([...DATABASE_FILES, ...entries])) await rm(join(home, name), { recursive: true, force: true });
  for (const name of entries) await rename(join(stagedHome, name), join(home, name));
}
