import type { TriggerToken } from '../../core/trigger-token.js';
import { rowToTriggerToken, type TriggerTokenRow } from '../sql/rows.js';
import type { NewTriggerToken, TokenUse, TriggerTokenStore } from '../types.js';
import type { Sql } from './sql.js';
import { recordTokenUses } from './token-uses.js';
import type { PgWriteBatch } from './write-batch.js';

/** Trigger tokens by the hash of their secret; not cached, like API tokens. */
export class PgTriggerTokenStore implements TriggerTokenStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  create(token: NewTriggerToken): Promise<TriggerToken> {
    return this.batch.write(async (tx) => {
      const row = await tx.one<TriggerTokenRow>(
        `INSERT INTO trigger_tokens (uuid, name, hash, item_ids, created_by, created_at, expires_at, allowed_networks, can_cancel)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [token.uuid, token.name, token.hash, JSON.stringify(token.itemIds), token.createdBy, token.createdAt, token.expiresAt, JSON.stringify(token.allowedNetworks), token.canCancel ? 1 : 0],
      );
      return rowToTriggerToken(row as TriggerTokenRow);
    });
  }

  async findByHash(hash: string): Promise<TriggerToken | null> {
    const row = await this.db.one<TriggerTokenRow>('SELECT * FROM trigger_tokens WHERE hash = $1', [hash]);
    return row ? rowToTriggerToken(row) : null;
  }

  async get(uuid: string): Promise<TriggerToken | null> {
    const row = await this.db.one<TriggerTokenRow>('SELECT * FROM trigger_tokens WHERE uuid = $1', [uuid]);
    return row ? rowToTriggerToken(row) : null;
  }

  async list(): Promise<TriggerToken[]> {
    return (await this.db.rows<TriggerTokenRow>('SELECT * FROM trigger_tokens WHERE revoked_at IS NULL ORDER BY created_at, uuid')).map(rowToTriggerToken);
  }

  revoke(uuid: string, at: number): Promise<TriggerToken | null> {
    return this.batch.write(async (tx) => {
      const row = await tx.one<TriggerTokenRow>('UPDATE trigger_tokens SET revoked_at = $2 WHERE uuid = $1 AND revoked_at IS NULL RETURNING *', [uuid, at]);
      return row ? rowToTriggerToken(row) : null;
    });
  }

  recordUses(uses: readonly TokenUse[]): Promise<void> {
    if (uses.length === 0) return Promise.resolve();
    return this.batch.write((tx) => recordTokenUses(tx, 'trigger_tokens', uses));
  }
}
