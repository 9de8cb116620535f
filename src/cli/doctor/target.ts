import { itemPath } from '../../core/item-url.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { parseJobRef } from '../job-ref.js';

/** The trigger URLs, by their last path segment. */
const TRIGGER_ACTIONS = new Set(['build', 'buildWithParameters', 'polling']);

/**
 * What `steward doctor` was asked about: nothing (the server and credentials only), a job by name
 * (triggered as `steward build` would), or a trigger URL as someone pastes it into curl, a
 * `/job/…/build[WithParameters]` URL or a Build Token Root `/buildByToken/…?job=` URL.
 */
export interface DoctorTarget {
  readonly kind: 'none' | 'name' | 'job-url' | 'token-root-url';
  /** `team/app`; null when none is named (or a token-root URL lacks `job=`). */
  readonly fullName: string | null;
  /** `job/team/job/app/`, relative to the server's root. */
  readonly path: string | null;
  /** The server a URL was below; null for a name. */
  readonly server: URL | null;
  /** `build`, `buildWithParameters`, `polling`, or '' when the URL triggers nothing (or for a name). */
  readonly action: string;
  /** The URL as given (for a URL), else null. */
  readonly url: URL | null;
  /** The method curl would use: GET unless `-X POST`. For a name, POST (what `steward build` sends). */
  readonly method: 'GET' | 'POST';
}

/** Parses `[job]` and `-X`; a URL without `/job/` is accepted only as a `/buildByToken/` URL. */
export function parseTarget(value: string | undefined, request: string | undefined): DoctorTarget {
  const method = parseMethod(request);
  if (value === undefined || value === '') return { kind: 'none', fullName: null, path: null, server: null, action: '', url: null, method: method ?? 'POST' };
  if (!/^https?:\/\//i.test(value)) {
    const ref = parseJobRef(value);
    return { kind: 'name', fullName: ref.fullName, path: ref.path, server: null, action: '', url: null, method: method ?? 'POST' };
  }
  const url = new URL(value);
  const segments = url.pathname.split('/');
  const root = segments.indexOf('buildByToken');
  if (root >= 0 && !segments.includes('job')) {
    const server = new URL(url.href);
    server.pathname = `${segments.slice(0, root).join('/')}/`;
    server.search = '';
    server.hash = '';
    const name = url.searchParams.get('job')?.replace(/^\/+|\/+$/g, '') || null;
    const action = segments[root + 1] ?? '';
    return { kind: 'token-root-url', fullName: name, path: name ? itemPath(name) : null, server, action: TRIGGER_ACTIONS.has(action) ? action : '', url, method: method ?? 'GET' };
  }
  const ref = parseJobRef(value);
  const action = TRIGGER_ACTIONS.has(ref.action.replace(/\/api\/(json|xml)$/, '')) ? ref.action.replace(/\/api\/(json|xml)$/, '') : '';
  return { kind: action === '' ? 'name' : 'job-url', fullName: ref.fullName, path: ref.path, server: ref.server, action, url: action === '' ? null : url, method: method ?? (action === '' ? 'POST' : 'GET') };
}

function parseMethod(request: string | undefined): 'GET' | 'POST' | null {
  if (request === undefined) return null;
  const upper = request.toUpperCase();
  if (upper === 'GET' || upper === 'POST') return upper;
  throw new CliError(`-X takes GET or POST (the method your curl command uses), not ${JSON.stringify(request)}.`, ExitCode.usage);
}

/** A URL to show: the token's value replaced by `TOKEN`, never the secret, never user info. */
export function shownUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  if (copy.searchParams.has('token')) copy.searchParams.set('token', 'TOKEN');
  try {
    return decodeURI(copy.href);
  } catch {
    return copy.href;
  }
}
