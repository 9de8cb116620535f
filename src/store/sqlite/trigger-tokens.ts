import type { Database, Statement } from 'better-sqlite3';
import type { TriggerToken } from '../../core/trigger-token.js';
import { rowToTriggerToken as rowToToken, type TriggerTokenRow } from '../sql/rows.js';
import type { NewTriggerToken, TokenUse, TriggerTokenStore } from '../types.js';
import { TokenTable } from './token-table.js';
import type { WriteBatch } from './write-batch.js';

/** Trigger tokens by the hash of their secret (see TokenTable for the cache and the usage statistics). */
export class SqliteTriggerTokenStore implements TriggerTokenStore {
  private readonly tokens: TokenTable<TriggerTokenRow, TriggerToken>;
  private readonly byUuid: Statement<[string], TriggerTokenRow>;
  private readonly live: Statement<[], TriggerTokenRow>;
  private readonly insert: Statement;
  private readonly revokeRow: Statement<[number, string]>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.tokens = new TokenTable(db, 'trigger_tokens', db.prepare('SELECT * FROM trigger_tokens WHERE hash = ?'), rowToToken);
    this.byUuid = db.prepare('SELECT * FROM trigger_tokens WHERE uuid = ?');
    this.live = db.prepare('SELECT * FROM trigger_tokens WHERE revoked_at IS NULL ORDER BY created_at, uuid');
    this.insert = db.prepare(
      `INSERT INTO trigger_tokens (uuid, name, hash, item_ids, created_by, created_at, expires_at, allowed_networks, can_cancel)
       VALUES (@uuid, @name, @hash, @itemIds, @createdBy, @createdAt, @expiresAt, @allowedNetworks, @canCancel)`,
    );
    this.revokeRow = db.prepare('UPDATE trigger_tokens SET revoked_at = ? WHERE uuid = ? AND revoked_at IS NULL');
  }

  create(token: NewTriggerToken): Promise<TriggerToken> {
    return this.batch.write(() => {
      this.insert.run({
        ...token,
        itemIds: JSON.stringify(token.itemIds),
        allowedNetworks: JSON.stringify(token.allowedNetworks),
        canCancel: token.canCancel ? 1 : 0,
      });
      return rowToToken(this.byUuid.get(token.uuid) as TriggerTokenRow);
    });
  }

  async findByHash(hash: string): Promise<TriggerToken | null> {
    return this.tokens.findByHash(hash);
  }

  async get(uuid: string): Promise<TriggerToken | null> {
    const row = this.byUuid.get(uuid);
    return row ? rowToToken(row) : null;
  }

  async list(): Promise<TriggerToken[]> {
    return this.live.all().map(rowToToken);
  }

  revoke(uuid: string, at: number): Promise<TriggerToken | null> {
    return this.batch.write(() => {
      const row = this.byUuid.get(uuid);
      if (!row || this.revokeRow.run(at, uuid).changes !== 1) return null;
      this.tokens.forget(row.hash);
      return rowToToken(this.byUuid.get(uuid) as TriggerTokenRow);
    });
  }

  recordUses(uses: readonly TokenUse[]): Promise<void> {
    if (uses.length === 0) return Promise.resolve();
    return this.batch.write(() => this.tokens.recordUses(uses));
  }
}
