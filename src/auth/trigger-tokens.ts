import { randomUUID } from 'node:crypto';
import { DomainError } from '../core/errors.js';
import type { TriggerToken } from '../core/trigger-token.js';
import type { Store } from '../store/types.js';
import { Networks, parseBlock } from './networks.js';
import { newSecretToken, looksLikeToken, tokenHash } from './secret-token.js';
import { UsageCounter } from './usage-counter.js';

export const TRIGGER_TOKEN_PREFIX = 'stwt_';
const MAX_NAME_LENGTH = 100;

export interface NewTrigger {
  readonly name: string;
  readonly itemIds: readonly number[];
  readonly createdBy: string;
  readonly expiresAt: number | null;
  readonly allowedNetworks: readonly string[];
  readonly canCancel: boolean;
}

/**
 * Trigger tokens: made by the server (`stwt_` + 190 random bits + checksum), shown once, kept as a
 * SHA-256 hash, checked on each use against revocation, expiry and the allowed networks. Which
 * jobs a token covers is the caller's to check (`covers`), as is who may make one.
 */
export class TriggerTokens {
  private readonly usage: UsageCounter;
  private readonly networks = new Map<string, Networks>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {
    this.usage = new UsageCounter((uses) => store.triggerTokens.recordUses(uses));
  }

  static isTokenLike(value: string): boolean {
    return looksLikeToken(TRIGGER_TOKEN_PREFIX, value);
  }

  async create(request: NewTrigger): Promise<{ token: TriggerToken; value: string }> {
    const name = request.name.trim();
    if (name === '' || name.length > MAX_NAME_LENGTH) {
      throw new DomainError('config_invalid', `A trigger token needs a name of 1 to ${MAX_NAME_LENGTH} characters.`, 'Name it for what uses it, e.g. "github-deploy".');
    }
    if (request.itemIds.length === 0) throw new DomainError('config_invalid', 'A trigger token needs at least one job or folder.', 'Name the jobs (or a folder, for everything below it) it may trigger.');
    if (request.expiresAt !== null && !(request.expiresAt > this.now())) {
      throw new DomainError('config_invalid', 'The expiration date must be in the future.', 'Give a later date, or none for a token that does not expire.');
    }
    const allowedNetworks = request.allowedNetworks.map((block) => parseBlock(block).text);
    const value = newSecretToken(TRIGGER_TOKEN_PREFIX);
    const token = await this.store.triggerTokens.create({
      uuid: randomUUID(),
      name,
      hash: tokenHash(value),
      itemIds: [...new Set(request.itemIds)],
      createdBy: request.createdBy,
      createdAt: this.now(),
      expiresAt: request.expiresAt,
      allowedNetworks,
      canCancel: request.canCancel,
    });
    return { token, value };
  }

  /**
   * The token a secret names, when it may be used now from `address`; null when no token has this
   * secret. Revoked and expired tokens are 401s that say so; a request from outside the token's
   * networks is a 403 naming the address.
   */
  async authenticate(value: string, address: string): Promise<TriggerToken | null> {
    const token = await this.store.triggerTokens.findByHash(tokenHash(value));
    if (!token) return null;
    const now = this.now();
    if (token.revokedAt !== null) {
      throw new DomainError('token_revoked', `The trigger token "${token.name}" was revoked on ${new Date(token.revokedAt).toISOString()}.`, `Ask ${token.createdBy} or an administrator for a new one.`);
    }
    if (token.expiresAt !== null && token.expiresAt <= now) {
      throw new DomainError('token_expired', `The trigger token "${token.name}" expired on ${new Date(token.expiresAt).toISOString()}.`, `Ask ${token.createdBy} or an administrator for a new one.`);
    }
    if (token.allowedNetworks.length > 0 && !this.networksOf(token).includes(address)) {
      throw new DomainError('token_network_denied', `The trigger token "${token.name}" may not be used from ${address}.`, `It is limited to ${token.allowedNetworks.join(', ')}; send the request from there, or ask ${token.createdBy} to allow this network.`);
    }
    this.usage.count(token.uuid, now, address);
    return token;
  }

  list(): Promise<TriggerToken[]> {
    return this.store.triggerTokens.list();
  }

  async get(uuid: string): Promise<TriggerToken> {
    const token = await this.store.triggerTokens.get(uuid);
    if (!token || token.revokedAt !== null) throw new DomainError('trigger_token_not_found', `There is no trigger token with the id ${uuid}.`, 'GET /steward/api/v1/trigger-tokens lists the ones you may manage.');
    return token;
  }

  async revoke(uuid: string): Promise<TriggerToken> {
    await this.get(uuid);
    return (await this.store.triggerTokens.revoke(uuid, this.now())) ?? this.get(uuid);
  }

  flush(): Promise<void> {
    return this.usage.flush();
  }

  close(): Promise<void> {
    return this.usage.close();
  }

  private networksOf(token: TriggerToken): Networks {
    let networks = this.networks.get(token.uuid);
    if (!networks) this.networks.set(token.uuid, (networks = new Networks(token.allowedNetworks)));
    return networks;
  }
}
