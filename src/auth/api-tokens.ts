import { randomUUID } from 'node:crypto';
import { type ApiToken, apiTokenState, defaultTokenName } from '../core/api-token.js';
import { DomainError } from '../core/errors.js';
import type { Store } from '../store/types.js';
import { API_TOKEN_PREFIX, looksLikeToken, newSecretToken, tokenHash } from './secret-token.js';
import { UsageCounter } from './usage-counter.js';

const MAX_NAME_LENGTH = 100;

export interface CreatedApiToken {
  readonly token: ApiToken;
  /** The secret: returned once, here, and never again. */
  readonly value: string;
}

/**
 * Users' API tokens: made by the server, shown once, kept as a hash, and checked on every request
 * that sends one. A request with a revoked or expired token is told which, since its sender holds
 * the token anyway. Usage (count, last time and address) is counted in memory and written every few
 * seconds, so a token-authenticated request costs no write of its own.
 */
export class ApiTokens {
  private readonly usage: UsageCounter;

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {
    this.usage = new UsageCounter((uses) => store.apiTokens.recordUses(uses));
  }

  /** Whether a secret sent as a password has the shape of one of our API tokens. */
  static isTokenLike(secret: string): boolean {
    return looksLikeToken(API_TOKEN_PREFIX, secret);
  }

  /** A token is shown once, to its owner: only the user may create one for themselves, not even an administrator. */
  static requireOwner(actorId: string, userId: string): void {
    if (actorId.toLowerCase() !== userId.toLowerCase()) {
      throw new DomainError('token_owner_only', `Only ${userId} may create API tokens for ${userId}.`, `A token is shown once, to its owner: ${userId} creates it, signed in as ${userId}.`);
    }
  }

  async create(userId: string, name: string, expiresAt: number | null): Promise<CreatedApiToken> {
    const now = this.now();
    const trimmed = name.trim();
    if (trimmed.length > MAX_NAME_LENGTH) {
      throw new DomainError('config_invalid', `A token name may have at most ${MAX_NAME_LENGTH} characters.`, 'Choose a shorter name, e.g. what the token is for: "ci", "deploy-bot".');
    }
    if (expiresAt !== null && !(expiresAt > now)) {
      throw new DomainError('config_invalid', 'The expiration date must be in the future.', 'Give a later date, or none for a token that does not expire.');
    }
    const value = newSecretToken(API_TOKEN_PREFIX);
    const token = await this.store.apiTokens.create({
      uuid: randomUUID(),
      userId,
      name: trimmed === '' ? defaultTokenName(now) : trimmed,
      hash: tokenHash(value),
      createdAt: now,
      expiresAt,
    });
    return { token, value };
  }

  /**
   * The token `secret` names, when it belongs to `userId` and may be used now; a DomainError saying
   * why not otherwise; null when no token has this secret (the caller may then try it as a password).
   */
  async authenticate(userId: string, secret: string, address: string | null): Promise<ApiToken | null> {
    const token = await this.store.apiTokens.findByHash(tokenHash(secret));
    if (!token) return null;
    if (token.userId.toLowerCase() !== userId.toLowerCase()) {
      throw new DomainError('credentials_invalid', `Invalid password/token for user: ${userId}`, 'This API token belongs to another user: send it with that user\'s name (-u OWNER:TOKEN).');
    }
    const now = this.now();
    switch (apiTokenState(token, now)) {
      case 'revoked':
        throw new DomainError('token_revoked', `The API token "${token.name}" of ${token.userId} was revoked on ${new Date(token.revokedAt as number).toISOString()}.`, 'Create a new API token and use it instead.');
      case 'expired':
        throw new DomainError('token_expired', `The API token "${token.name}" of ${token.userId} expired on ${new Date(token.expiresAt as number).toISOString()}.`, 'Create a new API token (optionally with a later expiration) and use it instead.');
      case 'active':
        this.usage.count(token.uuid, now, address);
        return token;
    }
  }

  list(userId: string): Promise<ApiToken[]> {
    return this.store.apiTokens.listForUser(userId);
  }

  /** The user's live token with this uuid, or a refusal naming what is wrong. */
  async get(userId: string, uuid: string): Promise<ApiToken> {
    const token = await this.store.apiTokens.get(uuid);
    if (!token || token.userId.toLowerCase() !== userId.toLowerCase() || token.revokedAt !== null) {
      throw new DomainError('api_token_not_found', `${userId} has no API token with the id ${uuid}.`, `List the tokens with GET /steward/api/v1/users/${encodeURIComponent(userId)}/tokens.`);
    }
    return token;
  }

  async revoke(userId: string, uuid: string): Promise<ApiToken> {
    await this.get(userId, uuid);
    return (await this.store.apiTokens.revoke(uuid, this.now())) ?? this.get(userId, uuid);
  }

  async rename(userId: string, uuid: string, name: string): Promise<ApiToken> {
    await this.get(userId, uuid);
    if (name.trim() === '' || name.trim().length > MAX_NAME_LENGTH) {
      throw new DomainError('config_invalid', `A token name needs 1 to ${MAX_NAME_LENGTH} characters.`);
    }
    return (await this.store.apiTokens.rename(uuid, name.trim())) ?? this.get(userId, uuid);
  }

  /** Writes the usage counted since the last flush. */
  flush(): Promise<void> {
    return this.usage.flush();
  }

  close(): Promise<void> {
    return this.usage.close();
  }
}
