import { ANONYMOUS_SID, AUTHENTICATED_SID, groupSid, type Sid, userSid } from '../core/access.js';
import type { CredentialKind } from '../core/audit.js';
import type { TriggerToken } from '../core/trigger-token.js';

/** How a request proved who it acts as. */
export type Credential =
  | { readonly kind: 'password' }
  | { readonly kind: 'api_token'; readonly uuid: string; readonly name: string }
  | { readonly kind: 'session'; readonly hash: string };

/**
 * Who a request acts as. Anonymous requests carry no credentials. A trigger token sent without a
 * user (as `Authorization: Bearer` or `X-Steward-Token`) acts as itself: it may trigger the jobs it
 * covers and read the builds it started, nothing else.
 */
export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'token'; readonly token: TriggerToken }
  | {
      readonly kind: 'user';
      readonly id: string;
      readonly fullName: string;
      readonly groups: readonly string[];
      readonly credential: Credential;
    };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function principalName(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return principal.id;
    case 'token':
      return `token:${principal.token.name}`;
    case 'anonymous':
      return 'anonymous';
  }
}

export function credentialKind(principal: Principal): CredentialKind {
  return principal.kind === 'user' ? principal.credential.kind : principal.kind === 'token' ? 'trigger_token' : 'none';
}

/** The authorities (groups) of a principal, as Jenkins reports them. */
export function authorities(principal: Principal): string[] {
  return principal.kind === 'user' ? [AUTHENTICATED_SID, ...principal.groups] : principal.kind === 'token' ? [] : [ANONYMOUS_SID];
}

/**
 * The sids whose grants apply to a principal. As in Jenkins, what is granted to `anonymous` holds for
 * everyone, logged in or not.
 */
export function sidsOf(principal: Principal): readonly Sid[] {
  if (principal.kind === 'anonymous') return ANONYMOUS_SIDS;
  if (principal.kind === 'token') return NO_SIDS;
  let sids = SIDS.get(principal);
  if (!sids) {
    sids = [userSid(principal.id), ...principal.groups.map(groupSid), AUTHENTICATED_SID, ANONYMOUS_SID];
    SIDS.set(principal, sids);
  }
  return sids;
}

const ANONYMOUS_SIDS: readonly Sid[] = [ANONYMOUS_SID];
const NO_SIDS: readonly Sid[] = [];
/** A request checks several permissions; its principal's sids are worked out once. */
const SIDS = new WeakMap<Principal, readonly Sid[]>();
