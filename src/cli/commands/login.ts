import { hostname } from 'node:os';
import type { Command } from 'commander';
import { API_TOKEN_ACTIONS, Client } from '../client.js';
import { type Connection, type Credential, parseServer, resolveConnection } from '../connection.js';
import type { CliContext } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { Profiles, profilesFile } from '../profiles.js';
import { ask, secretFromStdin } from '../prompt.js';
import { stewardWhoAmI } from './whoami.js';


interface LoginOptions {
  user?: string;
  passwordStdin?: boolean;
  tokenStdin?: boolean;
  tokenName?: string;
}

export function registerLogin(program: Command, context: CliContext): void {
  program
    .command('login')
    .description('check credentials and save them for later commands (a password is exchanged for a new API token)')
    .argument('[server]', 'the server URL (default: --server, STEWARD_URL, JENKINS_URL, else http://127.0.0.1:8080/)')
    .option('-u, --user <user>', 'the user name (asked when not given)')
    .option('--password-stdin', 'read a password from standard input; login creates an API token with it and saves only the token')
    .option('--token-stdin', 'read an API token from standard input and save it')
    .option('--token-name <name>', 'the name of the API token login creates', `steward-cli on ${hostname()}`)
    .option('--server <url>', 'the server, as the argument')
    .addHelpText(
      'after',
      `
The credentials are saved in ${'$XDG_CONFIG_HOME/steward/credentials.json'} (default ~/.config/steward/),
readable only by you (mode 0600), for the server; later commands use them when no --auth,
STEWARD_AUTH or JENKINS_USER_ID/JENKINS_API_TOKEN is set.

Examples:
  steward login http://127.0.0.1:8080/ -u admin         asks for the password or token
  pass show ci/token | steward login https://ci.example.com/ -u alice --token-stdin
  steward logout`,
    )
    .action(async (server: string | undefined, options: LoginOptions, self: Command) => {
      await login(context, self, server, options);
    });

  program
    .command('logout')
    .description('forget the saved credentials of a server (and revoke the API token login created)')
    .argument('[server]', 'the server URL (default: the one the next command would use)')
    .option('--server <url>', 'the server, as the argument')
    .addHelpText('after', '\nExamples:\n  steward logout                              the server later commands would use\n  steward logout https://ci.example.com/')
    .action(async (server: string | undefined, _options: unknown, self: Command) => {
      await logout(context, self, server);
    });
}

function serverOf(context: CliContext, command: Command, argument: string | undefined): Connection {
  const options = command.optsWithGlobals() as { server?: string };
  const named = argument ?? options.server;
  const connection = resolveConnection({ server: named }, context.env);
  return named === undefined ? connection : { ...connection, server: parseServer(named, 'the server argument').url, serverSource: 'the command line' };
}

async function login(context: CliContext, command: Command, argument: string | undefined, options: LoginOptions): Promise<void> {
  if (options.passwordStdin && options.tokenStdin) throw new CliError('Give --password-stdin or --token-stdin, not both.', ExitCode.usage);
  const target = serverOf(context, command, argument);
  const user = options.user ?? (await ask('User: '));
  if (user === '') throw new CliError('A user name is needed: --user NAME.', ExitCode.usage);
  const piped = options.passwordStdin || options.tokenStdin;
  const secret = piped ? await secretFromStdin(options.passwordStdin ? 'password' : 'API token') : await ask(`Password or API token for ${user}: `, true);
  const credential: Credential = { user, secret, source: 'steward login' };
  // Login's one POST (generateNewToken) is made with a password only to exchange it for an API token,
  // which is what the client's crumb note advises: on this request, on either server, the note would
  // only be noise (issue 14). Where a crumb will matter later, noteSavedPassword says so instead.
  const client = new Client({ ...target, credential, token: null }, context.out, { crumbNote: false });
  const who = await client.json<{ name: string; anonymous: boolean }>('whoAmI/api/json');
  if (who.anonymous) throw new CliError(`${target.server.href} took the request as anonymous: it did not accept ${user}'s credential.`, ExitCode.badCredentials);
  const isPassword = options.passwordStdin ? true : options.tokenStdin ? false : await looksLikePassword(client, secret);
  const profiles = new Profiles(profilesFile(context.env));
  if (!isPassword) {
    profiles.save(target.server.href, { user: who.name, token: secret, createdTokenUuid: null });
    context.out.line(`Logged in to ${target.server.href} as ${who.name}; saved the API token in ${profiles.file}`);
    await noteSavedPassword(context, client, who.name);
    return;
  }
  const response = await client.post(`${API_TOKEN_ACTIONS}/generateNewToken`, { form: new URLSearchParams({ newTokenName: options.tokenName ?? 'steward-cli' }) });
  const created = (await response.json()) as { data?: { tokenUuid?: string; tokenValue?: string; tokenName?: string } };
  if (!created.data?.tokenValue) throw new CliError('The server did not return a new API token.', ExitCode.failure);
  profiles.save(target.server.href, { user: who.name, token: created.data.tokenValue, createdTokenUuid: created.data.tokenUuid ?? null });
  context.out.line(`Logged in to ${target.server.href} as ${who.name}; created the API token "${created.data.tokenName ?? options.tokenName}" and saved it (not the password) in ${profiles.file}`);
}

/**
 * With --token-stdin the secret is saved as given. When Steward says it is a password, every later
 * POST with it needs a crumb, so this is the one case of login where the crumb note helps; it is
 * worded for what was saved. (A Jenkins cannot say without a POST, and its client notes it then.)
 */
async function noteSavedPassword(context: CliContext, client: Client, user: string): Promise<void> {
  if ((await stewardWhoAmI(client))?.credential !== 'password') return;
  context.out.note(
    `note: the server took this secret as ${user}'s password, not an API token, and it was saved as given: every POST with it needs a crumb (steward fetches one). Log in with --password-stdin instead to save an API token, which needs none and can be revoked alone.`,
  );
}

/** Steward says how a request authenticated; with Jenkins, its tokens are 32 hex digits (34 with the "11" of newer ones). */
async function looksLikePassword(client: Client, secret: string): Promise<boolean> {
  const steward = await stewardWhoAmI(client);
  if (steward) return steward.credential === 'password';
  return !/^(11)?[0-9a-f]{32}$/.test(secret);
}

async function logout(context: CliContext, command: Command, argument: string | undefined): Promise<void> {
  const target = serverOf(context, command, argument);
  const profiles = new Profiles(profilesFile(context.env));
  const removed = profiles.remove(target.server.href);
  if (!removed) {
    context.out.line(`No saved credentials for ${target.server.href}`);
    return;
  }
  if (removed.createdTokenUuid) {
    const client = new Client({ ...target, credential: { user: removed.user, secret: removed.token, source: 'steward login' }, token: null }, context.out);
    try {
      await client.post(`${API_TOKEN_ACTIONS}/revoke`, { form: new URLSearchParams({ tokenUuid: removed.createdTokenUuid }) });
      context.out.line(`Revoked the API token login created, and forgot ${removed.user}'s credentials for ${target.server.href}`);
      return;
    } catch (error) {
      context.out.note(`could not revoke the API token login created (${error instanceof Error ? error.message : String(error)}); revoke it on the server.`);
    }
  }
  context.out.line(`Forgot ${removed.user}'s credentials for ${target.server.href}`);
}
