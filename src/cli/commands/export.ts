import type { Command } from 'commander';
import { resolveHome } from '../../config/settings.js';
import { count, seconds } from '../backups.js';
import type { CliContext } from '../context.js';
import { asDatabaseCliError, loadDatabaseCommands } from '../databases.js';

export function registerExport(program: Command, context: CliContext): void {
  program
    .command('export')
    .description("write a SQLite home's data (every table, and the console logs) to one archive, for steward import into PostgreSQL")
    .requiredOption('--to <file>', 'the archive to write (.tar.gz, mode 0600; replaced if it exists)')
    .option('--home <dir>', 'the home to export (env STEWARD_HOME; default ~/.steward), as for steward serve')
    .option('--live', 'export a consistent snapshot although a server runs on the home (a trial run: what it does afterwards is not in the archive)')
    .addHelpText(
      'after',
      `
Reads the home directly, not through HTTP. Stop its server first: an export of a running server
is refused unless --live. The archive holds password and token hashes and sealed secrets, but not
the key that opens them (secrets/master.key): copy that separately (docs/operations.md).

Examples:
  steward export --home /var/lib/steward --to /backups/steward-export.tar.gz
  steward export --to trial.tar.gz --live          a trial while the server runs
  tar tzf steward-export.tar.gz | head             the archive is a plain .tar.gz`,
    )
    .action(async (options: { to: string; home?: string; live?: boolean }) => {
      const home = resolveHome(options.home, context.env);
      const commands = await loadDatabaseCommands();
      let summary;
      try {
        summary = await commands.exportHome({
          home,
          to: options.to,
          live: options.live === true,
          progress: (text) => context.out.status(text),
          tableDone: (table, rows) => context.out.note(`exported ${table}: ${count(rows, 'row')}`),
        });
      } catch (error) {
        throw asDatabaseCliError(error, commands);
      }
      const { header, manifest } = summary;
      const rows = Object.values(manifest.rows).reduce((sum, n) => sum + n, 0);
      context.out.note(`${options.to} holds every user's password and token hashes and the sealed secrets; the key that opens them is not in it: copy ${home}/secrets/master.key to the new nodes yourself.`);
      if (header.live) context.out.note('a server was running: what it did after the snapshot is not in the archive.');
      if (manifest.runningBuilds > 0) context.out.note(`${manifest.runningBuilds.toLocaleString('en-US')} build(s) were running: their logs end where they were, and the new server records them as ABORTED.`);
      if (manifest.logs.missing > 0) context.out.note(`${manifest.logs.missing.toLocaleString('en-US')} build(s) had no console log.`);
      context.out.line(`Exported ${count(header.builds, 'build')} of ${count(header.jobs, 'job')} (${count(rows, 'row')}) and ${commands.byteSize(manifest.logs.bytes)} of logs to ${options.to} in ${seconds(summary.elapsedMs)}`);
    });
}
