import { STEWARD_VERSION } from '../version.js';
import type { Connection, Credential } from './connection.js';
import { CliError, ExitCode } from './exit-codes.js';

/** What answers at the server URL. */
export interface ServerInfo {
  readonly kind: 'steward' | 'jenkins';
  /** Steward's version, or Jenkins' (`X-Jenkins`). */
  readonly version: string;
}

/** A refusal or failure the server answered, with its own explanation when it gave one. */
export class RemoteError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string | null,
    message: string,
    readonly hint: string | null,
    readonly url: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }

  /** jenkins-cli's codes for the same failures: bad credentials 7, access denied 6, no such thing 3, not buildable 4. */
  get exitCode(): number {
    if (this.status === 401) return ExitCode.badCredentials;
    if (this.status === 403) return ExitCode.accessDenied;
    if (this.status === 404 || this.status === 400) return ExitCode.illegalArgument;
    if (this.status === 409) return ExitCode.illegalState;
    return ExitCode.failure;
  }
}

export interface RequestOptions {
  readonly query?: Record<string, string | readonly string[] | undefined>;
  readonly form?: URLSearchParams;
  readonly body?: string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
  /** Send no credentials (to see what an anonymous caller gets). */
  readonly anonymous?: boolean;
  readonly timeoutMs?: number;
}

export interface ClientOptions {
  /**
   * Whether to note, once, that the server wanted a crumb because the credential is a password (and
   * that an API token would need none). Default true; off where the advice is already being followed.
   */
  readonly crumbNote?: boolean;
}

export interface Notices {
  /** One line for the person at the terminal (stderr), never data. */
  note(line: string): void;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Jenkins' API token actions of the signed-in user (`generateNewToken`, `revoke`), which Steward answers too. */
export const API_TOKEN_ACTIONS = 'me/descriptorByName/jenkins.security.ApiTokenProperty';

/**
 * Speaks the Jenkins HTTP API, which Steward answers too. Credentials go as HTTP Basic; when the
 * server refuses a POST for want of a crumb (a password was used), the client fetches one, keeps
 * the session cookie it is bound to, and repeats the request once. Secrets never leave this object
 * except in the Authorization header.
 */
export class Client {
  private readonly cookies = new Map<string, string>();
  private crumb: { field: string; value: string } | null = null;
  private crumbNoted = false;
  private server: ServerInfo | null | undefined;

  constructor(
    readonly connection: Connection,
    private readonly notices: Notices,
    private readonly options: ClientOptions = {},
  ) {}

  get root(): URL {
    return this.connection.server;
  }

  get credential(): Credential | null {
    return this.connection.credential;
  }

  /** A URL below the server's root; an absolute URL the server gave is moved onto the URL we were told to use. */
  url(target: string, query?: RequestOptions['query']): URL {
    let url: URL;
    if (/^https?:\/\//.test(target)) {
      url = new URL(target);
      const root = this.root;
      if (url.origin !== root.origin) {
        url = new URL(`${url.pathname}${url.search}`.replace(/^\//, ''), new URL('/', root));
      }
    } else {
      url = new URL(target.replace(/^\//, ''), this.root);
    }
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      for (const one of typeof value === 'string' ? [value] : value) url.searchParams.append(name, one);
    }
    return url;
  }

  /** The URL to show a person: never with a secret in it. */
  shown(target: string): string {
    const url = this.url(target);
    url.search = '';
    return url.href;
  }

  async send(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', target: string, options: RequestOptions = {}): Promise<Response> {
    const first = await this.once(method, target, options);
    if (method === 'GET' || options.anonymous || first.status !== 403 || this.crumb !== null || !(await isCrumbRefusal(first))) return first;
    if (!(await this.fetchCrumb())) return first;
    if (this.credential && !this.crumbNoted && this.options.crumbNote !== false) {
      this.crumbNoted = true;
      this.notices.note(
        `note: the server wanted a crumb, so ${this.credential.user}'s credential is a password; an API token needs none and can be revoked alone (steward token create NAME).`,
      );
    }
    return this.once(method, target, options);
  }

  /** GETs JSON, throwing the server's refusal. */
  async json<T>(target: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.expect(await this.send('GET', target, { ...options, headers: { accept: 'application/json', ...options.headers } }), target);
    return (await response.json()) as T;
  }

  async text(target: string, options: RequestOptions = {}): Promise<string> {
    return (await this.expect(await this.send('GET', target, options), target)).text();
  }

  async post(target: string, options: RequestOptions = {}): Promise<Response> {
    return this.expect(await this.send('POST', target, { ...options, headers: { accept: 'application/json', ...options.headers } }), target);
  }

  /** The response when it is a success (2xx, or a redirect Jenkins answers for a done action); else the server's refusal as a RemoteError. */
  async expect(response: Response, target: string): Promise<Response> {
    if (response.status < 400) return response;
    throw await remoteError(response, this.shown(target));
  }

  /** Steward or Jenkins, and its version, from the headers of the root; null when neither answers. */
  async serverInfo(): Promise<ServerInfo | null> {
    if (this.server !== undefined) return this.server;
    const response = await this.send('GET', 'api/json', { anonymous: true, query: { tree: 'mode' } });
    await response.body?.cancel();
    const steward = response.headers.get('x-steward');
    const jenkins = response.headers.get('x-jenkins');
    this.server = steward ? { kind: 'steward', version: steward } : jenkins ? { kind: 'jenkins', version: jenkins } : null;
    return this.server;
  }

  /** Fetches a crumb (and the cookie it is bound to); false when the server issues none. */
  private async fetchCrumb(): Promise<boolean> {
    const response = await this.once('GET', 'crumbIssuer/api/json', { headers: { accept: 'application/json' } });
    if (!response.ok) {
      await response.body?.cancel();
      return false;
    }
    const body = (await response.json()) as { crumb?: string; crumbRequestField?: string };
    if (!body.crumb || !body.crumbRequestField) return false;
    this.crumb = { field: body.crumbRequestField, value: body.crumb };
    return true;
  }

  private async once(method: string, target: string, options: RequestOptions): Promise<Response> {
    const url = this.url(target, options.query);
    const headers: Record<string, string> = { 'user-agent': `steward-cli/${STEWARD_VERSION}`, ...options.headers };
    if (this.credential && !options.anonymous) headers.authorization = `Basic ${Buffer.from(`${this.credential.user}:${this.credential.secret}`).toString('base64')}`;
    // A Steward trigger token used alone also reads what it started (Jenkins knows no such header).
    if (!this.credential && !options.anonymous && this.connection.token?.value.startsWith('stwt_')) headers['x-steward-token'] = this.connection.token.value;
    if (!options.anonymous && this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (this.crumb && method !== 'GET' && !options.anonymous) headers[this.crumb.field] = this.crumb.value;
    let body: string | undefined;
    if (options.form) {
      body = options.form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (options.body !== undefined) {
      body = options.body;
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw unreachable(error, this.connection);
    }
    if (!options.anonymous) this.keepCookies(response);
    return response;
  }

  private keepCookies(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const equals = pair.indexOf('=');
      if (equals <= 0) continue;
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      if (value === '' || /;\s*max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

async function isCrumbRefusal(response: Response): Promise<boolean> {
  const reason = response.headers.get('x-steward-reason');
  if (reason !== null) return reason.startsWith('crumb_');
  return (await response.clone().text()).includes('No valid crumb');
}

/** The server's explanation: Steward's `{error, message, hint}`, Jenkins' `X-Error`, or the text of its page. */
export async function remoteError(response: Response, shownUrl: string): Promise<RemoteError> {
  const reason = response.headers.get('x-steward-reason');
  const text = await response.text();
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      const body = JSON.parse(text) as { message?: string; hint?: string | null; error?: string };
      if (typeof body.message === 'string') return new RemoteError(response.status, body.error ?? reason, body.message, body.hint ?? null, shownUrl);
    } catch {
      // not JSON after all: fall through to the text
    }
  }
  const xError = response.headers.get('x-error');
  const plain = text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const message = xError ?? (plain !== '' ? plain.slice(0, 300) : `HTTP ${response.status} ${response.statusText}`);
  return new RemoteError(response.status, reason, message, null, shownUrl);
}

function unreachable(error: unknown, connection: Connection): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { name?: string }).name;
  const where = `${connection.server.href} (from ${connection.serverSource})`;
  if (code === 'ECONNREFUSED') return new CliError(`Nothing answers at ${where}: connection refused.`, ExitCode.failure, 'Start the server (steward serve), or point --server or STEWARD_URL at it.');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new CliError(`The host ${connection.server.hostname} of ${where} is unknown.`, ExitCode.failure, 'Check the spelling of --server or STEWARD_URL.');
  if (code === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT') return new CliError(`${where} did not answer in time.`, ExitCode.failure, 'Check that the server is up and reachable from here.');
  return new CliError(`Cannot reach ${where}: ${cause?.message ?? String(error)}.`, ExitCode.failure);
}
