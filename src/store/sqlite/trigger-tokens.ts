import type { Database, Statement } from 'better-sqlite3';
import type { TriggerToken } from '../../core/trigger-token.js';
import type { NewTriggerToken, TokenUse, TriggerTokenStore } from '../types.js';
import { TokenTable } from './token-table.js';
import type { WriteBatch } from './write-batch.js';

interface TriggerTokenRow {
  uuid: string;
  name: string;
  hash: string;
  item_ids: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  allowed_networks: string;
  can_cancel: number;
  last_used_at: number | null;
  last_used_address: string | null;
  use_count: number;
}

function rowToToken(row: TriggerTokenRow): TriggerToken {
  return {
    uuid: row.uuid,
    name: row.name,
    itemIds: JSON.parse(row.item_ids) as number[],
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    allowedNetworks: JSON.parse(row.allowed_networks) as string[],
    canCancel: row.can_cancel === 1,
    lastUsedAt: row.last_used_at,
    lastUsedAddress: row.last_used_address,
    useCount: row.use_count,
  };
}

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
