import { INITIAL_ADMIN } from '../../auth/initial-password.js';
import { isDomainError } from '../../core/errors.js';
import { CRUMB_FIELD, crumbBinding } from '../crumb.js';
import { escapeHtml } from '../html.js';
import { clearSessionCookie, setSessionCookie } from '../session-cookie.js';
import { single } from '../body.js';
import type { Scope } from './scope.js';
import { PAGE_HEADERS } from '../ui/page.js';

/** Pages anyone may reach, as Jenkins' ALWAYS_READABLE_PATHS: the login form, its handler, logout. */
export function serveLogin(scope: Scope, head: string): Promise<Response> | null {
  switch (head) {
    case 'login':
      return loginForm(scope);
    case 'j_spring_security_check':
      return scope.method === 'POST' ? login(scope) : loginForm(scope);
    case 'loginError':
      return loginError(scope);
    case 'logout':
      return logout(scope);
    default:
      return null;
  }
}

const THIS_SERVER = 'http://steward.invalid';

/**
 * Where a sign-in leads: `from` when it is a path on this server, else the root, as Jenkins does with
 * a target it finds unsafe (`Util.isSafeToRedirectTo`): the sign-in still succeeds. Another site
 * (`//host`, `\\host`, `http:`) and control characters (CR, LF, NUL, …, which could split the
 * Location header) are unsafe. The result is percent-encoded ASCII, fit for a header.
 */
function safeTarget(from: string | undefined): string {
  if (!from || !from.startsWith('/') || from.startsWith('//') || from.includes('\\') || /[\u0000-\u001f\u007f]/.test(from)) return '/';
  try {
    const url = new URL(from, THIS_SERVER);
    return url.origin === THIS_SERVER ? url.pathname + url.search + url.hash : '/';
  } catch {
    return '/';
  }
}

/**
 * The login form. It carries a crumb bound to the anonymous session cookie issued with it, so that a
 * page of another site cannot log a visitor in under an account of its choosing.
 */
async function loginForm(scope: Scope): Promise<Response> {
  // A signed-in browser that asks for the form starts a new sign-in: its cookie is replaced.
  const nonce = scope.anonymousNonce(scope.principal.kind === 'user');
  const crumb = scope.deps.crumbs.issue({ kind: 'anonymous', nonce });
  const from = escapeHtml(safeTarget(scope.url.searchParams.get('from') ?? undefined));
  const body = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in [Steward]</title><link rel="icon" href="/static/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/static/steward.css"></head>
<body><main><h1>Sign in to Steward</h1>
${initialPasswordHint(scope)}<form method="post" action="/j_spring_security_check">
<p><label for="j_username">User</label> <input id="j_username" name="j_username" autocomplete="username" autofocus required></p>
<p><label for="j_password">Password</label> <input id="j_password" name="j_password" type="password" autocomplete="current-password" required></p>
<input type="hidden" name="from" value="${from}">
<input type="hidden" name="${CRUMB_FIELD}" value="${crumb}">
<p><button type="submit">Sign in</button></p>
</form></main></body></html>
`;
  return scope.c.html(body, 200, PAGE_HEADERS);
}

/**
 * On a fresh server, where the first password is: only while admin still has the generated one (then
 * the file exists), and never the password itself. The visitor is anonymous, and no answer names a
 * file of the server's home by its path (docs/security.md), so the hint gives the file relative to
 * the home and the default home; whoever started the server saw the full path in its output.
 */
function initialPasswordHint(scope: Scope): string {
  if (!scope.deps.initialPassword.inUse) return '';
  return `<div class="notice" id="initial-password-hint"><p>First sign-in? Use the user <strong>${INITIAL_ADMIN}</strong> and the password Steward generated when it first started. It is in the file <code>secrets/initialAdminPassword</code> in Steward's home directory (<code>~/.steward</code> unless <code>--home</code> or <code>STEWARD_HOME</code> says otherwise), readable only on the server; the server printed the file's full path when it started.</p></div>
`;
}

/**
 * `POST /j_spring_security_check` with `j_username`, `j_password` and optional `from`: on success a
 * new session (a new cookie value, so a planted one is useless) and 302 to `from`; on failure 302 to
 * `/loginError`, with the reason in `X-Steward-Reason`. A crumb is checked when the form sends one
 * (ours does); a script may leave it out, but a browser posting from another site may not.
 */
async function login(scope: Scope): Promise<Response> {
  const input = await scope.readInput();
  const target = safeTarget(single(input, 'from'));
  const crumb = single(input, CRUMB_FIELD) ?? scope.c.req.header(CRUMB_FIELD);
  const binding = crumbBinding({ kind: 'anonymous' }, scope.c.get('sessionCookie'));
  const forged = crumb !== undefined ? binding === null || !scope.deps.crumbs.isValid(crumb, binding) : isCrossSite(scope);
  const userId = single(input, 'j_username') ?? '';
  scope.c.set('claimedUser', userId);
  if (forged) return failed(scope, 'crumb_mismatch', userId);
  // The answer is settled before a session is made, so nothing after it can fail with a cookie issued.
  const location = scope.requestBase + target.slice(1);
  try {
    const { principal, cookieValue } = await scope.deps.authenticator.login(userId, single(input, 'j_password') ?? '', scope.address);
    setSessionCookie(scope.c, scope.deps.sessions.cookieName, cookieValue, scope.deps.publicUrl);
    scope.deps.audit.record(scope.audit({ action: 'login', outcome: 'accepted', actor: principal.id, credential: 'password' }));
    return new Response(null, { status: 302, headers: mergeCookies(scope, { Location: location }) });
  } catch (error) {
    if (isDomainError(error)) return failed(scope, error.code, userId);
    throw error;
  }
}

function failed(scope: Scope, reason: string, userId: string): Response {
  scope.deps.audit.record(scope.audit({ action: 'login', outcome: 'refused', reason, actor: userId || 'anonymous', credential: 'password' }));
  return new Response(null, {
    status: 302,
    headers: { Location: `${scope.requestBase}loginError?reason=${encodeURIComponent(reason)}`, 'X-Steward-Reason': reason },
  });
}

/** A browser marks a form posted from another site; scripts send neither header. */
function isCrossSite(scope: Scope): boolean {
  const origin = scope.c.req.header('origin');
  if (origin !== undefined && origin !== 'null' && origin !== scope.url.origin) return true;
  return scope.c.req.header('sec-fetch-site') === 'cross-site';
}

const LOGIN_ERRORS: Record<string, string> = {
  credentials_invalid: 'Invalid username or password.',
  too_many_failures: 'Too many failed sign-ins from your address. Wait a minute, then try again.',
  crumb_mismatch: 'The sign-in form was out of date or came from another site. Open the sign-in page again.',
  authentication_busy: 'Too many sign-ins are being checked right now. Wait a few seconds, then try again.',
};

async function loginError(scope: Scope): Promise<Response> {
  const reason = scope.url.searchParams.get('reason') ?? 'credentials_invalid';
  const text = LOGIN_ERRORS[reason] ?? LOGIN_ERRORS.credentials_invalid;
  const body = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in failed [Steward]</title></head>
<body><main><h1>Sign in failed</h1><p role="alert">${escapeHtml(text ?? '')}</p><p><a href="/login">Try again</a></p></main></body></html>
`;
  return scope.c.html(body, 401, { ...PAGE_HEADERS, 'X-Steward-Reason': LOGIN_ERRORS[reason] ? reason : 'credentials_invalid' });
}

/** `/logout` (GET or POST): ends the session and forgets the cookie; 302 to the root. */
async function logout(scope: Scope): Promise<Response> {
  const cookie = scope.c.get('sessionCookie');
  if (cookie) await scope.deps.sessions.end(cookie);
  if (scope.principal.kind === 'user') scope.deps.audit.record(scope.audit({ action: 'logout', outcome: 'accepted' }));
  clearSessionCookie(scope.c, scope.deps.sessions.cookieName);
  return new Response(null, { status: 302, headers: mergeCookies(scope, { Location: scope.requestBase }) });
}

/** A new Response does not carry what `setCookie` put on the context's response; this copies it. */
function mergeCookies(scope: Scope, headers: Record<string, string>): Headers {
  const merged = new Headers(headers);
  for (const cookie of scope.c.res.headers.getSetCookie()) merged.append('Set-Cookie', cookie);
  return merged;
}
