import type { Cause, CauseCount } from '../../core/cause.js';
import { causeKey } from '../../core/cause.js';
import { type CauseRow, causesByItem, rowToCauseCount } from '../sql/rows.js';
import type { Sql } from './sql.js';

/** The counted causes of queue items (and so of the builds they became). */
export class CauseTable {
  constructor(private readonly db: Sql) {}

  /** Adds `count` occurrences of the cause to a waiting item; call inside a write. */
  async record(tx: Sql, queueId: number, cause: Cause, count = 1): Promise<void> {
    await tx.run(
      `INSERT INTO queue_causes (queue_id, position, cause, count)
       VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM queue_causes WHERE queue_id = $1), $2, $3)
       ON CONFLICT (queue_id, cause) DO UPDATE SET count = queue_causes.count + excluded.count`,
      [queueId, causeKey(cause), count],
    );
  }

  async of(queueId: number, sql: Sql = this.db): Promise<CauseCount[]> {
    return (await sql.rows<CauseRow>('SELECT queue_id, cause, count FROM queue_causes WHERE queue_id = $1 ORDER BY position', [queueId])).map(rowToCauseCount);
  }

  /** Causes of many items at once, keyed by queue id: the ids travel as one array parameter. */
  async ofMany(queueIds: readonly number[], sql: Sql = this.db): Promise<Map<number, CauseCount[]>> {
    if (queueIds.length === 0) return new Map();
    return causesByItem(
      await sql.rows<CauseRow>('SELECT queue_id, cause, count FROM queue_causes WHERE queue_id = ANY ($1::bigint[]) ORDER BY queue_id, position', [queueIds]),
    );
  }
}
