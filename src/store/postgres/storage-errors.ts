import { DomainError } from '../../core/errors.js';
import { diskFull } from '../sql/refusals.js';

/** How long a caller refused because the database cannot be reached is asked to wait. */
export const DATABASE_UNAVAILABLE_RETRY_SECONDS = 5;

/** Node's socket errors that mean the database server cannot be reached. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** What the `pg` driver says when it lost or could not make a connection. */
const DRIVER_MESSAGES = [/^Connection terminated/, /not queryable/, /timeout exceeded when trying to connect/, /^Client was closed/];

function sqlState(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/**
 * Whether an error means the database is out of reach for now: the connection could not be made or was
 * lost (SQLSTATE class 08), the server is shutting down, starting or recovering (57P01–57P03), or has
 * no connection left (53300). Those are the deployment's condition, not the request's fault nor a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DomainError) return error.code === 'storage_unavailable';
  const state = sqlState(error);
  if (state !== null) return state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03' || state === '53300';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return DRIVER_MESSAGES.some((pattern) => pattern.test(message));
}

/** A deadlock or serialization failure: the transaction was rolled back and may be run again. */
export function isRetryable(error: unknown): boolean {
  const state = sqlState(error);
  return state === '40P01' || state === '40001';
}

/**
 * The refusal callers see for a storage failure: `storage_unavailable` (503 with Retry-After) when the
 * database cannot be reached, `disk_full` when its disk is full (53100) or failing (58030), as on
 * SQLite; any other error unchanged.
 */
export function asStorageRefusal(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const state = sqlState(error);
  if (state === '53100' || state === '58030') return diskFull(error instanceof Error ? error.message : String(error));
  if (!isDatabaseUnavailable(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new DomainError(
    'storage_unavailable',
    `Steward could not reach its database (${detail}).`,
    'Nothing acknowledged earlier was lost; a change refused with this answer was not acknowledged, and if the connection broke during its commit it may have been saved, so look before repeating it (a trigger with an Idempotency-Key is safe to repeat). Steward reconnects by itself once the database is back. Try again after Retry-After.',
    undefined,
    DATABASE_UNAVAILABLE_RETRY_SECONDS,
  );
}
