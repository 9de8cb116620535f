import { DomainError } from '../core/errors.js';
import type { Item } from '../core/item.js';
import { type Permission, Permissions } from '../core/permissions.js';
import type { Principal } from './principal.js';

/**
 * Decides what a principal may do. This is Jenkins' "logged-in users can do anything" strategy
 * without anonymous read: every authenticated user holds every permission, anonymous holds none.
 * Finer strategies (matrix, per-folder grants) replace `has` without changing its callers.
 */
export class Authorizer {
  has(principal: Principal, _permission: Permission, _item?: Item): boolean {
    return principal.kind === 'user';
  }

  /** Throws the refusal Jenkins would give when the permission is missing. */
  check(principal: Principal, permission: Permission, item?: Item): void {
    if (this.has(principal, permission, item)) return;
    if (principal.kind === 'anonymous') {
      throw new DomainError(
        'authentication_required',
        'Authentication required: anonymous requests may not read this server.',
        'Send credentials with HTTP Basic, e.g. curl -u USER:PASSWORD (or an API token instead of the password).',
        permission,
      );
    }
    throw new DomainError('permission_missing', `${principal.id} is missing the ${permission.title} permission.`, 'Ask an administrator to grant it.', permission);
  }

  /** Overall/Read, which every URL but a few needs. */
  checkRead(principal: Principal): void {
    this.check(principal, Permissions.OverallRead);
  }
}
