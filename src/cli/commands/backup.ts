import type { Command } from 'commander';
import { resolveHome } from '../../config/settings.js';
import { asCliError, count, loadBackups, seconds } from '../backups.js';
import type { CliContext } from '../context.js';

export function registerBackup(program: Command, context: CliContext): void {
  program
    .command('backup')
    .description('copy a Steward home (database, secrets, console logs) into one archive, while its server runs')
    .requiredOption('--to <file>', 'the archive to write (.tar.gz, mode 0600; replaced if it exists)')
    .option('--home <dir>', 'the home to back up (env STEWARD_HOME; default ~/.steward), as for steward serve')
    .addHelpText(
      'after',
      `
Reads the home directly, not through HTTP, and is safe while a server runs on it: the database is
copied as one consistent snapshot. Workspaces are not backed up. The archive holds the sealing key:
keep it where only you can read it.

Examples:
  steward backup --to /backups/steward-$(date +%F).tar.gz
  steward backup --home /var/lib/steward --to steward.tar.gz`,
    )
    .action(async (options: { to: string; home?: string }) => {
      const backups = await loadBackups();
      const home = resolveHome(options.home, context.env);
      let summary;
      try {
        summary = await backups.backupHome({ home, to: options.to, progress: (text) => context.out.status(text) });
      } catch (error) {
        throw asCliError(error, backups);
      }
      const { manifest } = summary;
      context.out.note(`${options.to} contains the sealing key (secrets/master.key) and every user's password and token hashes: keep it where only you can read it.`);
      if (manifest.runningBuilds > 0) context.out.note(`${manifest.runningBuilds.toLocaleString('en-US')} build(s) were running: their logs end where they were, and a restored server records them as ABORTED.`);
      if (manifest.missingLogs > 0) context.out.note(`${manifest.missingLogs.toLocaleString('en-US')} build(s) had no console log left (deleted by retention meanwhile, or never written).`);
      context.out.line(`Backed up ${count(manifest.builds, 'build')}, ${backups.byteSize(manifest.logBytes)} of logs to ${options.to} in ${seconds(summary.elapsedMs)}`);
    });
}
