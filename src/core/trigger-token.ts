import type { Item, Job } from './item.js';

/**
 * A trigger token: a credential that can only trigger builds of the jobs in its scope, and read (and,
 * with `canCancel`, stop) the builds it triggered. Its scope is a list of items: a job, or a folder
 * standing for everything below it. It is made by the server, shown once, kept as a hash, and can
 * expire, be limited to source networks, and be revoked; several may exist for one job, so a token
 * can be replaced without downtime.
 */
export interface TriggerToken {
  readonly uuid: string;
  readonly name: string;
  /** Jobs, and folders standing for their whole subtree. */
  readonly itemIds: readonly number[];
  /** The user who made it. */
  readonly createdBy: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  /** CIDR blocks a request with the token must come from; empty for anywhere. */
  readonly allowedNetworks: readonly string[];
  /** Whether it may stop the builds it started. */
  readonly canCancel: boolean;
  readonly lastUsedAt: number | null;
  readonly lastUsedAddress: string | null;
  readonly useCount: number;
}

/** Whether a job is in the token's scope: named itself, or below a folder the token names. */
export function covers(token: TriggerToken, item: Item | Job): boolean {
  return token.itemIds.includes(item.id) || item.ancestorIds.some((id) => token.itemIds.includes(id));
}
