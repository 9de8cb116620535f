import { isParameterized, type Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { defaultValue, type ParameterDefinition } from '../../core/parameters.js';

/** The ready-to-copy commands that trigger one job from outside; placeholders in capitals until known. */
export interface TriggerCommands {
  /** curl with the user's API token, on the job's own URL (Job/Build). */
  readonly apiCurl: string;
  /** The steward CLI with the user's API token. */
  readonly apiCli: string;
  /** curl on the Build Token Root URL with a trigger token in a header (no user, no crumb). */
  readonly tokenCurl: string;
  /** The steward CLI with a trigger token. */
  readonly tokenCli: string;
}

/**
 * A word a POSIX shell reads back unchanged: as it is when it holds only characters the shell does
 * not interpret, else in single quotes (a quote inside becomes `'\''`).
 */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The example values the commands send: each parameter's default. Password parameters are left out
 * (their default is used, and the page never shows it).
 */
function examples(job: Job): Array<readonly [string, string]> {
  return job.settings.parameters
    .filter((definition: ParameterDefinition) => definition.type !== 'password')
    .map((definition) => {
      const value = defaultValue(definition);
      return [definition.name, value.type === 'password' ? '' : String(value.value)] as const;
    });
}

/** curl's form field: `--data` when the value needs no encoding, else `--data-urlencode` (which encodes it). */
function curlField(name: string, value: string): string {
  const plain = encodeURIComponent(value) === value;
  return `${plain ? '--data' : '--data-urlencode'} ${shellWord(`${name}=${value}`)}`;
}

/**
 * The commands for `job` on the server at `rootUrl` (ending in `/`): `user` fills the API-token
 * commands' user (null: `USER`), `token` the trigger-token commands (null: `TOKEN`). Path segments are
 * percent-encoded as the server's own links are, and every word is quoted for the shell, so a name
 * with spaces or quotes still gives a working command.
 */
export function triggerCommands(job: Job, rootUrl: string, user: string | null, token: string | null): TriggerCommands {
  const parameterized = isParameterized(job);
  const action = parameterized ? 'buildWithParameters' : 'build';
  const fields = examples(job);
  const data = fields.map(([name, value]) => ` ${curlField(name, value)}`).join('');
  const cliParameters = fields.map(([name, value]) => ` -p ${shellWord(`${name}=${value}`)}`).join('');
  const jobQuery = encodeURIComponent(job.fullName).replace(/%2F/g, '/');
  const credentials = shellWord(`${user ?? 'USER'}:API_TOKEN`);
  const secret = token ?? 'TOKEN';
  const cli = `steward build ${shellWord(job.fullName)}${cliParameters} -s -v --server ${shellWord(rootUrl)}`;
  return {
    apiCurl: `curl -X POST -u ${credentials} ${shellWord(`${rootUrl}${itemPath(job.fullName)}${action}`)}${data}`,
    apiCli: `${cli} --auth ${credentials}`,
    tokenCurl: `curl -X POST -H ${shellWord(`X-Steward-Token: ${secret}`)} ${shellWord(`${rootUrl}buildByToken/${action}?job=${jobQuery}`)}${data}`,
    tokenCli: `${cli} --token ${shellWord(secret)}`,
  };
}
