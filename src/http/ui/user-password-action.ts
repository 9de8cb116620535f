import { isDomainError } from '../../core/errors.js';
import type { User } from '../../core/user.js';
import { single } from '../body.js';
import type { Scope } from '../jenkins/scope.js';
import { setSessionCookie } from '../session-cookie.js';
import { isSelf, requireSelfOrAdmin, userPagePath } from './user-access.js';
import type { PasswordFormState } from './user-password-section.js';
import { renderUserPage } from './user-view.js';

/**
 * `POST …/password` (`currentPassword`, `password`, `confirm`), with the native API's rules: the user
 * changes their own with the current one, an administrator sets another's without it, the accounts
 * service judges the new one, and every session of the user ends. The browser that made the change
 * gets a new session, so that it stays signed in while every other one is signed out. 303 back to the
 * page; a fault re-renders the form (400) with the error beside its field.
 */
export async function changePassword(scope: Scope, user: User): Promise<Response> {
  requireSelfOrAdmin(scope, user);
  const self = isSelf(scope, user);
  const input = await scope.readInput();
  const password = single(input, 'password') ?? '';
  const errors: { current?: string; password?: string; confirm?: string } = {};
  try {
    if (self) await scope.deps.authenticator.requireCurrentPassword(user.id, single(input, 'currentPassword') ?? '', scope.address);
  } catch (error) {
    if (!isDomainError(error, 'password_wrong')) throw error;
    errors.current = error.message;
    await scope.deps.audit.recordNow(scope.audit({ action: 'user.password', outcome: 'refused', reason: 'password_wrong', detail: { user: user.id } }));
  }
  if (password !== (single(input, 'confirm') ?? '')) errors.confirm = 'This is not the same as the new password.';
  if (errors.current === undefined && errors.confirm === undefined) {
    try {
      await scope.deps.accounts.setPassword(user.id, password);
    } catch (error) {
      if (!isDomainError(error, 'password_rejected')) throw error;
      errors.password = error.message;
    }
  }
  if (Object.keys(errors).length > 0) return renderUserPage(scope, user, { status: 400, passwordForm: { errors } satisfies PasswordFormState });
  await scope.deps.sessions.endAllOf(user.id);
  await scope.deps.audit.recordNow(scope.audit({ action: 'user.password', outcome: 'accepted', detail: { user: user.id } }));
  const answer = scope.redirect(`${userPagePath(scope, user).slice(1)}?done=${self ? 'password-changed' : 'password-set'}`, 303);
  if (self && scope.principal.kind === 'user' && scope.principal.credential.kind === 'session') {
    const { cookieValue } = await scope.deps.sessions.create(user.id, scope.address);
    setSessionCookie(scope.c, scope.deps.sessions.cookieName, cookieValue, scope.deps.publicUrl);
    for (const cookie of scope.c.res.headers.getSetCookie()) answer.headers.append('Set-Cookie', cookie);
  }
  return answer;
}
