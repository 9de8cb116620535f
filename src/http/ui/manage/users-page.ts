import { html } from 'hono/html';
import { DomainError } from '../../../core/errors.js';
import type { User } from '../../../core/user.js';
import type { Scope } from '../../jenkins/scope.js';
import { textField } from '../fields.js';
import { scrollBox, timeAgo } from '../format.js';
import { crumbField, type Html, renderPage } from '../page.js';
import { field, formError, listOf, MANAGE_TRAIL, nativeScope, noticeOf, recordAudit, requireAdmin } from './admin.js';

interface NewUserForm {
  readonly id: string;
  readonly fullName: string;
  readonly groups: string;
}

type FieldName = 'id' | 'password' | 'groups';
interface FormProblem {
  readonly field: FieldName | null;
  readonly message: string;
  /** The refusal's reason code, sent as `X-Steward-Reason`. */
  readonly code: string;
}

const EMPTY: NewUserForm = { id: '', fullName: '', groups: '' };

/** `/manage/users`: every user with their groups and token count, a form to add one, and Delete. */
export async function usersPage(scope: Scope): Promise<Response> {
  requireAdmin(scope);
  return render(scope, EMPTY, null);
}

/** Creates a user as `POST /users` does; the domain's refusals are shown beside the field at fault. */
export async function createUser(scope: Scope): Promise<Response> {
  requireAdmin(scope);
  const input = await scope.readInput();
  const form: NewUserForm = { id: field(input, 'id'), fullName: field(input, 'fullName'), groups: field(input, 'groups') };
  try {
    const user = await scope.deps.accounts.create({ id: form.id, fullName: form.fullName, password: input.parameters.get('password')?.[0] ?? '', groups: listOf(form.groups) });
    await recordAudit(scope, { action: 'user.create', outcome: 'accepted', detail: { user: user.id, groups: user.groups.join(',') } });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return render(scope, form, { field: fieldOf(error), message: error.hint ? `${error.message} ${error.hint}` : error.message, code: error.code }, 400);
  }
  return scope.redirect('manage/users?done=created', 303);
}

/** Deletes a user as `DELETE /users/{id}` does: administrators only, never themselves. */
export async function deleteUser(scope: Scope): Promise<Response> {
  const native = nativeScope(scope);
  native.requireAdmin();
  const id = field(await scope.readInput(), 'id');
  try {
    if (native.isSelf(id)) throw new DomainError('user_delete_self', 'You cannot delete your own account.', 'Ask another administrator to delete it.');
    const user = await scope.deps.accounts.require(id);
    await scope.deps.accounts.delete(user.id);
    await recordAudit(scope, { action: 'user.delete', outcome: 'accepted', detail: { user: user.id } });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return render(scope, EMPTY, { field: null, message: error.hint ? `${error.message} ${error.hint}` : error.message, code: error.code }, error.code === 'user_delete_self' ? 409 : 404);
  }
  return scope.redirect('manage/users?done=deleted', 303);
}

/** Which field of the form a refusal of `Accounts.create` concerns. */
function fieldOf(error: DomainError): FieldName | null {
  if (error.code === 'password_rejected') return 'password';
  if (error.code === 'user_exists') return 'id';
  if (error.code === 'config_invalid') return /group/i.test(error.message) ? 'groups' : 'id';
  return null;
}

async function userRow(scope: Scope, user: User, self: boolean): Promise<Html> {
  const tokens = (await scope.deps.apiTokens.list(user.id)).length;
  return html`<tr>
<td><a href="/user/${encodeURIComponent(user.id)}/">${user.id}</a></td>
<td class="optional">${user.fullName}</td>
<td>${user.groups.length > 0 ? user.groups.join(', ') : html`<span class="muted">none</span>`}</td>
<td class="optional">${timeAgo(user.createdAt)}</td>
<td>${tokens}</td>
<td>${
    self
      ? html`<span class="muted">you</span>`
      : html`<form method="post" action="/manage/users/delete" class="inline">${crumbField(scope)}<input type="hidden" name="id" value="${user.id}"><button type="submit" class="danger">Delete<span class="visually-hidden"> ${user.id}</span></button></form>`
  }</td>
</tr>`;
}

async function render(scope: Scope, form: NewUserForm, problem: FormProblem | null, status: 200 | 400 | 404 | 409 = 200): Promise<Response> {
  const native = nativeScope(scope);
  const users = await scope.deps.accounts.list();
  const errorOn = (name: FieldName) => (problem?.field === name ? problem.message : null);
  return renderPage(scope, {
    title: 'Users',
    trail: MANAGE_TRAIL,
    status,
    reason: problem?.code,
    body: html`${noticeOf(scope, { created: 'The user is created.', deleted: 'The user is deleted, with their API tokens and sessions.' })}
${formError(problem && problem.field === null ? problem.message : null)}
<section aria-labelledby="users-title"><h2 id="users-title">All users</h2>
${scrollBox('table-scroll', 'Table of users', html`<table class="users admin-table">
<thead><tr><th scope="col">Id</th><th scope="col" class="optional">Name</th><th scope="col">Groups</th><th scope="col" class="optional">Created</th><th scope="col">API tokens</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${users.map((user) => userRow(scope, user, native.isSelf(user.id)))}</tbody>
</table>`)}
</section>
<section aria-labelledby="add-title"><h2 id="add-title">Add a user</h2>
<form method="post" action="/manage/users" class="panel">
${crumbField(scope)}
${textField({ name: 'id', label: 'User id', value: form.id, required: true, autocomplete: 'off', hint: 'Letters, digits, "_", ".", "@" or "-"; ids are matched ignoring case.', error: errorOn('id') })}
${textField({ name: 'fullName', label: 'Full name', value: form.fullName, autocomplete: 'off', hint: 'Optional; the id is shown when empty.' })}
${textField({ name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 8 characters. Tell it to the user; they can change it on their own page.', error: errorOn('password') })}
${textField({ name: 'groups', label: 'Groups', value: form.groups, autocomplete: 'off', hint: 'Optional, separated by commas; grants to group:NAME hold for their members.', error: errorOn('groups') })}
<div class="actions"><button type="submit" class="primary">Add user</button></div>
</form>
</section>`,
  });
}
