import type { CauseCount } from '../../core/cause.js';
import { type CauseRow, causesByItem, rowToCauseCount } from '../sql/rows.js';
import type { Sql } from './sql.js';

/** The counted causes of queue items (and so of the builds they became). */
export class CauseTable {
  constructor(private readonly db: Sql) {}

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
