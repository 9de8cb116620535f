import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { API_TOKEN_ACTIONS, type Client } from '../client.js';
import { type CliContext, connect } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { parseJobRef } from '../job-ref.js';
import { currentUserId, native, requireSteward, userPath } from '../native-api.js';
import { collect, commandGroup, subcommand } from '../subcommand.js';
import { shortTime } from '../times.js';

/** Jenkins' API token actions of the current user, which Steward answers too. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ON_JENKINS_TRIGGER = "give the job an authentication token (Trigger builds remotely, in its configuration) and trigger with: steward build JOB --token TOKEN.";

/** An API token as the native API lists it (never with its value). */
interface ApiTokenJson {
  uuid: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedAddress: string | null;
  useCount: number;
}

interface TriggerTokenJson extends ApiTokenJson {
  items: string[];
  createdBy: string;
  allowedNetworks: string[];
  canCancel: boolean;
}

/** A token just made: the only moment its value is known. */
interface Created {
  name: string;
  uuid: string | null;
  value: string;
  expiresAt: string | null;
}

interface CreateOptions {
  expires?: string;
  trigger?: boolean;
  job: string[];
  network: string[];
  canCancel?: boolean;
  json?: boolean;
}

export function registerToken(program: Command, context: CliContext): void {
  const token = commandGroup(program, 'token', "your API tokens (for scripts and `steward login`), and Steward's trigger tokens for jobs", [
    'steward token create laptop > ~/.ci-token',
    'steward token create ci-bot --expires 90d --json',
    'steward token list',
    'steward token revoke laptop',
    'steward token create deploy-bot --trigger --job team/deploy --network 10.0.0.0/8',
  ]);

  subcommand(token, 'create', 'create a token and print its value, once', [
    'steward token create laptop                            the value on stdout, a note on stderr',
    'steward token create ci --expires 2027-06-30 --json    {name, uuid, value, expiresAt}',
    'steward token create deploy-bot --trigger --job team/deploy --job team/rollback --expires 30d --can-cancel',
  ], { notes: 'The value is printed once, on standard output; the server cannot show it again.' })
    .argument('<name>', "the token's name, to recognise it in lists and logs")
    .option('--expires <when>', 'when it stops working: a date (2027-06-30) or a time from now (90d, 12h); Steward only')
    .option('--trigger', "a Steward trigger token, which can only trigger the jobs given with --job (and read the builds it started)")
    .option('--job <job>', 'with --trigger: a job, or a folder for everything below it (repeatable)', collect, [])
    .option('--network <cidr>', 'with --trigger: a network it may be used from, such as 10.0.0.0/8 (repeatable; default anywhere)', collect, [])
    .option('--can-cancel', 'with --trigger: it may also stop the builds it started')
    .option('--json', 'print {name, uuid, value, expiresAt} as JSON instead of the bare value')
    .action(async (name: string, options: CreateOptions, self: Command) => {
      if (!options.trigger) triggerOnly(options.job.length > 0 || options.network.length > 0 || Boolean(options.canCancel), '--job, --network and --can-cancel');
      if (options.trigger && options.job.length === 0) throw new CliError('A trigger token needs the jobs it may trigger: --job JOB (repeatable).', ExitCode.usage);
      const expiresAt = options.expires === undefined ? undefined : expiryOf(options.expires);
      const client = connect(context, self);
      const created = options.trigger ? await createTriggerToken(client, name, options, expiresAt) : await createApiToken(client, name, expiresAt);
      if (options.json) return context.out.json(created);
      const kind = options.trigger ? 'trigger token' : 'API token';
      context.out.note(`created the ${kind} "${created.name}"${created.uuid ? ` (${created.uuid})` : ''}; here is its value, which will not be shown again.`);
      context.out.line(created.value);
    });

  subcommand(token, 'list', 'list your API tokens, or with --trigger the trigger tokens you may manage, with their use', [
    'steward token list',
    'steward token list --trigger --job team/deploy',
    "steward token list --json | jq -r '.[] | select(.lastUsedAt == null) | .uuid'",
  ])
    .option('--trigger', "Steward's trigger tokens (those covering jobs you may configure)")
    .option('--job <job>', 'with --trigger: only those covering this job or folder')
    .option('--json', 'print them as JSON (never with their values)')
    .action(async (options: { trigger?: boolean; job?: string; json?: boolean }, self: Command) => {
      if (!options.trigger) triggerOnly(options.job !== undefined, '--job');
      const client = connect(context, self);
      if (options.trigger) {
        const tokens = await listTriggerTokens(client, options.job === undefined ? null : parseJobRef(options.job).fullName);
        if (options.json) return context.out.json(tokens);
        if (tokens.length === 0) return context.out.line('There are no trigger tokens you may manage.');
        context.out.table(
          ['NAME', 'UUID', 'JOBS', 'CREATED BY', 'EXPIRES', 'LAST USED', 'USES'],
          tokens.map((one) => [one.name, one.uuid, one.items.join(','), one.createdBy, shortTime(one.expiresAt), shortTime(one.lastUsedAt), String(one.useCount)]),
        );
        return;
      }
      const tokens = await listApiTokens(client);
      if (options.json) return context.out.json(tokens);
      if (tokens.length === 0) return context.out.line('You have no API tokens.');
      context.out.table(
        ['NAME', 'UUID', 'CREATED', 'EXPIRES', 'LAST USED', 'USES'],
        tokens.map((one) => [one.name, one.uuid, shortTime(one.createdAt), shortTime(one.expiresAt), shortTime(one.lastUsedAt), String(one.useCount)]),
      );
    });

  subcommand(token, 'revoke', 'revoke one of your API tokens, or with --trigger a trigger token; by UUID, or by name when only one has it', [
    'steward token revoke laptop',
    'steward token revoke 0b1e4c6e-…',
    'steward token revoke --trigger deploy-bot',
  ])
    .argument('<token>', "the token's UUID, or its name")
    .option('--trigger', "a Steward trigger token")
    .action(async (key: string, options: { trigger?: boolean }, self: Command) => {
      const client = connect(context, self);
      if (options.trigger) {
        const chosen = pick(await listTriggerTokens(client, null), key, 'trigger token', 'steward token list --trigger');
        await native(client, 'DELETE', `trigger-tokens/${encodeURIComponent(chosen.uuid)}`);
        return context.out.line(`Revoked the trigger token "${chosen.name}" (${chosen.uuid})`);
      }
      const isSteward = (await client.serverInfo())?.kind === 'steward';
      if (!isSteward && !UUID.test(key)) await requireSteward(client, 'Revoking an API token by name', "give the token's UUID (token create --json prints it; so does your user's Security page).");
      const chosen = isSteward ? pick(await listApiTokens(client), key, 'API token', 'steward token list') : { name: null, uuid: key };
      await (await client.post(`${API_TOKEN_ACTIONS}/revoke`, { form: new URLSearchParams({ tokenUuid: chosen.uuid }) })).body?.cancel();
      context.out.line(`Revoked the API token ${chosen.name === null ? '' : `"${chosen.name}" `}(${chosen.uuid})`);
      if (!isSteward) context.out.note('Jenkins answers the same whether or not that UUID was one of your tokens.');
    });
}

function triggerOnly(given: boolean, which: string): void {
  if (given) throw new CliError(`${which} apply only to trigger tokens: add --trigger.`, ExitCode.usage);
}

/** --expires: a date (`2027-06-30`, midnight UTC; or an ISO date-time) or a duration from now (`90d`, `12h`), as an ISO date-time in the future. */
function expiryOf(value: string, now = Date.now()): string {
  const duration = parseDuration(value);
  const at = duration !== null ? now + duration : /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new CliError(`--expires ${JSON.stringify(value)} is neither a date (2027-06-30) nor a time from now (90d, 12h).`, ExitCode.usage);
  if (at <= now) throw new CliError(`--expires ${JSON.stringify(value)} is not in the future.`, ExitCode.usage);
  return new Date(at).toISOString();
}

/**
 * Jenkins' generateNewToken, which both servers answer; an expiry needs Steward's native API (the
 * current user's tokens), as Jenkins' form has no portable way to set one.
 */
async function createApiToken(client: Client, name: string, expiresAt: string | undefined): Promise<Created> {
  if (expiresAt !== undefined) {
    await requireSteward(client, 'An API token that expires', "create it without --expires, and revoke it when done (steward token revoke UUID).");
    const created = await native<ApiTokenJson & { value: string }>(client, 'POST', `${userPath(await currentUserId(client))}/tokens`, { name, expiresAt });
    return { name: created.name, uuid: created.uuid, value: created.value, expiresAt: created.expiresAt };
  }
  const response = await client.post(`${API_TOKEN_ACTIONS}/generateNewToken`, { form: new URLSearchParams({ newTokenName: name }) });
  const body = (await response.json()) as { status?: string; message?: string; data?: { tokenName?: string; tokenUuid?: string; tokenValue?: string } };
  if (body.status !== 'ok' || !body.data?.tokenValue) throw new CliError(`The server did not create the token: ${body.message ?? 'its answer held no token'}.`, ExitCode.failure);
  return { name: body.data.tokenName ?? name, uuid: body.data.tokenUuid ?? null, value: body.data.tokenValue, expiresAt: null };
}

async function createTriggerToken(client: Client, name: string, options: CreateOptions, expiresAt: string | undefined): Promise<Created & { items: string[] }> {
  await requireSteward(client, 'A trigger token', ON_JENKINS_TRIGGER);
  const created = await native<TriggerTokenJson & { value: string }>(client, 'POST', 'trigger-tokens', {
    name,
    items: options.job.map((job) => parseJobRef(job).fullName),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(options.network.length === 0 ? {} : { allowedNetworks: options.network }),
    canCancel: Boolean(options.canCancel),
  });
  return { name: created.name, uuid: created.uuid, value: created.value, expiresAt: created.expiresAt, items: created.items };
}

async function listApiTokens(client: Client): Promise<ApiTokenJson[]> {
  await requireSteward(client, 'Listing API tokens', "see them on your user's Security page (your name, then Security).");
  return native<ApiTokenJson[]>(client, 'GET', `${userPath(await currentUserId(client))}/tokens`);
}

async function listTriggerTokens(client: Client, item: string | null): Promise<TriggerTokenJson[]> {
  await requireSteward(client, 'Trigger tokens', ON_JENKINS_TRIGGER);
  return native<TriggerTokenJson[]>(client, 'GET', `trigger-tokens${item === null ? '' : `?item=${encodeURIComponent(item)}`}`);
}

/** The token with the UUID `key`, else the only one named `key`. */
function pick<T extends { uuid: string; name: string }>(tokens: readonly T[], key: string, kind: string, listCommand: string): T {
  const byUuid = tokens.find((one) => one.uuid === key);
  if (byUuid) return byUuid;
  const named = tokens.filter((one) => one.name === key);
  if (named.length === 1) return named[0] as T;
  if (named.length > 1) throw new CliError(`${named.length} ${kind}s are named "${key}".`, ExitCode.usage, `Revoke one by its UUID: ${named.map((one) => one.uuid).join(', ')}.`);
  throw new CliError(`No ${kind} has the name or UUID "${key}".`, ExitCode.illegalArgument, `See them with: ${listCommand}`);
}
