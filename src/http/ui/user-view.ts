import { html } from 'hono/html';
import type { User } from '../../core/user.js';
import type { Scope } from '../jenkins/scope.js';
import { apiTokensSection, type CreatedToken, createdTokenPanel, type TokenFormState } from './api-tokens-section.js';
import { timeAgo } from './format.js';
import { crumbField, renderPage } from './page.js';
import { isSelf, userPagePath } from './user-access.js';
import { type PasswordFormState, passwordSection } from './user-password-section.js';

/** What one answer adds to the user's page: a form to show again with its errors, or the token just made. */
export interface UserPageState {
  readonly tokenForm?: TokenFormState;
  readonly created?: CreatedToken;
  readonly passwordForm?: PasswordFormState;
  readonly status?: 200 | 400;
}

/**
 * Why a form of the page was refused, for `X-Steward-Reason`: the current password was wrong, the new
 * one too short, the confirmation different (a value that is not valid), or a token setting out of range.
 */
function reasonOf(state: UserPageState): string | undefined {
  const password = state.passwordForm?.errors;
  if (password?.current !== undefined) return 'password_wrong';
  if (password?.password !== undefined) return 'password_rejected';
  if (password?.confirm !== undefined) return 'parameter_invalid';
  if (state.tokenForm?.errors.name !== undefined || state.tokenForm?.errors.expires !== undefined) return 'config_invalid';
  return undefined;
}

/** The notices a change redirects back with (`?done=`): fixed words, so nothing the request says is echoed. */
const NOTICES: Readonly<Record<string, string>> = {
  'token-revoked': 'The token was revoked. Requests that send it are now refused (401, token_revoked).',
  'token-gone': 'That token was already revoked or no longer exists.',
  'password-changed': 'Your password was changed. Every other browser session of yours has ended; this one stays signed in.',
  'password-set': 'The password was set. Every browser session of this user has ended.',
};

/**
 * The user's page: who they are, links to the API, their API tokens and the password form. The
 * caller has checked that the request may see it (the user or an administrator).
 */
export async function renderUserPage(scope: Scope, user: User, state: UserPageState = {}): Promise<Response> {
  const self = isSelf(scope, user);
  const base = userPagePath(scope, user);
  const crumb = crumbField(scope);
  // Token use is counted in memory and written every few seconds; the page shows it as of now.
  await scope.deps.apiTokens.flush();
  const tokens = await scope.deps.apiTokens.list(user.id);
  const notice = scope.method === 'GET' ? NOTICES[scope.url.searchParams.get('done') ?? ''] : undefined;
  const id = encodeURIComponent(user.id);
  return renderPage(scope, {
    title: user.fullName,
    trail: [['Dashboard', '/']],
    status: state.status ?? 200,
    reason: reasonOf(state),
    body: html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${state.created ? createdTokenPanel(user, state.created, scope.rootUrl) : ''}
<dl class="facts">
  <dt>User id</dt><dd>${user.id}</dd>
  <dt>Full name</dt><dd>${user.fullName}</dd>
  <dt>Groups</dt><dd>${user.groups.length > 0 ? user.groups.join(', ') : html`<span class="muted">none</span>`}</dd>
  <dt>Account created</dt><dd>${timeAgo(user.createdAt)}</dd>
</dl>
<section aria-labelledby="api-title">
<h2 id="api-title">API</h2>
<ul>
  <li><a href="/user/${id}/api/json?pretty=true">This user in the Jenkins API</a> (<code>/user/${user.id}/api/json</code>)</li>
  <li><a href="/steward/api/v1/users/${id}">This user in Steward's native API</a> and <a href="/steward/api/v1/users/${id}/tokens">their API tokens</a> (<a href="/steward/api/v1/openapi.json">API description</a>)</li>
  ${self ? html`<li><a href="/whoAmI/api/json?pretty=true">Who you are</a>, as a request sees it</li>` : ''}
</ul>
</section>
${apiTokensSection({ user, base, crumb, tokens, canCreate: self, now: Date.now(), form: state.tokenForm })}
${passwordSection({ user, base, crumb, self, form: state.passwordForm })}`,
  });
}
