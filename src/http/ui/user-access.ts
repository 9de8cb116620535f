import { Permissions } from '../../core/permissions.js';
import type { User } from '../../core/user.js';
import type { Scope } from '../jenkins/scope.js';

/** Whether the request acts as this user: ids match ignoring case, as everywhere in Steward. */
export function isSelf(scope: Scope, user: User): boolean {
  return scope.principal.kind === 'user' && scope.principal.id.toLowerCase() === user.id.toLowerCase();
}

/**
 * The native API's rule for a user's page, tokens and password (`requireSelfOrAdmin`): the user, or
 * someone with Overall/Administer; anyone else is refused for that permission.
 */
export function requireSelfOrAdmin(scope: Scope, user: User): void {
  if (!isSelf(scope, user)) scope.check(Permissions.Administer);
}

/**
 * The path of the user's page as this request reached it (`/me/` or `/user/ID/`), ending in `/`:
 * forms post below it and redirects return to it, so the address bar keeps what the person used.
 */
export function userPagePath(scope: Scope, user: User): string {
  return /^\/me(\/|$)/.test(scope.url.pathname) ? '/me/' : `/user/${encodeURIComponent(user.id)}/`;
}
