import type { AccessRules } from '../core/access.js';
import { DomainError } from '../core/errors.js';
import type { Item } from '../core/item.js';
import { type Permission, Permissions } from '../core/permissions.js';
import { covers, type TriggerToken } from '../core/trigger-token.js';
import { type Principal, sidsOf } from './principal.js';

/**
 * What a trigger token may do: pass the server's gate, walk folders, and see, build and (with
 * `canCancel`) stop the jobs it covers. Which builds it may read is decided where builds are served:
 * those it started.
 */
function tokenHas(token: TriggerToken, permission: Permission, item?: Item): boolean {
  if (permission === Permissions.OverallRead) return true;
  if (!item) return false;
  if (item.kind === 'folder') return permission === Permissions.ItemRead || permission === Permissions.ItemDiscover;
  if (!covers(token, item)) return false;
  return permission === Permissions.ItemRead || permission === Permissions.ItemDiscover || permission === Permissions.ItemBuild || (permission === Permissions.ItemCancel && token.canCancel);
}

/** What a caller may know of an item: read it, only know it exists (Job/Discover), or nothing. */
export type Visibility = 'read' | 'discover' | 'hidden';

/**
 * Decides what a principal may do, under the current access policy. Item checks include the grants
 * on the item's enclosing folders. Refusals name the permission, where it was needed and who can
 * grant it, in the words Jenkins uses ("alice is missing the Job/Build permission").
 */
export class Authorizer {
  constructor(private readonly policy: { readonly rules: AccessRules }) {}

  has(principal: Principal, permission: Permission, item?: Item): boolean {
    if (principal.kind === 'token') return tokenHas(principal.token, permission, item);
    return this.policy.rules.has(sidsOf(principal), permission, item ? [...item.ancestorIds, item.id] : []);
  }

  /** Throws the refusal Jenkins would give when the permission is missing. */
  check(principal: Principal, permission: Permission, item?: Item): void {
    if (!this.has(principal, permission, item)) throw this.refusal(principal, permission, item);
  }

  /** Overall/Read, which every URL but a few needs. */
  checkRead(principal: Principal): void {
    this.check(principal, Permissions.OverallRead);
  }

  visibility(principal: Principal, item: Item): Visibility {
    if (this.has(principal, Permissions.ItemRead, item)) return 'read';
    return this.has(principal, Permissions.ItemDiscover, item) ? 'discover' : 'hidden';
  }

  refusal(principal: Principal, permission: Permission, item?: Item): DomainError {
    const where = item ? ` on ${item.fullName}` : '';
    if (principal.kind === 'token') {
      return new DomainError(
        'token_scope',
        `The trigger token "${principal.token.name}" may only trigger the jobs it covers and read the builds it started${principal.token.canCancel ? ' (and stop them)' : ''}, which this request is not.`,
        'Use a user\'s API token for anything else (curl -u USER:API_TOKEN).',
        permission,
      );
    }
    if (principal.kind === 'anonymous') {
      const message =
        permission === Permissions.OverallRead
          ? 'Authentication required: anonymous requests may not read this server.'
          : `Authentication required: anonymous requests lack the ${permission.title} permission${where}.`;
      return new DomainError(
        'authentication_required',
        message,
        'Send credentials with HTTP Basic, e.g. curl -u USER:API_TOKEN (an API token needs no crumb; a password does).',
        permission,
      );
    }
    const scope = item ? `${item.fullName} (or a folder above it)` : 'the whole server';
    return new DomainError(
      'permission_missing',
      `${principal.id} is missing the ${permission.title} permission${where}.`,
      `Ask an administrator to grant ${permission.title} on ${scope} to user:${principal.id}${principal.groups.length > 0 ? ' or one of their groups' : ''}; GET /whoAmI/api/json shows who you are.`,
      permission,
    );
  }
}
