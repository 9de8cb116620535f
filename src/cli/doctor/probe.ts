import { STEWARD_VERSION } from '../../version.js';
import { remoteError } from '../client.js';
import type { Credential } from '../connection.js';

const PROBE_TIMEOUT_MS = 10_000;

/** One answer, as observed: nothing retried, nothing followed. */
export interface Observation {
  readonly status: number;
  readonly headers: Headers;
  /** Steward's `X-Steward-Reason`, else null. */
  readonly reason: string | null;
  /** The server's explanation of a refusal (its message and hint), else ''. */
  readonly message: string;
  readonly hint: string | null;
  readonly text: string;
  /** `name=value` of the cookies the answer set. */
  readonly cookies: readonly string[];
}

export interface ProbeOptions {
  /** Send no credentials. */
  readonly anonymous?: boolean;
  readonly headers?: Record<string, string>;
  /** Cookies to send, `name=value`. */
  readonly cookies?: readonly string[];
}

/** The server could not be reached at all; `code` is Node's (ECONNREFUSED, ENOTFOUND, …). */
export class Unreachable extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'Unreachable';
  }
}

/**
 * Raw requests for diagnosis. Unlike `Client` it never retries with a crumb, never keeps cookies
 * and never sends a trigger token on its own, because the doctor must see each answer exactly as a
 * script would. The credential leaves this object only in the Authorization header.
 */
export class Probe {
  constructor(
    readonly root: URL,
    private readonly credential: Credential | null,
  ) {}

  get(target: string | URL, options: ProbeOptions = {}): Promise<Observation> {
    return this.request('GET', target, options);
  }

  post(target: string | URL, options: ProbeOptions = {}): Promise<Observation> {
    return this.request('POST', target, options);
  }

  async request(method: 'GET' | 'POST', target: string | URL, options: ProbeOptions = {}): Promise<Observation> {
    const url = typeof target === 'string' ? new URL(target.replace(/^\//, ''), this.root) : target;
    const headers: Record<string, string> = { 'user-agent': `steward-cli/${STEWARD_VERSION} (doctor)`, ...options.headers };
    if (this.credential && !options.anonymous) headers.authorization = `Basic ${Buffer.from(`${this.credential.user}:${this.credential.secret}`).toString('base64')}`;
    if (options.cookies && options.cookies.length > 0) headers.cookie = options.cookies.join('; ');
    let response: Response;
    try {
      response = await fetch(url, { method, headers, redirect: 'manual', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Unreachable(cause?.code ?? (error as { name?: string }).name ?? 'unknown', cause?.message ?? String(error));
    }
    const cookies = response.headers.getSetCookie().map((line) => (line.split(';')[0] ?? '').trim()).filter((pair) => pair.indexOf('=') > 0);
    const text = await response.clone().text();
    const refusal = response.status >= 400 ? await remoteError(response, url.origin + url.pathname) : null;
    return { status: response.status, headers: response.headers, reason: response.headers.get('x-steward-reason'), message: refusal?.message ?? '', hint: refusal?.hint ?? null, text, cookies };
  }
}

/** `HTTP 403 permission_missing: alice is missing …`: an answer in one line for a cause. */
export function answered(observation: Observation): string {
  const reason = observation.reason ? ` ${observation.reason}` : '';
  const message = observation.message ? `: ${observation.message.replace(/\s+/g, ' ').slice(0, 240).replace(/[.\s]+$/, '')}` : '';
  return `HTTP ${observation.status}${reason}${message}`;
}

/** Whether a 403 is the CSRF filter's, on Steward (its reason) or Jenkins (its message). */
export function isCrumbRefusal(observation: Observation): boolean {
  if (observation.status !== 403) return false;
  if (observation.reason !== null) return observation.reason.startsWith('crumb_');
  return /No valid crumb/i.test(observation.text);
}
