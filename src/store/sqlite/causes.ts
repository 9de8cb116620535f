import type { Database, Statement } from 'better-sqlite3';
import type { Cause, CauseCount } from '../../core/cause.js';
import { causeKey } from '../../core/cause.js';
import { type CauseRow, causesByItem, rowToCauseCount } from '../sql/rows.js';

/** The counted causes of queue items (and so of the builds they became). */
export class CauseTable {
  private readonly forItem: Statement<[number], CauseRow>;
  private readonly add: Statement;
  private readonly increment: Statement<[number, number, string]>;
  private readonly forItems: Statement<[string], CauseRow>;

  constructor(db: Database) {
    this.forItem = db.prepare('SELECT queue_id, cause, count FROM queue_causes WHERE queue_id = ? ORDER BY position');
    // The ids travel as one JSON array, so the statement is prepared once and its size never depends
    // on how many items are asked for (an IN list of ? stops at SQLite's 32,766 parameters).
    this.forItems = db.prepare(
      'SELECT c.queue_id, c.cause, c.count FROM json_each(?) AS ids JOIN queue_causes AS c ON c.queue_id = ids.value ORDER BY c.queue_id, c.position',
    );
    this.increment = db.prepare('UPDATE queue_causes SET count = count + ? WHERE queue_id = ? AND cause = ?');
    this.add = db.prepare(
      `INSERT INTO queue_causes (queue_id, position, cause, count)
       VALUES (@queueId, (SELECT COALESCE(MAX(position), 0) + 1 FROM queue_causes WHERE queue_id = @queueId), @cause, @count)`,
    );
  }

  /** Adds `count` occurrences of the cause; call inside a write. */
  record(queueId: number, cause: Cause, count = 1): void {
    const key = causeKey(cause);
    if (this.increment.run(count, queueId, key).changes === 0) this.add.run({ queueId, cause: key, count });
  }

  of(queueId: number): CauseCount[] {
    return this.forItem.all(queueId).map(rowToCauseCount);
  }

  /** Causes of many items at once, keyed by queue id. */
  ofMany(queueIds: readonly number[]): Map<number, CauseCount[]> {
    if (queueIds.length === 0) return new Map();
    return causesByItem(this.forItems.all(JSON.stringify(queueIds)));
  }
}
