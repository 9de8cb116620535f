import type { Database, Statement } from 'better-sqlite3';
import type { ApiToken } from '../../core/api-token.js';
import { API_TOKEN_SELECT as SELECT, type ApiTokenRow as TokenRow, rowToApiToken as rowToToken } from '../sql/rows.js';
import type { ApiTokenStore, TokenUse, NewApiToken } from '../types.js';
import { TokenTable } from './token-table.js';
import type { WriteBatch } from './write-batch.js';

/** API tokens by the hash of their secret (see TokenTable for the cache and the usage statistics). */
export class SqliteApiTokenStore implements ApiTokenStore {
  private readonly tokens: TokenTable<TokenRow, ApiToken>;
  private readonly byUuid: Statement<[string], TokenRow>;
  private readonly ofUser: Statement<[string], TokenRow>;
  private readonly insert: Statement;
  private readonly revokeRow: Statement<[number, string]>;
  private readonly renameRow: Statement<[string, string]>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.tokens = new TokenTable(db, 'api_tokens', db.prepare(`${SELECT} WHERE t.hash = ?`), rowToToken);
    this.byUuid = db.prepare(`${SELECT} WHERE t.uuid = ?`);
    this.ofUser = db.prepare(`${SELECT} WHERE t.user_key = ? AND t.revoked_at IS NULL ORDER BY t.created_at, t.uuid`);
    this.insert = db.prepare(
      `INSERT INTO api_tokens (uuid, user_key, name, hash, created_at, expires_at)
       VALUES (@uuid, @userKey, @name, @hash, @createdAt, @expiresAt)`,
    );
    this.revokeRow = db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE uuid = ? AND revoked_at IS NULL');
    this.renameRow = db.prepare('UPDATE api_tokens SET name = ? WHERE uuid = ?');
  }

  create(token: NewApiToken): Promise<ApiToken> {
    return this.batch.write(() => {
      this.insert.run({ ...token, userKey: token.userId.toLowerCase() });
      return rowToToken(this.byUuid.get(token.uuid) as TokenRow);
    });
  }

  async findByHash(hash: string): Promise<ApiToken | null> {
    return this.tokens.findByHash(hash);
  }

  async get(uuid: string): Promise<ApiToken | null> {
    const row = this.byUuid.get(uuid);
    return row ? rowToToken(row) : null;
  }

  async listForUser(userId: string): Promise<ApiToken[]> {
    return this.ofUser.all(userId.toLowerCase()).map(rowToToken);
  }

  revoke(uuid: string, at: number): Promise<ApiToken | null> {
    return this.change(uuid, () => this.revokeRow.run(at, uuid).changes === 1);
  }

  rename(uuid: string, name: string): Promise<ApiToken | null> {
    return this.change(uuid, () => this.renameRow.run(name, uuid).changes === 1);
  }

  recordUses(uses: readonly TokenUse[]): Promise<void> {
    if (uses.length === 0) return Promise.resolve();
    return this.batch.write(() => this.tokens.recordUses(uses));
  }

  private change(uuid: string, apply: () => boolean): Promise<ApiToken | null> {
    return this.batch.write(() => {
      const row = this.byUuid.get(uuid);
      if (!row || !apply()) return null;
      this.tokens.forget(row.hash);
      return rowToToken(this.byUuid.get(uuid) as TokenRow);
    });
  }
}
