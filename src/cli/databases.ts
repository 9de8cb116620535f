import { isDomainError } from '../core/errors.js';
import { asCliError } from './backups.js';
import { CliError, ExitCode } from './exit-codes.js';

type DatabaseModule = typeof import('../database/commands.js');

/**
 * The database commands' code, loaded when `steward migrate`, `export`, `import` or `key rotate` runs (like the
 * server's for `serve`): it opens the databases directly, with the stores' code, which the client
 * commands never load.
 */
export function loadDatabaseCommands(): Promise<DatabaseModule> {
  return import('../database/commands.js');
}

/**
 * A database command's failure as the command line reports it: a database of a newer Steward, or one
 * out of reach, exits 2 as `steward serve` does, and so does a key rotation's refusal; other refusals
 * and damaged archives as for backups.
 */
export function asDatabaseCliError(error: unknown, module: DatabaseModule): unknown {
  if (error instanceof module.SchemaTooNewError || error instanceof module.RotationRefused) return new CliError(error.message, ExitCode.usage);
  if (isDomainError(error, 'storage_unavailable')) {
    return new CliError(error.message, ExitCode.usage, 'Check that PostgreSQL runs and accepts connections from this machine, and the address given by --database or STEWARD_DATABASE_URL.');
  }
  return asCliError(error, module);
}
