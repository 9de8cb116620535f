import type { Database, Statement } from 'better-sqlite3';
import type { TokenUse } from '../types.js';

/**
 * What the token tables (API tokens, trigger tokens) share: lookups by the hash of the secret,
 * cached because every request that presents a token makes one, and usage statistics written in
 * batches. The store that owns the table is its only writer, so it keeps the cache exact by calling
 * `forget` or `clear` in its writes.
 */
export class TokenTable<Row, Token> {
  private readonly cache = new Map<string, Token>();
  private readonly use: Statement;

  constructor(
    db: Database,
    table: 'api_tokens' | 'trigger_tokens',
    private readonly byHash: Statement<[string], Row>,
    private readonly toToken: (row: Row) => Token,
  ) {
    this.use = db.prepare(
      `UPDATE ${table} SET use_count = use_count + @count, last_used_at = MAX(COALESCE(last_used_at, 0), @at),
       last_used_address = CASE WHEN @at >= COALESCE(last_used_at, 0) THEN @address ELSE last_used_address END WHERE uuid = @uuid`,
    );
  }

  findByHash(hash: string): Token | null {
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const row = this.byHash.get(hash);
    if (!row) return null;
    const token = this.toToken(row);
    this.cache.set(hash, token);
    return token;
  }

  forget(hash: string): void {
    this.cache.delete(hash);
  }

  /** Call inside a write. */
  recordUses(uses: readonly TokenUse[]): void {
    for (const use of uses) this.use.run(use);
    this.cache.clear();
  }
}
