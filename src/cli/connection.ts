import { CliError, ExitCode } from './exit-codes.js';
import { netrcLogin } from './netrc.js';
import { Profiles, profilesFile } from './profiles.js';
import { readSecretArgument } from './secret-argument.js';

/** Where `steward` looks when nothing names a server: what `steward serve` listens on by default. */
export const DEFAULT_SERVER = 'http://127.0.0.1:8080/';

/** A user and a password or API token, and where they came from (shown, never the secret). */
export interface Credential {
  readonly user: string;
  readonly secret: string;
  readonly source: string;
}

/** A build or trigger token (`token=`), and where it came from. */
export interface TriggerSecret {
  readonly value: string;
  readonly source: string;
}

export interface Connection {
  /** The server's root URL, ending in `/`, without user info. */
  readonly server: URL;
  readonly serverSource: string;
  readonly credential: Credential | null;
  readonly token: TriggerSecret | null;
}

export interface ConnectionOptions {
  readonly server?: string;
  readonly auth?: string;
  readonly token?: string;
}

/**
 * The server and credentials a command uses, each from the first source that gives one:
 * server from --server, STEWARD_URL, JENKINS_URL, the last `steward login`, else DEFAULT_SERVER;
 * credentials from --auth, STEWARD_AUTH, JENKINS_USER_ID + JENKINS_API_TOKEN, the login profile
 * of that server, ~/.netrc; a token from --token, else STEWARD_TOKEN. Empty variables count as unset.
 */
export function resolveConnection(options: ConnectionOptions, env: NodeJS.ProcessEnv, serverOverride: URL | null = null): Connection {
  const profiles = new Profiles(profilesFile(env));
  const named = serverOverride
    ? { value: serverOverride.href, source: 'the job URL' }
    : firstOf([
        [options.server, '--server'],
        [env.STEWARD_URL, 'STEWARD_URL'],
        [env.JENKINS_URL, 'JENKINS_URL'],
        [profiles.current() ?? undefined, `the login profile (${profiles.file})`],
      ]);
  const { url: server, userInfo } = parseServer(named?.value ?? DEFAULT_SERVER, named?.source ?? 'the default');
  return {
    server,
    serverSource: named?.source ?? 'the default',
    credential: findCredential(options, env, server, userInfo, profiles),
    token: findToken(options, env),
  };
}

function findCredential(options: ConnectionOptions, env: NodeJS.ProcessEnv, server: URL, userInfo: Credential | null, profiles: Profiles): Credential | null {
  if (options.auth !== undefined) return parseAuth(readSecretArgument(options.auth, '--auth'), '--auth');
  if (userInfo) return userInfo;
  if (env.STEWARD_AUTH) return parseAuth(readSecretArgument(env.STEWARD_AUTH, 'STEWARD_AUTH'), 'STEWARD_AUTH');
  if (env.JENKINS_USER_ID && env.JENKINS_API_TOKEN) return { user: env.JENKINS_USER_ID, secret: env.JENKINS_API_TOKEN, source: 'JENKINS_USER_ID and JENKINS_API_TOKEN' };
  const profile = profiles.get(server.href);
  if (profile) return { user: profile.user, secret: profile.token, source: `the login profile (${profiles.file})` };
  const netrc = netrcLogin(server.hostname, env);
  if (netrc) return { user: netrc.login, secret: netrc.password, source: netrc.file };
  return null;
}

function findToken(options: ConnectionOptions, env: NodeJS.ProcessEnv): TriggerSecret | null {
  if (options.token !== undefined) return { value: readSecretArgument(options.token, '--token'), source: '--token' };
  if (env.STEWARD_TOKEN) return { value: readSecretArgument(env.STEWARD_TOKEN, 'STEWARD_TOKEN'), source: 'STEWARD_TOKEN' };
  return null;
}

function firstOf(candidates: ReadonlyArray<readonly [string | undefined, string]>): { value: string; source: string } | null {
  for (const [value, source] of candidates) if (value !== undefined && value !== '') return { value, source };
  return null;
}

export function parseAuth(value: string, source: string): Credential {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) {
    throw new CliError(`${source} takes USER:TOKEN (or @FILE holding that), and this has no user or no token.`, ExitCode.usage, 'For example: --auth alice:stwu_… ; create a token with `steward token create NAME`.');
  }
  return { user: value.slice(0, colon), secret: value.slice(colon + 1), source };
}

/** A server URL as people write it: `host:8080` gets `http://`, the path gets a final `/`; user info becomes a credential. */
export function parseServer(value: string, source: string): { url: URL; userInfo: Credential | null } {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new CliError(`${source} is not a URL: ${JSON.stringify(value)}.`, ExitCode.usage, 'For example: --server http://ci.example.com:8080/');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`${source} must be an http or https URL (got ${url.protocol}).`, ExitCode.usage);
  const userInfo = url.username !== '' ? { user: decodeURIComponent(url.username), secret: decodeURIComponent(url.password), source: 'the server URL' } : null;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return { url, userInfo: userInfo && userInfo.secret !== '' ? userInfo : null };
}
