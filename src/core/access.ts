import { DomainError } from './errors.js';
import { findPermission, GRANTABLE_PERMISSIONS, implies, isServerWide, type Permission, Permissions } from './permissions.js';

/**
 * Who may do what. A policy names a strategy: "logged-in users can do anything" (Jenkins'
 * `loggedInUsersCanDoAnything`, optionally with read access for anonymous) or a permission matrix of
 * grants to principals, server-wide or on a folder or job, where a grant on a folder holds for
 * everything below it. Principals are named by sids, as in Jenkins: `anonymous`, `authenticated`
 * (every logged-in user), `user:ID` and `group:NAME`.
 */
export type AuthorizationStrategy = 'loggedInUsersCanDoAnything' | 'matrix';

export const ANONYMOUS_SID = 'anonymous';
export const AUTHENTICATED_SID = 'authenticated';

/** `anonymous`, `authenticated`, `user:ID` or `group:NAME`, lower-cased (ids are matched ignoring case). */
export type Sid = string;

export function userSid(id: string): Sid {
  return `user:${id.toLowerCase()}`;
}

export function groupSid(name: string): Sid {
  return `group:${name.toLowerCase()}`;
}

const SID = /^(anonymous|authenticated|(user|group):[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63})$/i;

/** Reads a sid as people write it; null when it is not one. */
export function parseSid(text: string): Sid | null {
  const trimmed = text.trim();
  return SID.test(trimmed) ? trimmed.toLowerCase() : null;
}

export interface Grant {
  readonly sid: Sid;
  readonly permission: Permission;
  /** The folder or job the grant holds on (and below); null for the whole server. */
  readonly itemId: number | null;
}

export interface AccessPolicy {
  readonly strategy: AuthorizationStrategy;
  /** Under `loggedInUsersCanDoAnything`: anonymous may read (Overall/Read, Job/Read, …) but not act. */
  readonly allowAnonymousRead: boolean;
  /** Whether POSTs authenticated by a password or a session need a CSRF crumb. */
  readonly crumbs: boolean;
  /** The matrix; consulted only under the `matrix` strategy. */
  readonly grants: readonly Grant[];
}

/** Secure by default: only logged-in users, anonymous may read nothing, crumbs required. */
export const DEFAULT_POLICY: AccessPolicy = { strategy: 'loggedInUsersCanDoAnything', allowAnonymousRead: false, crumbs: true, grants: [] };

const GENERIC_READ = Permissions.ItemRead.impliedBy as Permission;

/**
 * A policy compiled for checking: for each scope (null for the server, else an item id) and sid, the
 * permissions granted. Checks walk the item's enclosing folders, so a folder grant is inherited.
 */
export class AccessRules {
  private readonly grants = new Map<number | null, Map<Sid, Permission[]>>();

  constructor(readonly policy: AccessPolicy) {
    for (const grant of policy.grants) {
      let scope = this.grants.get(grant.itemId);
      if (!scope) this.grants.set(grant.itemId, (scope = new Map()));
      scope.set(grant.sid, [...(scope.get(grant.sid) ?? []), grant.permission]);
    }
  }

  /**
   * Whether a principal holding `sids` has `permission`; `scope` lists the ids of the item the check
   * is about and of its enclosing folders (empty for a server-wide check).
   */
  has(sids: readonly Sid[], permission: Permission, scope: readonly number[]): boolean {
    if (this.policy.strategy === 'loggedInUsersCanDoAnything') {
      if (sids.includes(AUTHENTICATED_SID)) return true;
      return this.policy.allowAnonymousRead && implies(GENERIC_READ, permission);
    }
    if (this.heldIn(null, sids, permission)) return true;
    if (isServerWide(permission)) return false;
    return scope.some((itemId) => this.heldIn(itemId, sids, permission));
  }

  private heldIn(itemId: number | null, sids: readonly Sid[], permission: Permission): boolean {
    const scope = this.grants.get(itemId);
    if (!scope) return false;
    for (const sid of sids) {
      for (const held of scope.get(sid) ?? []) if (implies(held, permission)) return true;
    }
    return false;
  }
}

/** Reads grants written as `{sid: [permission names]}`, refusing unknown names and misplaced permissions. */
export function readGrants(written: Readonly<Record<string, readonly string[]>>, itemId: number | null, where: string): Grant[] {
  const grants: Grant[] = [];
  for (const [rawSid, names] of Object.entries(written)) {
    const sid = parseSid(rawSid);
    if (!sid) {
      throw new DomainError('grant_invalid', `${where}: "${rawSid}" is not a principal.`, 'Write anonymous, authenticated, user:ID or group:NAME.');
    }
    for (const name of names) {
      const permission = findPermission(name);
      if (!permission || !permission.grantable) {
        throw new DomainError('grant_invalid', `${where}: "${name}" is not a permission.`, `Use one of: ${GRANTABLE_PERMISSIONS.map((one) => one.title).join(', ')}.`);
      }
      if (itemId !== null && isServerWide(permission)) {
        throw new DomainError('grant_invalid', `${where}: ${permission.title} holds for the whole server and cannot be granted on a folder or job.`, 'Grant it in the server-wide grants instead.');
      }
      if (!grants.some((grant) => grant.sid === sid && grant.permission.id === permission.id)) grants.push({ sid, permission, itemId });
    }
  }
  return grants;
}

/** Grants of one scope as `{sid: [permission titles]}`, the form people read and write. */
export function writeGrants(grants: readonly Grant[]): Record<string, string[]> {
  const written: Record<string, string[]> = {};
  for (const grant of grants) (written[grant.sid] ??= []).push(grant.permission.title);
  return written;
}
