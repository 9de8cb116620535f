import { DomainError } from '../../core/errors.js';

/** How long a caller refused for a full disk is asked to wait before trying again. */
export const DISK_FULL_RETRY_SECONDS = 30;

/**
 * Whether an error from SQLite or the file system means the disk cannot take the write: full
 * (`SQLITE_FULL`, `ENOSPC`, `EDQUOT`) or failing (`SQLITE_IOERR*`, `EIO`). Those are the server's
 * condition, not the request's fault nor a bug.
 */
export function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code === 'ENOSPC' || code === 'EDQUOT' || code === 'EIO';
}

/** A storage failure as the refusal callers see (`disk_full`, 503 with Retry-After); any other error unchanged. */
export function asStorageRefusal(error: unknown): unknown {
  if (!isStorageFailure(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new DomainError(
    'disk_full',
    `Steward could not save this change: its disk is full or failing (${detail}).`,
    'Nothing acknowledged earlier was lost. An administrator must free space on the disk of the Steward home (old build logs, workspaces); Steward carries on by itself once there is room. Try again after Retry-After.',
    undefined,
    DISK_FULL_RETRY_SECONDS,
  );
}
