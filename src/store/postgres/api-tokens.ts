import type { ApiToken } from '../../core/api-token.js';
import { API_TOKEN_SELECT, type ApiTokenRow, rowToApiToken } from '../sql/rows.js';
import type { ApiTokenStore, NewApiToken, TokenUse } from '../types.js';
import type { Sql } from './sql.js';
import { recordTokenUses } from './token-uses.js';
import type { PgWriteBatch } from './write-batch.js';

/**
 * API tokens by the hash of their secret. Not cached: a token revoked through any node is refused by
 * every node at once (each lookup is one index read).
 */
export class PgApiTokenStore implements ApiTokenStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  create(token: NewApiToken): Promise<ApiToken> {
    return this.batch.write(async (tx) => {
      await tx.run('INSERT INTO api_tokens (uuid, user_key, name, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        token.uuid,
        token.userId.toLowerCase(),
        token.name,
        token.hash,
        token.createdAt,
        token.expiresAt,
      ]);
      return rowToApiToken((await tx.one<ApiTokenRow>(`${API_TOKEN_SELECT} WHERE t.uuid = $1`, [token.uuid])) as ApiTokenRow);
    });
  }

  async findByHash(hash: string): Promise<ApiToken | null> {
    const row = await this.db.one<ApiTokenRow>(`${API_TOKEN_SELECT} WHERE t.hash = $1`, [hash]);
    return row ? rowToApiToken(row) : null;
  }

  async get(uuid: string): Promise<ApiToken | null> {
    const row = await this.db.one<ApiTokenRow>(`${API_TOKEN_SELECT} WHERE t.uuid = $1`, [uuid]);
    return row ? rowToApiToken(row) : null;
  }

  async listForUser(userId: string): Promise<ApiToken[]> {
    return (await this.db.rows<ApiTokenRow>(`${API_TOKEN_SELECT} WHERE t.user_key = $1 AND t.revoked_at IS NULL ORDER BY t.created_at, t.uuid`, [userId.toLowerCase()])).map(
      rowToApiToken,
    );
  }

  revoke(uuid: string, at: number): Promise<ApiToken | null> {
    return this.change(uuid, 'UPDATE api_tokens SET revoked_at = $2 WHERE uuid = $1 AND revoked_at IS NULL', at);
  }

  rename(uuid: string, name: string): Promise<ApiToken | null> {
    return this.change(uuid, 'UPDATE api_tokens SET name = $2 WHERE uuid = $1', name);
  }

  recordUses(uses: readonly TokenUse[]): Promise<void> {
    if (uses.length === 0) return Promise.resolve();
    return this.batch.write((tx) => recordTokenUses(tx, 'api_tokens', uses));
  }

  private change(uuid: string, statement: string, value: unknown): Promise<ApiToken | null> {
    return this.batch.write(async (tx) => {
      if ((await tx.run(statement, [uuid, value])) !== 1) return null;
      return rowToApiToken((await tx.one<ApiTokenRow>(`${API_TOKEN_SELECT} WHERE t.uuid = $1`, [uuid])) as ApiTokenRow);
    });
  }
}
