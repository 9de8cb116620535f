import type { Database, Statement } from 'better-sqlite3';
import { DomainError } from '../../core/errors.js';
import type { FolderSettings, Item, Job, JobSettings } from '../../core/item.js';
import { nameKey } from '../../core/item-name.js';
import type { ItemStore, NewItem } from '../types.js';
import type { WriteBatch } from './write-batch.js';

interface ItemRow {
  id: number;
  parent_id: number | null;
  kind: 'folder' | 'job';
  name: string;
  full_name: string;
  settings: string;
  source_config: string | null;
  next_build_number: number;
  created_at: number;
  updated_at: number;
}

export function rowToItem(row: ItemRow): Item {
  const base = {
    id: row.id,
    name: row.name,
    fullName: row.full_name,
    parentId: row.parent_id,
    sourceConfig: row.source_config,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.kind === 'folder') return { ...base, kind: 'folder', settings: JSON.parse(row.settings) as FolderSettings };
  return { ...base, kind: 'job', settings: JSON.parse(row.settings) as JobSettings, nextBuildNumber: row.next_build_number };
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export class SqliteItemStore implements ItemStore {
  private readonly byId: Statement<[number], ItemRow>;
  private readonly byKey: Statement<[string], ItemRow>;
  private readonly children: Statement<[], ItemRow>;
  private readonly childrenOf: Statement<[number], ItemRow>;
  private readonly jobsBelow: Statement<[string], ItemRow>;
  private readonly insert: Statement;
  private readonly updateRow: Statement;
  private readonly deleteRow: Statement<[number]>;

  constructor(
    private readonly db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.byId = db.prepare('SELECT * FROM items WHERE id = ?');
    this.byKey = db.prepare('SELECT * FROM items WHERE full_name_key = ?');
    this.children = db.prepare('SELECT * FROM items WHERE parent_id IS NULL ORDER BY full_name_key');
    this.childrenOf = db.prepare('SELECT * FROM items WHERE parent_id = ? ORDER BY full_name_key');
    this.jobsBelow = db.prepare(`SELECT * FROM items WHERE kind = 'job' AND full_name_key LIKE ? ESCAPE '\\' ORDER BY full_name_key`);
    this.insert = db.prepare(
      `INSERT INTO items (parent_id, kind, name, full_name, full_name_key, settings, source_config, created_at, updated_at)
       VALUES (@parentId, @kind, @name, @fullName, @key, @settings, @sourceConfig, @now, @now) RETURNING *`,
    );
    this.updateRow = db.prepare('UPDATE items SET settings = @settings, source_config = @sourceConfig, updated_at = @now WHERE id = @id RETURNING *');
    this.deleteRow = db.prepare('DELETE FROM items WHERE id = ?');
  }

  async get(id: number): Promise<Item | null> {
    const row = this.byId.get(id);
    return row ? rowToItem(row) : null;
  }

  async findByFullName(fullName: string): Promise<Item | null> {
    const row = this.byKey.get(nameKey(fullName));
    return row ? rowToItem(row) : null;
  }

  async listChildren(parentId: number | null): Promise<Item[]> {
    const rows = parentId === null ? this.children.all() : this.childrenOf.all(parentId);
    return rows.map(rowToItem);
  }

  async listJobsBelow(folderId: number): Promise<Job[]> {
    const folder = this.byId.get(folderId);
    if (!folder) return [];
    const prefix = nameKey(folder.full_name).replace(/[\\%_]/g, (ch) => `\\${ch}`);
    return this.jobsBelow.all(`${prefix}/%`).map(rowToItem) as Job[];
  }

  create(item: NewItem): Promise<Item> {
    return this.batch.write(() => {
      try {
        const row = this.insert.get({
          parentId: item.parentId,
          kind: item.settings.kind,
          name: item.name,
          fullName: item.fullName,
          key: nameKey(item.fullName),
          settings: JSON.stringify(item.settings),
          sourceConfig: item.sourceConfig,
          now: Date.now(),
        }) as ItemRow;
        return rowToItem(row);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new DomainError('name_taken', `A job already exists with the name "${item.name}".`, 'Choose another name, or update the existing item.');
        }
        throw error;
      }
    });
  }

  update(id: number, settings: FolderSettings | JobSettings, sourceConfig: string | null): Promise<Item> {
    return this.batch.write(() => {
      const current = this.byId.get(id);
      if (!current) throw new DomainError('item_not_found', `No item with id ${id}.`);
      if (current.kind !== settings.kind) {
        throw new DomainError('item_kind_mismatch', `${current.full_name} is a ${current.kind}, not a ${settings.kind}.`);
      }
      const row = this.updateRow.get({ id, settings: JSON.stringify(settings), sourceConfig, now: Date.now() }) as ItemRow;
      return rowToItem(row);
    });
  }

  delete(id: number): Promise<void> {
    return this.batch.write(() => {
      this.deleteRow.run(id);
    });
  }
}
