import { availableParallelism, homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Retention } from '../core/item.js';
import type { ConfigFile } from './config-file.js';
import { milliseconds, seconds } from './config-file.js';
import { retention as toRetention } from './apply.js';

/** How the server's log lines are written: `json` (one JSON object a line, for collectors) or `pretty` (for a person at a terminal). */
export type LogFormat = 'json' | 'pretty';

const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/** Everything the server needs to start, resolved once and frozen. */
export interface Settings {
  readonly home: string;
  /** A PostgreSQL database's address (`postgres://…`) to keep the store in; null: embedded SQLite in the home. */
  readonly databaseUrl: string | null;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly executors: number;
  /** How long an agent's build lives without a lease renewal before it is taken for lost. */
  readonly agentLeaseMs: number;
  readonly configFile: string | null;
  /** The default quiet period of jobs that set none (DESIGN §5.9: 0, so triggers start at once). */
  readonly quietPeriodSeconds: number;
  /** The default build retention of jobs that set none; null keeps every build. */
  readonly retention: Retention | null;
  /** The URL people and builds reach the server at; null derives it from the listening address. */
  readonly publicUrl: string | null;
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  /** `json` lines, or `pretty` lines for a person; the default follows whether standard error, where logs go, is a terminal. */
  readonly logFormat: LogFormat;
  /** How long a stopped build's processes get between SIGTERM and SIGKILL. */
  readonly killGraceMs: number;
  /** A browser session unused for this long ends. */
  readonly sessionTimeoutMs: number;
  /** Failed authentications allowed from one address per window, before it gets 429. */
  readonly failedAuthentications: { readonly count: number; readonly windowMs: number };
  /** Triggers allowed per trigger token and per address (null: unlimited). */
  /** The system secret text credential GitHub signs deliveries to `/github-webhook/` with; null: that URL refuses every delivery. */
  readonly githubWebhookSecretCredential: string | null;
  readonly triggerLimits: { readonly perToken: { count: number; windowMs: number } | null; readonly perAddress: { count: number; windowMs: number } | null };
  /** Audit events older than this are deleted. */
  readonly auditRetentionMs: number;
  /** The most bytes one build may archive; a build whose artifacts are larger archives nothing and fails (`settings.artifactsMaxBuildBytes`, `STEWARD_ARTIFACTS_MAX_BUILD_BYTES`). */
  readonly artifactsMaxBuildBytes: number;
  /** The most items of one job that may wait in the queue, for jobs that set none. */
  readonly maxQueuedPerJob: number;
  /** Proxies whose X-Forwarded-For / Forwarded headers are believed (CIDR blocks). */
  readonly trustedProxies: readonly string[];
  /** The account build steps on the built-in node run as; null runs them as the server's user. Default: `nobody` when Steward runs as root. */
  readonly buildUser: string | null;
  /** Where the jobs' workspaces are; null for `HOME/workspace`. */
  readonly workspaceDir: string | null;
  /** Variables every build gets (Jenkins' global environment variables). */
  readonly buildEnvironment: Readonly<Record<string, string>>;
  /** A file holding the bearer token `/prometheus/` accepts; null: only administrators read the metrics. */
  readonly metricsTokenFile: string | null;
  /** The file holding the key that seals secrets (shared by every node of one database); null: `HOME/secrets/master.key`. */
  readonly keyFile: string | null;
  /** This server's name among the servers of one database (its builds name it); default the host name. */
  readonly serverName: string;
  /** How long a build's lease holds when its server stops renewing it (then another server aborts the build). */
  readonly serverLeaseMs: number;
}

/** Command-line options, as `steward serve` parses them (all optional). */
export interface ServeOptions {
  home?: string;
  database?: string;
  host?: string;
  port?: string;
  executors?: string;
  config?: string;
  publicUrl?: string;
  logLevel?: string;
  logFormat?: string;
  buildUser?: string;
  workspaceDir?: string;
  metricsTokenFile?: string;
  keyFile?: string;
  serverName?: string;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/**
 * Resolves settings with this precedence: command-line option, then environment variable
 * (`STEWARD_HOME`, `STEWARD_HOST`, `STEWARD_PORT`, `STEWARD_EXECUTORS`, `STEWARD_CONFIG`,
 * `STEWARD_PUBLIC_URL`, `STEWARD_LOG_LEVEL`, `STEWARD_LOG_FORMAT`, `STEWARD_BUILD_USER`, `STEWARD_WORKSPACE_DIR`,
 * `STEWARD_METRICS_TOKEN_FILE`, `STEWARD_AGENT_LEASE_SECONDS`, `STEWARD_DATABASE_URL`, `STEWARD_KEY_FILE`,
 * `STEWARD_SERVER_NAME`, `STEWARD_SERVER_LEASE_SECONDS`, `STEWARD_ARTIFACTS_MAX_BUILD_BYTES`), then the
 * configuration file's `settings:`, then the default.
 */
export function resolveSettings(options: ServeOptions, givenEnv: NodeJS.ProcessEnv, file: ConfigFile | null): Settings {
  const env = setVariables(givenEnv);
  const home = resolveHome(options.home, env);
  const port = integer(options.port ?? env.STEWARD_PORT ?? '8080', 'port', 0, 65535);
  const executorsText = options.executors ?? env.STEWARD_EXECUTORS;
  const executors = executorsText !== undefined ? integer(executorsText, 'executors', 0, 1024) : (file?.settings.executors ?? Math.max(2, availableParallelism()));
  const publicUrl = options.publicUrl ?? env.STEWARD_PUBLIC_URL ?? file?.settings.url ?? null;
  const configFile = options.config ?? env.STEWARD_CONFIG ?? null;
  return Object.freeze({
    home,
    databaseUrl: databaseUrl(options.database ?? env.STEWARD_DATABASE_URL),
    host: options.host ?? env.STEWARD_HOST ?? '127.0.0.1',
    port,
    executors,
    agentLeaseMs: integer(env.STEWARD_AGENT_LEASE_SECONDS ?? '60', 'agent lease (STEWARD_AGENT_LEASE_SECONDS)', 3, 3600) * 1000,
    serverLeaseMs: integer(env.STEWARD_SERVER_LEASE_SECONDS ?? '30', 'server lease (STEWARD_SERVER_LEASE_SECONDS)', 3, 3600) * 1000,
    configFile: configFile === null ? null : resolve(configFile),
    quietPeriodSeconds: file?.settings.quietPeriod === undefined ? 0 : seconds(file.settings.quietPeriod),
    retention: file?.settings.buildRetention ? toRetention(file.settings.buildRetention) : null,
    publicUrl: publicUrl === null ? null : normalizeUrl(publicUrl),
    bodyLimitBytes: file?.settings.bodyLimit ?? 1024 * 1024,
    logLevel: options.logLevel ?? env.STEWARD_LOG_LEVEL ?? 'info',
    logFormat: logFormat(options.logFormat ?? env.STEWARD_LOG_FORMAT),
    killGraceMs: 10_000,
    sessionTimeoutMs: file?.security?.sessionTimeout === undefined ? 30 * 60_000 : milliseconds(file.security.sessionTimeout),
    failedAuthentications: {
      count: file?.security?.failedAuthentications?.attempts ?? 10,
      windowMs: file?.security?.failedAuthentications ? milliseconds(file.security.failedAuthentications.window) : 60_000,
    },
    githubWebhookSecretCredential: env.STEWARD_GITHUB_WEBHOOK_SECRET_CREDENTIAL ?? file?.security?.githubWebhookSecretCredential ?? null,
    triggerLimits: {
      perToken: limitOf(file?.security?.triggerLimits?.perToken, { count: 120, windowMs: 60_000 }),
      perAddress: limitOf(file?.security?.triggerLimits?.perAddress, null),
    },
    auditRetentionMs: file?.security?.auditRetention === undefined ? 90 * 86_400_000 : milliseconds(file.security.auditRetention),
    maxQueuedPerJob: file?.settings.maxQueuedPerJob ?? 1000,
    artifactsMaxBuildBytes: env.STEWARD_ARTIFACTS_MAX_BUILD_BYTES !== undefined ? integer(env.STEWARD_ARTIFACTS_MAX_BUILD_BYTES, 'artifact limit per build (STEWARD_ARTIFACTS_MAX_BUILD_BYTES)', 1, Number.MAX_SAFE_INTEGER) : (file?.settings.artifactsMaxBuildBytes ?? 1024 ** 3),
    buildUser: options.buildUser ?? env.STEWARD_BUILD_USER ?? file?.settings.buildUser ?? (process.getuid?.() === 0 ? 'nobody' : null),
    workspaceDir: pathOrNull(options.workspaceDir ?? env.STEWARD_WORKSPACE_DIR ?? file?.settings.workspaceDir),
    buildEnvironment: file?.settings.buildEnvironment ?? {},
    metricsTokenFile: pathOrNull(options.metricsTokenFile ?? env.STEWARD_METRICS_TOKEN_FILE ?? file?.settings.metricsTokenFile),
    keyFile: pathOrNull(options.keyFile ?? env.STEWARD_KEY_FILE),
    serverName: serverName(options.serverName ?? env.STEWARD_SERVER_NAME ?? hostname()),
    trustedProxies: env.STEWARD_TRUSTED_PROXIES !== undefined ? env.STEWARD_TRUSTED_PROXIES.split(',').map((block) => block.trim()).filter((block) => block !== '') : (file?.settings.trustedProxies ?? []),
  });
}

/** A server's name: printable, without spaces, at most 100 characters (it appears in causes and logs). */
function serverName(text: string): string {
  if (!/^[\x21-\x7e]{1,100}$/.test(text)) {
    throw new SettingsError(`The server name (--server-name or STEWARD_SERVER_NAME) ${JSON.stringify(text.slice(0, 120))} is not usable: give 1 to 100 printable ASCII characters without spaces, e.g. ci-2.`);
  }
  return text;
}

/**
 * The PostgreSQL database the options or the environment name (`--database`, else
 * `STEWARD_DATABASE_URL`), checked, or null for the embedded SQLite database in the home: `steward
 * serve`, `migrate` and `import` all find the database this way.
 */
export function resolveDatabaseUrl(option: string | undefined, env: NodeJS.ProcessEnv): string | null {
  return databaseUrl(option ?? setVariables(env).STEWARD_DATABASE_URL);
}

/** A PostgreSQL address (`postgres://` or `postgresql://`), or null for the embedded SQLite store. */
function databaseUrl(text: string | undefined): string | null {
  if (text === undefined) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SettingsError('The database (--database or STEWARD_DATABASE_URL) is not a URL: give a PostgreSQL address such as postgres://steward@db.example.com/steward, or leave it unset for the embedded SQLite database in the home.');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new SettingsError(`The database (--database or STEWARD_DATABASE_URL) must be a postgres:// address, not ${url.protocol}//…; leave it unset for the embedded SQLite database in the home.`);
  }
  return text;
}

/**
 * The home directory, absolute: `--home`, else `STEWARD_HOME`, else `~/.steward`. `steward serve`,
 * `backup` and `restore` all find the home this way, so that they agree on it.
 */
export function resolveHome(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolve(option ?? setVariables(env).STEWARD_HOME ?? join(homedir(), '.steward'));
}

/** The variables that are set: one set to the empty string counts as not set (STEWARD_HOME= must not mean the current directory). */
function setVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')) as NodeJS.ProcessEnv;
}

/** A `{ triggers, window }` limit from the file; `triggers: 0` turns it off. */
function limitOf(declared: { triggers: number; window: number | string } | undefined, fallback: { count: number; windowMs: number } | null): { count: number; windowMs: number } | null {
  if (declared === undefined) return fallback;
  return declared.triggers === 0 ? null : { count: declared.triggers, windowMs: milliseconds(declared.window) };
}

/** A log format by name; none given: pretty for a person at a terminal, JSON lines for a file, a pipe or a collector. */
function logFormat(name: string | undefined): LogFormat {
  if (name === undefined) return process.stderr.isTTY ? 'pretty' : 'json';
  const format = LOG_FORMATS.find((known) => known === name.trim().toLowerCase());
  if (!format) throw new SettingsError(`The log format must be ${LOG_FORMATS.join(' or ')} (got "${name}").`);
  return format;
}

function pathOrNull(path: string | undefined): string | null {
  return path === undefined ? null : resolve(path);
}

function integer(text: string, what: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new SettingsError(`The ${what} must be a whole number from ${min} to ${max} (got "${text}").`);
  }
  return value;
}

function normalizeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
    return parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
  } catch {
    throw new SettingsError(`The public URL must be an http(s) URL (got "${url}").`);
  }
}

