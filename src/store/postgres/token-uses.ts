import type { TokenUse } from '../types.js';
import type { Sql } from './sql.js';

/**
 * Adds uses to a token table's statistics (API tokens, trigger tokens): the count, and the time and
 * address of the latest use, in one statement. Call inside a write.
 */
export async function recordTokenUses(tx: Sql, table: 'api_tokens' | 'trigger_tokens', uses: readonly TokenUse[]): Promise<void> {
  for (const use of uses) {
    await tx.run(
      `UPDATE ${table} SET use_count = use_count + $2, last_used_at = GREATEST(COALESCE(last_used_at, 0), $3),
       last_used_address = CASE WHEN $3 >= COALESCE(last_used_at, 0) THEN $4 ELSE last_used_address END WHERE uuid = $1`,
      [use.uuid, use.count, use.at, use.address],
    );
  }
}
