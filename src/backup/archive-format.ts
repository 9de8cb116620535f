/**
 * The backup archive: a gzip-compressed tar file holding, in this order,
 * 1. `steward-backup.json`, the archive header (`ArchiveHeader`), first so that a restore can refuse an
 *    archive it cannot use before reading the rest;
 * 2. `home/…`, the files of the home as they are to be restored (`home/steward.db`, `home/secrets/…`,
 *    `home/jobs/<job id>/<build number>/log`, …);
 * 3. `manifest.json`, the header again with every file under `home/` and its size and SHA-256, last so
 *    that it is written once every file is, and an archive cut short has none.
 * docs/operations.md describes it for operators.
 */
export const ARCHIVE_FORMAT = 'steward-backup';
/** Raised when an archive changes so that an older Steward could not restore it correctly. */
export const ARCHIVE_FORMAT_VERSION = 1;
export const HEADER_ENTRY = 'steward-backup.json';
export const MANIFEST_ENTRY = 'manifest.json';
export const HOME_ENTRY = 'home';

/** Files restore with this mode, directories with `PRIVATE_DIRECTORY`: the home holds secrets. */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIRECTORY = 0o700;

export interface ArchiveHeader {
  readonly format: typeof ARCHIVE_FORMAT;
  readonly formatVersion: number;
  /** The Steward that wrote the archive. */
  readonly stewardVersion: string;
  /** The database's schema version (its last migration); a Steward restores only what it can migrate from. */
  readonly schemaVersion: number;
  readonly createdAt: string;
}

export interface ArchivedFile {
  /** The path in the home, `/`-separated (`secrets/master.key`). */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface Manifest extends ArchiveHeader {
  readonly jobs: number;
  readonly builds: number;
  /** Builds that were running at the snapshot: their logs end where they were, and a restored server ends them ABORTED. */
  readonly runningBuilds: number;
  readonly logBytes: number;
  /** Builds of the snapshot whose log had already gone (deleted by retention meanwhile, or never written). */
  readonly missingLogs: number;
  readonly files: readonly ArchivedFile[];
}

/**
 * The path in the home of an archive entry `home/…`, or null when the name is not one a backup writes:
 * relative, `/`-separated, with no empty, `.` or `..` segment, so that no entry can land outside the home.
 */
export function homePathOf(entryName: string): string | null {
  if (!entryName.startsWith(`${HOME_ENTRY}/`)) return null;
  const path = entryName.slice(HOME_ENTRY.length + 1).replace(/\/$/, '');
  const segments = path.split('/');
  if (path === '' || segments.some((segment) => segment === '' || segment === '.' || segment === '..' || /[\\\0]/.test(segment))) return null;
  return path;
}
