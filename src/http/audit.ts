import type { Context } from 'hono';
import { credentialKind, principalName } from '../auth/principal.js';
import type { AuditEvent } from '../core/audit.js';
import type { AppEnv } from './context.js';

/** An audit event for this request, filled in from what the middleware learnt about it. */
export function auditEvent(c: Context<AppEnv>, fields: Pick<AuditEvent, 'action' | 'outcome'> & Partial<AuditEvent>): AuditEvent {
  const principal = c.get('principal');
  const claimed = c.get('claimedUser');
  return {
    at: Date.now(),
    requestId: c.get('requestId'),
    reason: null,
    actor: principal.kind === 'anonymous' && claimed ? claimed : principalName(principal),
    credential: credentialKind(principal),
    address: c.get('address'),
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
