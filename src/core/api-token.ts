/**
 * A user's API token: a named secret that authenticates HTTP Basic requests as the user (in place of
 * the password) and needs no CSRF crumb. The secret itself is shown once, when it is made; the server
 * keeps only its hash. Revoked tokens are kept, so that a request with one can be told why it fails.
 */
export interface ApiToken {
  readonly uuid: string;
  readonly userId: string;
  readonly name: string;
  readonly createdAt: number;
  /** Null: never expires. */
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
  readonly lastUsedAddress: string | null;
  readonly useCount: number;
}

export type ApiTokenState = 'active' | 'expired' | 'revoked';

export function apiTokenState(token: ApiToken, now: number): ApiTokenState {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt <= now) return 'expired';
  return 'active';
}

/** Jenkins' name for a token created without one. */
export function defaultTokenName(now: number): string {
  return `Token created on ${new Date(now).toISOString()}`;
}
