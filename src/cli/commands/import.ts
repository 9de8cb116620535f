import type { Command } from 'commander';
import { resolveDatabaseUrl } from '../../config/settings.js';
import { count, seconds } from '../backups.js';
import type { CliContext } from '../context.js';
import { asDatabaseCliError, loadDatabaseCommands } from '../databases.js';
import { CliError, ExitCode } from '../exit-codes.js';

export function registerImport(program: Command, context: CliContext): void {
  program
    .command('import')
    .description('fill an empty PostgreSQL database from a steward export archive, console logs included')
    .requiredOption('--from <file>', 'the archive steward export wrote')
    .option('--database <url>', 'the empty PostgreSQL database to fill (postgres://user@host/db; env STEWARD_DATABASE_URL)')
    .option('--key-file <file>', "check that this key file (the nodes' --key-file) is the exported home's key (env STEWARD_KEY_FILE)")
    .option('--check', 'only read the archive and check it against its manifest; no database needed')
    .addHelpText(
      'after',
      `
Runs in one transaction: the database is changed only if the whole archive is sound, and a
database that already holds anything is refused. Ids, build numbers and queue ids are kept;
new ones continue after the highest the old server handed out; console logs go into the
database with their builds. No server may start on the database before the import has ended
(a server that starts meanwhile waits for it).

Examples:
  steward import --from steward-export.tar.gz --check
  steward import --from steward-export.tar.gz --database postgres://steward@db.example.com/steward \\
    --key-file /etc/steward/master.key
  steward serve --database postgres://steward@db.example.com/steward --key-file /etc/steward/master.key`,
    )
    .action(async (options: { from: string; database?: string; keyFile?: string; check?: boolean }) => {
      const check = options.check === true;
      const database = check ? null : resolveDatabaseUrl(options.database, context.env);
      if (!check && database === null) throw new CliError('steward import needs the PostgreSQL database to fill: give --database URL (or STEWARD_DATABASE_URL), or --check to only check the archive.', ExitCode.usage);
      const keyFile = options.keyFile ?? (context.env.STEWARD_KEY_FILE || null);
      const commands = await loadDatabaseCommands();
      let summary;
      try {
        summary = await commands.importArchive({
          from: options.from,
          database,
          keyFile,
          check,
          progress: (text) => context.out.status(text),
          tableDone: (table, rows) => context.out.note(`${check ? 'checked' : 'imported'} ${table}: ${count(rows, 'row')}`),
        });
      } catch (error) {
        throw asDatabaseCliError(error, commands);
      }
      const { header, manifest } = summary;
      const rows = Object.values(manifest.rows).reduce((sum, n) => sum + n, 0);
      const contents = `${count(header.builds, 'build')} of ${count(header.jobs, 'job')} (${count(rows, 'row')}) and ${commands.byteSize(manifest.logs.bytes)} of logs`;
      const origin = `exported ${header.createdAt} by Steward ${header.stewardVersion}`;
      if (check) {
        context.out.line(`${options.from} is a whole export: ${contents} (${origin})`);
        return;
      }
      const target = commands.describeDatabase(database as string);
      context.out.line(`Imported ${contents} into ${target} in ${seconds(summary.elapsedMs)} (${origin})`);
      if (keyFile === null) context.out.note("the key file was not checked: start every server with --key-file naming a copy of the old home's secrets/master.key, which the sealed secrets need.");
      context.out.note(`start it with: steward serve --database ${target} --key-file ${keyFile ?? 'FILE'}`);
    });
}
