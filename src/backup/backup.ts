import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { takeSnapshot, SnapshotFile } from '../store/sqlite/snapshot.js';
import { STEWARD_VERSION } from '../version.js';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, type ArchiveHeader, HEADER_ENTRY, HOME_ENTRY, MANIFEST_ENTRY, type Manifest, PRIVATE_DIRECTORY, PRIVATE_FILE } from './archive-format.js';
import { describeFiles, writeArchive } from './archive-writer.js';
import { BackupError } from './backup-error.js';
import { otherFilesOf } from './home-contents.js';
import { byteSize, throttled } from './progress.js';
import { type StagedLogs, stageLogs } from './stage-logs.js';

export interface BackupOptions {
  readonly home: string;
  /** The archive to write (replaced if it exists). */
  readonly to: string;
  /** Hears how far the backup got, a few times a second at most. */
  readonly progress?: (text: string) => void;
}

export interface BackupSummary {
  readonly manifest: Manifest;
  readonly archiveBytes: number;
  readonly elapsedMs: number;
}

/**
 * Backs up a home, while a server may be running on it, into one archive (archive-format.ts): a
 * snapshot of the database, the console logs of the builds in it, and the home's other files
 * (home-contents.ts), staged under `HOME/tmp/backup-…` so that what is hashed is what is archived.
 */
export async function backupHome(options: BackupOptions): Promise<BackupSummary> {
  const started = performance.now();
  const report = throttled(options.progress);
  const database = join(options.home, 'steward.db');
  if (!existsSync(database)) throw new BackupError('not_found', `${options.home} holds no Steward database (steward.db).`, 'Give the home the server runs with: --home DIR, or STEWARD_HOME.');
  if (!existsSync(dirname(resolve(options.to)))) throw new BackupError('not_found', `There is no directory ${dirname(resolve(options.to))} to write ${options.to} in.`);
  const scratch = join(options.home, 'tmp');
  await mkdir(scratch, { recursive: true, mode: PRIVATE_DIRECTORY });
  const staging = await mkdtemp(join(scratch, 'backup-'));
  try {
    const stagedHome = join(staging, HOME_ENTRY);
    await mkdir(stagedHome, { mode: PRIVATE_DIRECTORY });
    report('Taking a snapshot of the database');
    await takeSnapshot(database, join(stagedHome, 'steward.db'));
    await chmod(join(stagedHome, 'steward.db'), PRIVATE_FILE);
    const { header, logs } = await readSnapshot(join(stagedHome, 'steward.db'), options.home, stagedHome, report);
    for (const path of await otherFilesOf(options.home)) {
      await mkdir(dirname(join(stagedHome, path)), { recursive: true, mode: PRIVATE_DIRECTORY });
      await copyFile(join(options.home, path), join(stagedHome, path));
    }
    const files = await describeFiles(stagedHome, (bytes) => report(`Checksumming: ${byteSize(bytes)}`));
    const manifest: Manifest = { ...header, ...logs, files };
    await writeFile(join(staging, HEADER_ENTRY), `${JSON.stringify(header, null, 2)}\n`, { mode: PRIVATE_FILE });
    await writeFile(join(staging, MANIFEST_ENTRY), `${JSON.stringify(manifest, null, 2)}\n`, { mode: PRIVATE_FILE });
    const archiveBytes = await writeArchive(staging, options.to, (bytes) => report(`Writing ${options.to}: ${byteSize(bytes)}`));
    return { manifest, archiveBytes, elapsedMs: performance.now() - started };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Checks the snapshot, and stages the console logs of its builds; the archive's header and the counts. */
async function readSnapshot(path: string, home: string, stagedHome: string, report: (text: string) => void): Promise<{ header: ArchiveHeader; logs: StagedLogs }> {
  const snapshot = new SnapshotFile(path);
  try {
    const problems = snapshot.problems();
    if (problems.length > 0) throw new Error(`The snapshot of the database failed SQLite's check: ${problems.slice(0, 3).join('; ')}`);
    const header: ArchiveHeader = { format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, stewardVersion: STEWARD_VERSION, schemaVersion: snapshot.schemaVersion(), createdAt: new Date().toISOString() };
    return { header, logs: await stageLogs(snapshot, home, stagedHome, report) };
  } finally {
    snapshot.close();
  }
}
