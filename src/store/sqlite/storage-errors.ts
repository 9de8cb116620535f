import { diskFull } from '../sql/refusals.js';

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
  return diskFull(detail);
}
