import { html } from 'hono/html';
import type { Scope } from '../jenkins/scope.js';
import type { Html } from './page.js';

/** Where the password section of a user's own page is (user-password-section.ts). */
export const CHANGE_PASSWORD_PATH = '/me/#password-title';

/**
 * On every page, to a user signed in with the password Steward generated on first start: a
 * suggestion to change it, with the way there. It stays until the password is changed, since a
 * password kept in a file on the server is weaker than one only its owner knows.
 */
export function initialPasswordNotice(scope: Scope): Html {
  const principal = scope.principal;
  if (principal.kind !== 'user' || !scope.deps.initialPassword.heldBy(principal.id)) return html``;
  return html`<div class="notice warning" id="initial-password-notice"><p>You signed in with the password Steward generated when it first started, which is kept in a file on the server. <a href="${CHANGE_PASSWORD_PATH}">Change your password</a>; Steward then removes that file.</p></div>`;
}
