import { type AccessPolicy, AccessRules, DEFAULT_POLICY, type Grant } from '../core/access.js';
import { DomainError } from '../core/errors.js';
import { Permissions } from '../core/permissions.js';
import type { Store } from '../store/types.js';

/** A change to the policy: settings to set, and scopes whose grants are replaced (null: server-wide). */
export interface PolicyChange {
  readonly strategy?: AccessPolicy['strategy'];
  readonly allowAnonymousRead?: boolean;
  readonly crumbs?: boolean;
  readonly grants?: ReadonlyArray<{ readonly itemId: number | null; readonly grants: readonly Grant[] }>;
}

/**
 * The server's access policy: loaded from the store at start, held compiled in memory for the
 * checks every request makes, and saved through here so the two never differ.
 */
export class Policy {
  private compiled: AccessRules;

  private constructor(
    private readonly store: Store,
    policy: AccessPolicy,
  ) {
    this.compiled = new AccessRules(policy);
  }

  static async load(store: Store): Promise<Policy> {
    return new Policy(store, (await store.security.load()) ?? DEFAULT_POLICY);
  }

  get rules(): AccessRules {
    return this.compiled;
  }

  get current(): AccessPolicy {
    return this.compiled.policy;
  }

  async update(change: PolicyChange): Promise<AccessPolicy> {
    const current = this.current;
    const settings = {
      strategy: change.strategy ?? current.strategy,
      allowAnonymousRead: change.allowAnonymousRead ?? current.allowAnonymousRead,
      crumbs: change.crumbs ?? current.crumbs,
    };
    const scopes = (change.grants ?? []).map((scope) => scope.itemId);
    const grants = (change.grants ?? []).flatMap((scope) => scope.grants.map((grant) => ({ ...grant, itemId: scope.itemId })));
    const next = [...current.grants.filter((grant) => !scopes.includes(grant.itemId)), ...grants];
    if (settings.strategy === 'matrix' && !next.some((grant) => grant.itemId === null && grant.permission.id === Permissions.Administer.id && grant.sid !== 'anonymous')) {
      throw new DomainError(
        'grant_invalid',
        'This would leave nobody able to administer Steward: the matrix grants Overall/Administer to no user or group.',
        'Grant Overall/Administer server-wide to at least one user (e.g. "user:admin") in the same change.',
      );
    }
    const saved = await this.store.security.save(settings, grants, scopes);
    this.compiled = new AccessRules(saved);
    return saved;
  }
}
