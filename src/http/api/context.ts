import type { Context } from 'hono';
import type { UserPrincipal } from '../../auth/principal.js';
import type { AuditEvent } from '../../core/audit.js';
import { DomainError } from '../../core/errors.js';
import { Permissions } from '../../core/permissions.js';
import { auditEvent } from '../audit.js';
import type { AppEnv } from '../context.js';
import type { SecurityDeps } from '../jenkins/deps.js';

/** The checks the native API's handlers share. */
export class NativeScope {
  constructor(
    readonly c: Context<AppEnv>,
    readonly deps: SecurityDeps,
  ) {}

  /** The calling user; anonymous callers are refused as for Overall/Read. */
  user(): UserPrincipal {
    const principal = this.c.get('principal');
    if (principal.kind !== 'user') throw this.deps.authorizer.refusal(principal, Permissions.OverallRead);
    return principal;
  }

  isAdmin(): boolean {
    return this.deps.authorizer.has(this.c.get('principal'), Permissions.Administer);
  }

  requireAdmin(): UserPrincipal {
    const user = this.user();
    this.deps.authorizer.check(user, Permissions.Administer);
    return user;
  }

  isSelf(userId: string): boolean {
    const principal = this.c.get('principal');
    return principal.kind === 'user' && principal.id.toLowerCase() === userId.toLowerCase();
  }

  /** The caller is the user named, or an administrator. */
  requireSelfOrAdmin(userId: string): UserPrincipal {
    const user = this.user();
    if (!this.isSelf(userId)) this.deps.authorizer.check(user, Permissions.Administer);
    return user;
  }

  audit(fields: Pick<AuditEvent, 'action' | 'outcome'> & Partial<AuditEvent>): Promise<void> {
    return this.deps.audit.recordNow(auditEvent(this.c, fields));
  }
}

/** An optional `expiresAt` date-time from a request body, as epoch ms (null: never expires). */
export function expiryOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new DomainError('config_invalid', `"${text}" is not a date.`, 'Give expiresAt as an ISO date-time, e.g. 2027-01-31T00:00:00Z.');
  return at;
}

export function iso(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}
