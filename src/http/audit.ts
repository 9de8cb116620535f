import type { Context } from 'hono';
import { credentialKind, principalName } from '../auth/principal.js';
import type { AuditEvent } from '../core/audit.js';
import type { AppEnv } from './context.js';

/** An audit event for this request, filled in from what the middleware learnt about it. */
export function auditEvent(c: Context<AppEnv>, fields: Pick<AuditEvent, 'action' | 'outcome'> & Partial<AuditEvent>): AuditEvent {
  const principal = c.var.principal;
  return {
    at: Date.now(),
    requestId: c.var.requestId,
    reason: null,
    actor: principal.kind === 'anonymous' && c.var.claimedUser ? c.var.claimedUser : principalName(principal),
    credential: credentialKind(principal),
    address: c.var.address,
    item: null,
    queueId: null,
    detail: principal.kind === 'user' && principal.credential.kind === 'api_token' ? { apiToken: principal.credential.name } : {},
    ...fields,
  };
}

const AUTHENTICATION_FAILURES = new Set(['credentials_invalid', 'token_expired', 'token_revoked', 'too_many_failures']);

export function isAuthenticationFailure(code: string): boolean {
  return AUTHENTICATION_FAILURES.has(code);
}
