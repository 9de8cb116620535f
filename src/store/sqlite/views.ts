import type { Database, Statement } from 'better-sqlite3';
import { DomainError } from '../../core/errors.js';
import { nameKey } from '../../core/item-name.js';
import { type View, type ViewSettings, viewNameTaken } from '../../core/view.js';
import { rowToView, type ViewRow } from '../sql/rows.js';
import type { ViewStore } from '../types.js';
import type { WriteBatch } from './write-batch.js';

export class SqliteViewStore implements ViewStore {
  private readonly ofParent: Statement<[number], ViewRow>;
  private readonly all: Statement<[], ViewRow>;
  private readonly byName: Statement<[number, string], ViewRow>;
  private readonly insert: Statement;
  private readonly updateRow: Statement;
  private readonly remove: Statement<[number]>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    // The top level is parent 0 in the unique index and in these lookups.
    this.ofParent = db.prepare('SELECT * FROM views WHERE COALESCE(parent_id, 0) = ? ORDER BY name_key');
    this.all = db.prepare('SELECT * FROM views ORDER BY id');
    this.byName = db.prepare('SELECT * FROM views WHERE COALESCE(parent_id, 0) = ? AND name_key = ?');
    this.insert = db.prepare(
      `INSERT INTO views (parent_id, name, name_key, settings, source_config, created_at, updated_at)
       VALUES (@parentId, @name, @key, @settings, @sourceConfig, @now, @now) RETURNING *`,
    );
    this.updateRow = db.prepare('UPDATE views SET settings = @settings, source_config = @sourceConfig, updated_at = @now WHERE id = @id RETURNING *');
    this.remove = db.prepare('DELETE FROM views WHERE id = ?');
  }

  async list(parentId: number | null): Promise<View[]> {
    return this.ofParent.all(parentId ?? 0).map(rowToView);
  }

  async listAll(): Promise<View[]> {
    return this.all.all().map(rowToView);
  }

  async get(parentId: number | null, name: string): Promise<View | null> {
    const row = this.byName.get(parentId ?? 0, nameKey(name));
    return row ? rowToView(row) : null;
  }

  create(view: Omit<View, 'id'>): Promise<View> {
    return this.batch.write(() => {
      try {
        const row = this.insert.get({ parentId: view.parentId, name: view.name, key: nameKey(view.name), settings: JSON.stringify(view.settings), sourceConfig: view.sourceConfig, now: Date.now() }) as ViewRow;
        return rowToView(row);
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw viewNameTaken(view.name);
        throw error;
      }
    });
  }

  update(id: number, settings: ViewSettings, sourceConfig: string | null): Promise<View> {
    return this.batch.write(() => {
      const row = this.updateRow.get({ id, settings: JSON.stringify(settings), sourceConfig, now: Date.now() }) as ViewRow | undefined;
      if (!row) throw new DomainError('item_not_found', `No view with id ${id}.`);
      return rowToView(row);
    });
  }

  delete(id: number): Promise<boolean> {
    return this.batch.write(() => this.remove.run(id).changes === 1);
  }
}
