import { CliError, ExitCode } from './exit-codes.js';

type BackupModule = typeof import('../backup/backup.js');
type RestoreModule = typeof import('../backup/restore.js');
type ErrorModule = typeof import('../backup/backup-error.js');
type ProgressModule = typeof import('../backup/progress.js');

/**
 * The backup code, loaded when `steward backup` or `restore` runs (like the server's for `serve`):
 * it reads the home directly, with the store's SQLite code, which the client commands never load.
 */
export async function loadBackups(): Promise<BackupModule & RestoreModule & ErrorModule & ProgressModule> {
  const [backup, restore, errors, progress] = await Promise.all([import('../backup/backup.js'), import('../backup/restore.js'), import('../backup/backup-error.js'), import('../backup/progress.js')]);
  return { ...backup, ...restore, ...errors, ...progress };
}

/** A backup's or restore's refusal as the command line reports it: 3 for a missing file, 4 for not possible now, 1 for a damaged archive. */
export function asCliError(error: unknown, errors: ErrorModule): unknown {
  if (!(error instanceof errors.BackupError)) return error;
  const code = error.kind === 'not_found' ? ExitCode.illegalArgument : error.kind === 'refused' ? ExitCode.illegalState : ExitCode.failure;
  return new CliError(error.message, code, error.hint);
}

/** `3.2 s`: how long a backup or restore took. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `1 build`, `1,234 builds`. */
export function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}
