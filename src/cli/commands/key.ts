import { join } from 'node:path';
import type { Command } from 'commander';
import { masterKeyPath, readKeyFile } from '../../config/master-key.js';
import { resolveDatabaseUrl, resolveHome } from '../../config/settings.js';
import { count, seconds } from '../backups.js';
import type { CliContext } from '../context.js';
import { asDatabaseCliError, loadDatabaseCommands } from '../databases.js';

export function registerKey(program: Command, context: CliContext): void {
  const key = program
    .command('key')
    .description("the master key that seals the server's secrets at rest")
    .addHelpText('after', '\nExamples:\n  steward key rotate --home /var/lib/steward');
  key
    .command('rotate')
    .description('seal every secret of a stopped deployment again with a new master key, and put the key in place')
    .option('--database <url>', 'the PostgreSQL database (postgres://user@host/db; env STEWARD_DATABASE_URL)')
    .option('--home <dir>', 'the home (env STEWARD_HOME; default ~/.steward): its SQLite database without --database, its secrets/master.key without --key-file')
    .option('--key-file <file>', 'the current key, as the servers are given it (env STEWARD_KEY_FILE; default HOME/secrets/master.key)')
    .option('--new-key-file <file>', 'the new key (base64, at least 32 bytes, e.g. from openssl rand -base64 32); default: a new random key')
    .addHelpText(
      'after',
      `
Stop every server first: a running server, or a build recorded as running, is refused (exit 2),
and so is a key that does not open the database's secrets. Everything runs in one transaction:
the database is sealed with the old key or with the new one, never a mix. The new key is then
written over the current key file (mode 0600); the old one is kept beside it as
FILE.old-YYYYMMDDTHHMMSSZ. Users sign in again (sessions and crumbs come from the key); agents,
webhooks, API, trigger and job tokens keep working. With several servers, copy the new key file
to each before starting it: a server with the old key refuses to start.

Examples:
  steward key rotate --home /var/lib/steward
  steward key rotate --database postgres://steward@db.example.com/steward --key-file /etc/steward/master.key
  steward key rotate --home /var/lib/steward --new-key-file /root/new-master.key`,
    )
    .action(async (options: { database?: string; home?: string; keyFile?: string; newKeyFile?: string }) => {
      const database = resolveDatabaseUrl(options.database, context.env);
      const home = resolveHome(options.home, context.env);
      const keyFile = masterKeyPath(join(home, 'secrets'), options.keyFile ?? (context.env.STEWARD_KEY_FILE || null));
      const oldKey = readKeyFile(keyFile, 'Give --key-file the key the servers run with (or --home their home).');
      const newKey = options.newKeyFile === undefined ? null : readKeyFile(options.newKeyFile, 'Give --new-key-file a readable key file, or leave it out to have a key made.');
      const commands = await loadDatabaseCommands();
      let summary;
      try {
        summary = await commands.rotateKey({
          database,
          home,
          keyFile,
          oldKey,
          newKey,
          progress: (text) => context.out.status(text),
          tableDone: (table, rows) => context.out.note(`sealed again with the new key: ${table}, ${count(rows, 'row')}`),
        });
      } catch (error) {
        throw asDatabaseCliError(error, commands);
      }
      if (summary.finishedInterrupted) {
        context.out.line(`${summary.database} was already sealed with the key a rotation left in ${keyFile}.new (it stopped before putting it in place): ${keyFile} now holds it.`);
        return;
      }
      const values = summary.resealed.reduce((sum, entry) => sum + entry.count, 0);
      const kinds = summary.resealed.map((entry) => `${entry.kind} ${entry.count.toLocaleString('en-US')}`).join(', ');
      context.out.line(`Rotated the master key of ${summary.database} in ${seconds(summary.elapsedMs)}: sealed ${count(values, 'value')} again (${kinds}) and ended ${count(summary.sessionsEnded, 'session')}.`);
      context.out.note(`${keyFile} holds the ${summary.generated ? 'new key, made at random' : 'new key'} (mode 0600); the old key is kept in ${summary.backup}: delete it once every server runs with the new key.`);
      context.out.note('users sign in again (sessions and crumbs come from the key); agents, webhooks, and API, trigger and job tokens keep working.');
      if (database !== null) context.out.note(`copy ${keyFile} to every other server (its --key-file) before starting it: a server with the old key refuses to start.`);
    });
}
