import type { Context } from 'hono';
import type { CrumbBinding, Crumbs } from '../auth/crumbs.js';
import type { Principal } from '../auth/principal.js';
import type { AppEnv } from './context.js';
import { Refusal } from './errors.js';

export const CRUMB_FIELD = 'Jenkins-Crumb';

/** Whether a request carries the crumb it needs; when not, the refusal to give. */
export type CrumbVerdict = { readonly ok: true } | { readonly ok: false; readonly refusal: Refusal };

const OK: CrumbVerdict = { ok: true };

/**
 * What a crumb for this request is bound to: its session, its Basic user, or, for anonymous, the
 * nonce in its session cookie (null when it sent none).
 */
export function crumbBinding(principal: Principal, sessionCookie: string | null): CrumbBinding | null {
  if (principal.kind === 'user') return principal.credential.kind === 'session' ? { kind: 'session', hash: principal.credential.hash } : { kind: 'user', id: principal.id };
  if (principal.kind === 'token') return null;
  return sessionCookie ? { kind: 'anonymous', nonce: sessionCookie } : null;
}

/** Only POSTs need a crumb, and not those authenticated by an API token or a trigger token. */
export function needsCrumb(c: Context<AppEnv>, enabled: boolean): boolean {
  if (!enabled || c.req.method !== 'POST') return false;
  const principal = c.get('principal');
  return !(principal.kind === 'token' || (principal.kind === 'user' && principal.credential.kind === 'api_token'));
}

/**
 * Jenkins' CSRF rule with Steward's exemptions: only POST is checked; a request authenticated by an
 * API token needs no crumb (DESIGN §5.8 adds requests with a valid job or trigger token, which the
 * trigger routes decide); password, session and anonymous POSTs need a valid one, from the header or
 * from a `Jenkins-Crumb` parameter. The refusal says why this request needed one and the ways out.
 */
export function crumbVerdict(c: Context<AppEnv>, crumbs: Crumbs, enabled: boolean, parameter: () => string | undefined): CrumbVerdict {
  if (!needsCrumb(c, enabled)) return OK;
  const principal = c.get('principal');
  const presented = c.req.header(CRUMB_FIELD) ?? parameter();
  const binding = crumbBinding(principal, c.get('sessionCookie'));
  if (presented !== undefined && binding !== null && crumbs.isValid(presented, binding)) return OK;
  // A crumb fetched with the password, which also started this session (`/crumbIssuer`), is bound to
  // the user: only someone who knew the password could get it, so the session may use it too.
  if (presented !== undefined && principal.kind === 'user' && principal.credential.kind === 'session' && crumbs.isValid(presented, { kind: 'user', id: principal.id })) return OK;
  const kind = principal.kind !== 'user' ? 'anonymous' : principal.credential.kind === 'session' ? 'session' : 'password';
  const { why, hint, mismatch } = EXPLANATIONS[kind];
  if (presented === undefined) return { ok: false, refusal: new Refusal('crumb_missing', `No valid crumb was included in the request: ${why}.`, hint) };
  const reason = kind === 'anonymous' && binding === null ? 'the crumb was sent without the session cookie it was issued with' : mismatch;
  return { ok: false, refusal: new Refusal('crumb_mismatch', `No valid crumb was included in the request: ${reason}.`, hint) };
}

/** Why each kind of caller needed a crumb, the ways out, and what a wrong crumb most likely was. */
const EXPLANATIONS = {
  anonymous: {
    why: 'this POST is anonymous, so it needs a crumb bound to its session cookie',
    hint: 'Authenticate with an API token (curl -u USER:API_TOKEN), which needs no crumb; or fetch one from /crumbIssuer/api/json keeping its cookie (curl -c jar … then -b jar) and send it as Jenkins-Crumb.',
    mismatch: 'the crumb was issued to another session',
  },
  session: {
    why: 'this POST came from a browser session, so it needs the crumb of that session',
    hint: 'Reload the page (its forms carry the crumb), or fetch one from /crumbIssuer/api/json with the same session cookie and send it as Jenkins-Crumb.',
    mismatch: 'the crumb was issued to another session',
  },
  password: {
    why: 'this POST was authenticated with a password, so it needs a crumb',
    hint: 'Use an API token instead of the password (no crumb needed), or fetch one from /crumbIssuer/api/json with the same credentials and send it as Jenkins-Crumb.',
    mismatch: 'the crumb was issued to another user or session, or more than a day ago',
  },
} as const;
