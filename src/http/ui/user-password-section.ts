import { html } from 'hono/html';
import { MIN_PASSWORD_LENGTH, type User } from '../../core/user.js';
import { textField } from './fields.js';
import type { Html } from './page.js';

/** The password form as submitted: the error of each field at fault (values are never sent back). */
export interface PasswordFormState {
  readonly errors: { readonly current?: string; readonly password?: string; readonly confirm?: string };
}

export interface PasswordView {
  readonly user: User;
  readonly base: string;
  readonly crumb: Html;
  /** The user changes their own password with the current one; an administrator sets another's without it (as the native API). */
  readonly self: boolean;
  readonly form?: PasswordFormState;
}

/** The "Password" section, and what a change does to sessions and tokens. */
export function passwordSection(view: PasswordView): Html {
  const errors = view.form?.errors ?? {};
  return html`<section aria-labelledby="password-title">
<h2 id="password-title">Password</h2>
${
  view.self
    ? html`<p>Changing your password signs you out of Steward in every other browser; this one stays signed in. Your API tokens keep working: revoke any you no longer trust.</p>`
    : html`<p>As an administrator you can set a new password for ${view.user.id} without the current one. Every browser session of ${view.user.id} then ends; their API tokens keep working.</p>`
}
<form method="post" action="${view.base}password" class="panel">
${view.crumb}
<input type="text" autocomplete="username" value="${view.user.id}" hidden>
${view.self ? textField({ name: 'currentPassword', id: 'current-password', label: 'Current password', type: 'password', autocomplete: 'current-password', required: true, error: errors.current ?? null }) : ''}
${textField({ name: 'password', id: 'new-password', label: 'New password', type: 'password', autocomplete: 'new-password', required: true, error: errors.password ?? null, hint: `At least ${MIN_PASSWORD_LENGTH} characters; a passphrase of a few words works well.` })}
${textField({ name: 'confirm', id: 'confirm-password', label: 'Confirm new password', type: 'password', autocomplete: 'new-password', required: true, error: errors.confirm ?? null })}
<div class="actions"><button type="submit" class="primary">${view.self ? 'Change password' : 'Set password'}</button></div>
</form>
</section>`;
}
