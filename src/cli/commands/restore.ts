import type { Command } from 'commander';
import { resolveHome } from '../../config/settings.js';
import { asCliError, count, loadBackups, seconds } from '../backups.js';
import type { CliContext } from '../context.js';

export function registerRestore(program: Command, context: CliContext): void {
  program
    .command('restore')
    .description('restore a steward backup archive into a new or empty home')
    .requiredOption('--from <file>', 'the archive steward backup wrote')
    .option('--home <dir>', 'the home to restore into (env STEWARD_HOME; default ~/.steward), as for steward serve')
    .option('--force', 'restore into a home that is not empty, replacing its database, secrets and logs')
    .addHelpText(
      'after',
      `
The whole archive is checked against its manifest (sizes and SHA-256) before anything is put in
place: a damaged archive changes nothing. Refused while a server runs on the home.

Examples:
  steward restore --from steward.tar.gz --home /var/lib/steward-new
  steward restore --from steward.tar.gz --home /var/lib/steward --force   (the server stopped first)`,
    )
    .action(async (options: { from: string; home?: string; force?: boolean }) => {
      const backups = await loadBackups();
      const home = resolveHome(options.home, context.env);
      let summary;
      try {
        summary = await backups.restoreHome({ from: options.from, home, force: options.force === true, progress: (text) => context.out.status(text) });
      } catch (error) {
        throw asCliError(error, backups);
      }
      const { manifest } = summary;
      context.out.line(
        `Restored ${count(manifest.builds, 'build')} of ${count(manifest.jobs, 'job')}, ${backups.byteSize(manifest.logBytes)} of logs, into ${home} in ${seconds(summary.elapsedMs)} (backed up ${manifest.createdAt} by Steward ${manifest.stewardVersion})`,
      );
      context.out.note(`start it with: steward serve --home ${home}`);
    });
}
