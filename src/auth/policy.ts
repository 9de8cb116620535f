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
 * checks every request makes, and saved through here so the two never differ. A change saved by
 * another server of the database arrives as the `policy` signal, and is read again then.
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
    const policy = new Policy(store, (await store.security.load()) ?? DEFAULT_POLICY);
    store.signals.on('policy', () => void policy.reload());
    return policy;
  }

  /** Reads the policy again (another server changed it). A failed read keeps the one held until the next signal. */
  private async reload(): Promise<void> {
    try {
      this.compiled = new AccessRules((await this.store.security.load()) ?? DEFAULT_POLICY);
    } catch {
      // The database is out of reach; the signals are sent again once it is back.
    }
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
    if (settings.strategy === 'matrix') {
      const administrators = next.filter((grant) => grant.itemId === null && grant.permission.id === Permissions.Administer.id).map((grant) => grant.sid);
      if (!(await this.anyUserIn(administrators))) {
        throw new DomainError(
          'grant_invalid',
          'This would leave nobody able to administer Steward: no existing user holds Overall/Administer server-wide, by name or through a group.',
          'Grant Overall/Administer server-wide to an existing user (e.g. "user:admin") or a group one belongs to, in the same change.',
        );
      }
    }
    const saved = await this.store.security.save(settings, grants, scopes);
    this.compiled = new AccessRules(saved);
    this.store.signals.notify('policy');
    return saved;
  }

  /** Whether some existing user is one of these sids (`authenticated`, `user:ID`, `group:NAME`); grants to unknown names lock nobody in. */
  private async anyUserIn(sids: readonly string[]): Promise<boolean> {
    for (const sid of sids) {
      if (sid.startsWith('user:') && (await this.store.users.get(sid.slice(5)))) return true;
    }
    const groups = sids.filter((sid) => sid.startsWith('group:')).map((sid) => sid.slice(6));
    if (!sids.includes('authenticated') && groups.length === 0) return false;
    const users = await this.store.users.list();
    return sids.includes('authenticated') ? users.length > 0 : users.some((user) => user.groups.some((group) => groups.includes(group)));
  }
}
