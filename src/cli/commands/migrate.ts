import type { Command } from 'commander';
import { resolveDatabaseUrl, resolveHome } from '../../config/settings.js';
import type { CliContext } from '../context.js';
import { asDatabaseCliError, loadDatabaseCommands } from '../databases.js';

export function registerMigrate(program: Command, context: CliContext): void {
  program
    .command('migrate')
    .description("create or upgrade the database's schema, then exit (steward serve also does it at start)")
    .option('--database <url>', 'the PostgreSQL database (postgres://user@host/db; env STEWARD_DATABASE_URL)')
    .option('--home <dir>', 'without --database: the home whose SQLite database to upgrade (env STEWARD_HOME; default ~/.steward)')
    .option('--json', 'print {database, from, to, applied, latest}')
    .addHelpText(
      'after',
      `
Prints the schema version before and after. Safe while nodes start or run, and when several
migrate at once: migrations run under a lock, each is applied once, and the others find it done.
A database a newer Steward has migrated is refused before anything changes (exit 2).

Examples:
  steward migrate --database postgres://steward@db.example.com/steward
  STEWARD_DATABASE_URL=postgres://steward@db/steward steward migrate --json
  steward migrate --home /var/lib/steward            (a SQLite home, its server stopped or running)`,
    )
    .action(async (options: { database?: string; home?: string; json?: boolean }) => {
      const database = resolveDatabaseUrl(options.database, context.env);
      const home = resolveHome(options.home, context.env);
      const commands = await loadDatabaseCommands();
      let summary;
      try {
        summary = await commands.migrateDatabase({ database, home });
      } catch (error) {
        throw asDatabaseCliError(error, commands);
      }
      if (options.json) {
        context.out.json({ database: summary.name, from: summary.from, to: summary.to, applied: summary.applied, latest: summary.latest });
        return;
      }
      const what = summary.applied.length === 0 ? 'already up to date' : `applied ${summary.applied.length === 1 ? 'migration' : 'migrations'} ${summary.applied.join(', ')}`;
      context.out.line(`${summary.name}: schema version ${summary.from} → ${summary.to} (${what})`);
    });
}
