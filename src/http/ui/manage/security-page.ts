import { html } from 'hono/html';
import { type AccessPolicy, type AuthorizationStrategy, writeGrants } from '../../../core/access.js';
import { DomainError } from '../../../core/errors.js';
import { GRANTABLE_PERMISSIONS } from '../../../core/permissions.js';
import type { Scope } from '../../jenkins/scope.js';
import { checkbox, select } from '../fields.js';
import { crumbField, renderPage } from '../page.js';
import { field, formError, MANAGE_TRAIL, noticeOf, recordAudit, requireAdmin } from './admin.js';
import { grantGrid, type GridError, type GridModel, gridFrom, gridOf, grantsOf, sidNotes } from './grant-grid.js';

const STRATEGIES: ReadonlyArray<readonly [AuthorizationStrategy, string]> = [
  ['loggedInUsersCanDoAnything', 'Logged-in users can do anything'],
  ['matrix', 'Permission matrix: the grants below decide'],
];

interface SecurityForm {
  readonly strategy: string;
  readonly allowAnonymousRead: boolean;
  readonly crumbs: boolean;
  readonly grid: GridModel;
}

function formOf(policy: AccessPolicy): SecurityForm {
  return { strategy: policy.strategy, allowAnonymousRead: policy.allowAnonymousRead, crumbs: policy.crumbs, grid: gridOf(policy.grants.filter((grant) => grant.itemId === null)) };
}

/** `/manage/security`: the strategy, anonymous read, crumbs and the server-wide grants, as `PATCH /security` changes them. */
export async function securityPage(scope: Scope): Promise<Response> {
  requireAdmin(scope);
  return render(scope, formOf(scope.deps.policy.current), null);
}

/**
 * Saves the whole form in one policy update, as `PATCH /security` with every field. The domain
 * refuses a matrix in which no user or group holds Overall/Administer server-wide; it does not stop
 * an administrator from giving that role to someone else and so losing it themselves.
 */
export async function saveSecurity(scope: Scope): Promise<Response> {
  requireAdmin(scope);
  const input = await scope.readInput();
  const form: SecurityForm = { strategy: field(input, 'strategy'), allowAnonymousRead: field(input, 'allowAnonymousRead') === 'true', crumbs: field(input, 'crumbs') === 'true', grid: gridFrom(input) };
  const strategy = STRATEGIES.find(([value]) => value === form.strategy)?.[0];
  if (!strategy) return render(scope, form, { field: null, message: `"${form.strategy}" is not an authorization strategy.`, hint: 'Choose one of the two offered.', code: 'parameter_invalid' });
  const read = grantsOf(form.grid, null, 'Server-wide grants');
  if ('error' in read) return render(scope, form, read.error);
  try {
    await scope.deps.policy.update({ strategy, allowAnonymousRead: form.allowAnonymousRead, crumbs: form.crumbs, grants: [{ itemId: null, grants: read.grants }] });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return render(scope, form, { field: null, message: error.message, hint: error.hint ?? null, code: error.code });
  }
  const change = { authorization: strategy, allowAnonymousRead: form.allowAnonymousRead, crumbs: form.crumbs, grants: writeGrants(read.grants) };
  await recordAudit(scope, { action: 'security.update', outcome: 'accepted', detail: { change: JSON.stringify(change) } });
  return scope.redirect('manage/security?done=saved', 303);
}

async function render(scope: Scope, form: SecurityForm, error: GridError | null): Promise<Response> {
  const matrix = form.strategy === 'matrix';
  return renderPage(scope, {
    title: 'Security',
    trail: MANAGE_TRAIL,
    status: error ? 400 : 200,
    reason: error ? (error.code ?? 'grant_invalid') : undefined,
    body: html`${noticeOf(scope, { saved: 'The security settings are saved.' })}
${formError(error && error.field === null ? error.message : null, error?.hint)}
${error && error.field !== null ? formError('The grants were not saved: see the new row below.') : ''}
<form method="post" action="/manage/security" class="admin-form">
${crumbField(scope)}
<section aria-labelledby="strategy-title"><h2 id="strategy-title">Who may do what</h2>
${select({ name: 'strategy', label: 'Authorization', choices: STRATEGIES, value: form.strategy, hint: 'Under the matrix, a change that leaves nobody with Overall/Administer is refused.' })}
${checkbox({ name: 'allowAnonymousRead', label: 'Anonymous read access', checked: form.allowAnonymousRead, hint: 'With "logged-in users can do anything": callers without credentials may read (Overall/Read, Job/Read, …) but never build or configure.' })}
${checkbox({ name: 'crumbs', label: 'Require crumbs (CSRF protection)', checked: form.crumbs, hint: 'POSTs authenticated by a password or a browser session, and anonymous POSTs, must carry a crumb. API tokens never need one.' })}
</section>
<section aria-labelledby="matrix-title"><h2 id="matrix-title">Server-wide grants</h2>
${matrix ? html`<p class="hint">These hold everywhere. Grants on one folder or job are set on its own security page (<code>/job/NAME/security</code>). Overall/Administer implies every other permission.</p>` : html`<p class="notice">These grants take effect only under the permission matrix; choose it above to use them.</p>`}
${grantGrid({ model: form.grid, permissions: GRANTABLE_PERMISSIONS, caption: 'Server-wide permission grants', error, note: await sidNotes(scope) })}
</section>
<div class="actions"><button type="submit" class="primary">Save</button></div>
</form>`,
  });
}
