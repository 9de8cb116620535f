import { ANONYMOUS_SID, AUTHENTICATED_SID, groupSid, type Sid, userSid } from '../core/access.js';
import type { CredentialKind } from '../core/audit.js';

/** How a request proved who it acts as. */
export type Credential =
  | { readonly kind: 'password' }
  | { readonly kind: 'api_token'; readonly uuid: string; readonly name: string }
  | { readonly kind: 'session'; readonly hash: string };

/** Who a request acts as. Anonymous requests carry no credentials. */
export type Principal =
  | { readonly kind: 'anonymous' }
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
  return principal.kind === 'user' ? principal.id : 'anonymous';
}

export function credentialKind(principal: Principal): CredentialKind {
  return principal.kind === 'user' ? principal.credential.kind : 'none';
}

/** The authorities (groups) of a principal, as Jenkins reports them. */
export function authorities(principal: Principal): string[] {
  return principal.kind === 'user' ? [AUTHENTICATED_SID, ...principal.groups] : [ANONYMOUS_SID];
}

/**
 * The sids whose grants apply to a principal. As in Jenkins, what is granted to `anonymous` holds for
 * everyone, logged in or not.
 */
export function sidsOf(principal: Principal): readonly Sid[] {
  if (principal.kind === 'anonymous') return ANONYMOUS_SIDS;
  let sids = SIDS.get(principal);
  if (!sids) {
    sids = [userSid(principal.id), ...principal.groups.map(groupSid), AUTHENTICATED_SID, ANONYMOUS_SID];
    SIDS.set(principal, sids);
  }
  return sids;
}

const ANONYMOUS_SIDS: readonly Sid[] = [ANONYMOUS_SID];
/** A request checks several permissions; its principal's sids are worked out once. */
const SIDS = new WeakMap<Principal, readonly Sid[]>();
