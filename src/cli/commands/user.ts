import type { Command } from 'commander';
import type { Client } from '../client.js';
import { type CliContext, connect } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { currentUserId, native, requireSteward, userPath } from '../native-api.js';
import { ask, readStdin } from '../prompt.js';
import { collect, commandGroup, subcommand } from '../subcommand.js';
import { shortTime } from '../times.js';

const ON_JENKINS = 'manage users under Manage Jenkins > Users (Jenkins has no portable HTTP API for them).';

interface UserJson {
  id: string;
  fullName: string;
  groups: string[];
  createdAt: string;
}

export function registerUser(program: Command, context: CliContext): void {
  const user = commandGroup(program, 'user', "Steward's users: add, list, delete, and set passwords (administrators; anyone for their own password)", [
    'steward user list',
    'steward user add alice --full-name "Alice Example" --group devs',
    'steward user passwd                      change your own password',
    'steward user delete alice',
  ]);

  subcommand(user, 'add', 'create a user (administrators)', [
    'steward user add alice --group devs --group release        asks for the password',
    'pass show ci/alice | steward user add alice --password-stdin',
  ])
    .argument('<id>', "the user's id, to sign in with")
    .option('--full-name <name>', 'the name shown for the user')
    .option('--group <group>', 'a group the user is in (repeatable)', collect, [])
    .option('--password-stdin', 'read the password from the first line of standard input (else it is asked on the terminal)')
    .action(async (id: string, options: { fullName?: string; group: string[]; passwordStdin?: boolean }, self: Command) => {
      const client = await stewardClient(context, self, 'Adding a user');
      const password = options.passwordStdin ? ((await stdinLines(1, 'a password'))[0] as string) : await newPassword(id);
      const created = await native<UserJson>(client, 'POST', 'users', { id, password, groups: options.group, ...(options.fullName === undefined ? {} : { fullName: options.fullName }) });
      context.out.line(`Created the user ${created.id}${created.groups.length > 0 ? ` in ${created.groups.join(', ')}` : ''}`);
    });

  subcommand(user, 'passwd', "set a password: your own (with the current one), or as an administrator anyone's", [
    'steward user passwd                                        asks for the current and the new password',
    "printf '%s\\n%s\\n' \"$OLD\" \"$NEW\" | steward user passwd --password-stdin",
    'echo "$NEW" | steward user passwd alice --password-stdin   an administrator, for alice',
  ], { notes: "The user's browser sessions end; their API tokens keep working." })
    .argument('[id]', 'whose password (default: yours)')
    .option('--password-stdin', 'read the passwords from standard input: for your own, the current one on the first line and the new one on the second; for another user, the new one only')
    .action(async (id: string | undefined, options: { passwordStdin?: boolean }, self: Command) => {
      const client = await stewardClient(context, self, 'Setting a password');
      const me = await currentUserId(client);
      const target = id ?? me;
      const own = target.toLowerCase() === me.toLowerCase();
      let body: { password: string; currentPassword?: string };
      if (options.passwordStdin) {
        const lines = await stdinLines(own ? 2 : 1, own ? 'the current password on the first line and the new one on the second' : 'a password');
        body = own ? { currentPassword: lines[0] as string, password: lines[1] as string } : { password: lines[0] as string };
      } else {
        const currentPassword = own ? await ask('Current password: ', true) : undefined;
        body = { password: await newPassword(target), ...(currentPassword === undefined ? {} : { currentPassword }) };
      }
      await native(client, 'PUT', `${userPath(target)}/password`, body);
      context.out.line(`Changed the password of ${target}; their browser sessions have ended`);
    });

  subcommand(user, 'delete', 'delete a user with their API tokens and sessions (administrators; not yourself)', ['steward user delete alice'])
    .argument('<id>', "the user's id")
    .action(async (id: string, _options: unknown, self: Command) => {
      const client = await stewardClient(context, self, 'Deleting a user');
      await native(client, 'DELETE', userPath(id));
      context.out.line(`Deleted the user ${id}, with their API tokens and sessions`);
    });

  subcommand(user, 'list', 'list the users (administrators)', ['steward user list', "steward user list --json | jq -r '.[].id'"])
    .option('--json', 'print them as JSON: id, fullName, groups, createdAt')
    .action(async (options: { json?: boolean }, self: Command) => {
      const client = await stewardClient(context, self, 'Listing users');
      const users = await native<UserJson[]>(client, 'GET', 'users');
      if (options.json) return context.out.json(users);
      context.out.table(
        ['ID', 'FULL NAME', 'GROUPS', 'CREATED'],
        users.map((one) => [one.id, one.fullName, one.groups.join(','), shortTime(one.createdAt)]),
      );
    });
}

/** A client for the command, which only Steward can serve. */
async function stewardClient(context: CliContext, command: Command, what: string): Promise<Client> {
  const client = connect(context, command);
  await requireSteward(client, what, ON_JENKINS);
  return client;
}

/** The first `count` lines of standard input, each non-empty (`--password-stdin`). */
async function stdinLines(count: number, what: string): Promise<string[]> {
  const lines = (await readStdin()).split(/\r?\n/).slice(0, count);
  if (lines.length < count || lines.some((line) => line === '')) throw new CliError(`Standard input held no ${what}.`, ExitCode.usage);
  return lines;
}

/** A new password asked twice on the terminal (what is typed is not shown). */
async function newPassword(id: string): Promise<string> {
  const password = await ask(`New password for ${id}: `, true);
  if (password === '') throw new CliError('The password is empty.', ExitCode.usage);
  if ((await ask('The same again: ', true)) !== password) throw new CliError('The two passwords differ.', ExitCode.usage);
  return password;
}
