import { DomainError } from '../../core/errors.js';
import { nameKey } from '../../core/item-name.js';
import { type View, type ViewSettings, viewNameTaken } from '../../core/view.js';
import { rowToView, type ViewRow } from '../sql/rows.js';
import type { ViewStore } from '../types.js';
import { isUniqueViolation, type Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

export class PgViewStore implements ViewStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  async list(parentId: number | null): Promise<View[]> {
    // The top level is parent 0 in the unique index and in these lookups.
    return (await this.db.rows<ViewRow>('SELECT * FROM views WHERE COALESCE(parent_id, 0) = $1 ORDER BY name_key', [parentId ?? 0])).map(rowToView);
  }

  async listAll(): Promise<View[]> {
    return (await this.db.rows<ViewRow>('SELECT * FROM views ORDER BY id')).map(rowToView);
  }

  async get(parentId: number | null, name: string): Promise<View | null> {
    const row = await this.db.one<ViewRow>('SELECT * FROM views WHERE COALESCE(parent_id, 0) = $1 AND name_key = $2', [parentId ?? 0, nameKey(name)]);
    return row ? rowToView(row) : null;
  }

  create(view: Omit<View, 'id'>): Promise<View> {
    return this.batch.write(async (tx) => {
      try {
        const row = await tx.one<ViewRow>(
          `INSERT INTO views (parent_id, name, name_key, settings, source_config, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *`,
          [view.parentId, view.name, nameKey(view.name), JSON.stringify(view.settings), view.sourceConfig, Date.now()],
        );
        return rowToView(row as ViewRow);
      } catch (error) {
        if (isUniqueViolation(error)) throw viewNameTaken(view.name);
        throw error;
      }
    });
  }

  update(id: number, settings: ViewSettings, sourceConfig: string | null): Promise<View> {
    return this.batch.write(async (tx) => {
      const row = await tx.one<ViewRow>('UPDATE views SET settings = $2, source_config = $3, updated_at = $4 WHERE id = $1 RETURNING *', [
        id,
        JSON.stringify(settings),
        sourceConfig,
        Date.now(),
      ]);
      if (!row) throw new DomainError('item_not_found', `No view with id ${id}.`);
      return rowToView(row);
    });
  }

  delete(id: number): Promise<boolean> {
    return this.batch.write(async (tx) => (await tx.run('DELETE FROM views WHERE id = $1', [id])) === 1);
  }
}
