import { repositoryKeysOf } from '../../core/git-source.js';
import type { Database, Statement } from 'better-sqlite3';
import { DomainError } from '../../core/errors.js';
import type { FolderSettings, Item, Job, JobSettings } from '../../core/item.js';
import type { JobEdge, OwnEdge } from '../../core/job-edges.js';
import { nameKey } from '../../core/item-name.js';
import { type ItemStore, type NewItem, type NextFires, NO_FIRES } from '../types.js';
import { type EdgeRow, edgeRows, rowToEdge } from '../sql/edges.js';
import { keysBelow } from '../sql/names.js';
import { itemNameTaken } from '../sql/refusals.js';
import { type ItemRow, rowToItem } from '../sql/rows.js';
import type { WriteBatch } from './write-batch.js';

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * Items read from the database, by id and by full-name key. The embedded store has exactly one
 * writer (this process), so every change passes through here and the cache stays exact: writes
 * update or drop entries, and `forget` drops a job whose build counter moved.
 */
export class ItemCache {
  private readonly byId = new Map<number, Item>();
  private readonly byKey = new Map<string, Item>();

  id(id: number): Item | undefined {
    return this.byId.get(id);
  }

  key(key: string): Item | undefined {
    return this.byKey.get(key);
  }

  remember(item: Item): Item {
    this.byId.set(item.id, item);
    this.byKey.set(nameKey(item.fullName), item);
    return item;
  }

  forget(id: number): void {
    const item = this.byId.get(id);
    if (!item) return;
    this.byId.delete(id);
    this.byKey.delete(nameKey(item.fullName));
  }

  clear(): void {
    this.byId.clear();
    this.byKey.clear();
  }
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
  private readonly renameRow: Statement;
  private readonly usingRepository: Statement<[string, number], ItemRow>;
  private readonly withIgnored: Statement<[], ItemRow>;
  /** Writes the job's rows of `job_repositories` in the same transaction as its settings. */
  private readonly indexRepositories: (item: Item) => void;
  private readonly renameBelow: Statement;
  private readonly dropEdges: Statement<[number]>;
  private readonly insertEdge: Statement<[number, number, number, string]>;
  private readonly edgesFrom: Statement<[number], EdgeRow>;
  private readonly edgesTo: Statement<[number], EdgeRow>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
    private readonly cache: ItemCache,
  ) {
    this.byId = db.prepare('SELECT * FROM items WHERE id = ?');
    this.byKey = db.prepare('SELECT * FROM items WHERE full_name_key = ?');
    this.children = db.prepare('SELECT * FROM items WHERE parent_id IS NULL ORDER BY full_name_key');
    this.childrenOf = db.prepare('SELECT * FROM items WHERE parent_id = ? ORDER BY full_name_key');
    this.jobsBelow = db.prepare(`SELECT * FROM items WHERE kind = 'job' AND full_name_key LIKE ? ESCAPE '\\' ORDER BY full_name_key`);
    this.insert = db.prepare(
      `INSERT INTO items (parent_id, kind, name, full_name, full_name_key, settings, source_config, timer_next_at, poll_next_at, ancestor_ids, created_at, updated_at)
       VALUES (@parentId, @kind, @name, @fullName, @key, @settings, @sourceConfig, @timerNextAt, @pollNextAt,
               COALESCE((SELECT json_insert(ancestor_ids, '$[#]', id) FROM items WHERE id = @parentId), '[]'), @now, @now) RETURNING *`,
    );
    this.updateRow = db.prepare('UPDATE items SET settings = @settings, source_config = @sourceConfig, timer_next_at = @timerNextAt, poll_next_at = @pollNextAt, updated_at = @now WHERE id = @id RETURNING *');
    this.deleteRow = db.prepare('DELETE FROM items WHERE id = ?');
    this.usingRepository = db.prepare(
      'SELECT items.* FROM job_repositories JOIN items ON items.id = job_repositories.job_id WHERE job_repositories.repository_key = ? ORDER BY items.full_name_key LIMIT ?',
    );
    this.withIgnored = db.prepare(`SELECT * FROM items WHERE kind = 'job' AND settings LIKE '%"ignoredSettings":["%' ORDER BY full_name_key`);
    const forget = db.prepare('DELETE FROM job_repositories WHERE job_id = ?');
    const remember = db.prepare('INSERT INTO job_repositories (repository_key, job_id) VALUES (?, ?)');
    this.indexRepositories = (item: Item) => {
      forget.run(item.id);
      for (const key of item.kind === 'job' ? repositoryKeysOf(item.settings.scm) : []) remember.run(key, item.id);
    };
    this.dropEdges = db.prepare('DELETE FROM job_edges WHERE owner_id = ?');
    this.insertEdge = db.prepare('INSERT INTO job_edges (owner_id, upstream_id, downstream_id, threshold) VALUES (?, ?, ?, ?)');
    this.edgesFrom = db.prepare('SELECT * FROM job_edges WHERE upstream_id = ? ORDER BY downstream_id');
    this.edgesTo = db.prepare('SELECT * FROM job_edges WHERE downstream_id = ? ORDER BY upstream_id');
    this.renameRow = db.prepare('UPDATE items SET name = @name, full_name = @fullName, full_name_key = @key, updated_at = @now WHERE id = @id RETURNING *');
    // Everything below keeps its path under the item: only the leading old full name changes.
    this.renameBelow = db.prepare(
      `UPDATE items SET full_name = @fullName || substr(full_name, length(@oldFullName) + 1), full_name_key = @key || substr(full_name_key, length(@oldKey) + 1)
       WHERE full_name_key LIKE @below ESCAPE '\\'`,
    );
  }

  async get(id: number): Promise<Item | null> {
    const cached = this.cache.id(id);
    if (cached) return cached;
    const row = this.byId.get(id);
    return row ? this.cache.remember(rowToItem(row)) : null;
  }

  async findByFullName(fullName: string): Promise<Item | null> {
    const key = nameKey(fullName);
    const cached = this.cache.key(key);
    if (cached) return cached;
    const row = this.byKey.get(key);
    return row ? this.cache.remember(rowToItem(row)) : null;
  }

  async listChildren(parentId: number | null): Promise<Item[]> {
    const rows = parentId === null ? this.children.all() : this.childrenOf.all(parentId);
    return rows.map(rowToItem);
  }

  async listJobsUsingRepository(repositoryKey: string, limit: number): Promise<Job[]> {
    return this.usingRepository.all(repositoryKey, limit).map(rowToItem) as Job[];
  }

  async listJobsWithIgnoredSettings(): Promise<Job[]> {
    return this.withIgnored.all().map(rowToItem) as Job[];
  }

  async listJobsBelow(folderId: number): Promise<Job[]> {
    const folder = this.byId.get(folderId);
    if (!folder) return [];
    return this.jobsBelow.all(keysBelow(folder.full_name)).map(rowToItem) as Job[];
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
          timerNextAt: item.nextFires?.build ?? null,
          pollNextAt: item.nextFires?.poll ?? null,
          now: Date.now(),
        }) as ItemRow;
        const created = rowToItem(row);
        this.indexRepositories(created);
        if (item.edges) this.writeEdges(created.id, item.edges);
        return this.cache.remember(created);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw itemNameTaken(item.name);
        }
        throw error;
      }
    });
  }

  update(id: number, settings: FolderSettings | JobSettings, sourceConfig: string | null, nextFires: NextFires = NO_FIRES, edges?: readonly OwnEdge[]): Promise<Item> {
    return this.batch.write(() => {
      const current = this.byId.get(id);
      if (!current) throw new DomainError('item_not_found', `No item with id ${id}.`);
      if (current.kind !== settings.kind) {
        throw new DomainError('item_kind_mismatch', `${current.full_name} is a ${current.kind}, not a ${settings.kind}.`);
      }
      const row = this.updateRow.get({ id, settings: JSON.stringify(settings), sourceConfig, timerNextAt: nextFires.build, pollNextAt: nextFires.poll, now: Date.now() }) as ItemRow;
      const updated = rowToItem(row);
      this.indexRepositories(updated);
      if (edges) this.writeEdges(id, edges);
      return this.cache.remember(updated);
    });
  }

  async downstreamOf(jobId: number): Promise<JobEdge[]> {
    return this.edgesFrom.all(jobId).map(rowToEdge);
  }

  async upstreamOf(jobId: number): Promise<JobEdge[]> {
    return this.edgesTo.all(jobId).map(rowToEdge);
  }

  /** Within the caller's write: the job's own edges replaced. */
  private writeEdges(ownerId: number, edges: readonly OwnEdge[]): void {
    this.dropEdges.run(ownerId);
    for (const row of edgeRows(ownerId, edges)) this.insertEdge.run(row.owner, row.upstream, row.downstream, row.threshold);
  }

  rename(id: number, name: string): Promise<Item> {
    return this.batch.write(() => {
      const current = this.byId.get(id);
      if (!current) throw new DomainError('item_not_found', `No item with id ${id}.`);
      const parent = current.parent_id === null ? undefined : this.byId.get(current.parent_id);
      const fullName = parent ? `${parent.full_name}/${name}` : name;
      const oldKey = nameKey(current.full_name);
      let row: ItemRow;
      try {
        row = this.renameRow.get({ id, name, fullName, key: nameKey(fullName), now: Date.now() }) as ItemRow;
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw itemNameTaken(name, 'Choose another name.');
        }
        throw error;
      }
      if (current.kind === 'folder') {
        this.renameBelow.run({ fullName, oldFullName: current.full_name, key: nameKey(fullName), oldKey, below: keysBelow(current.full_name) });
      }
      // Full names below a folder changed too.
      this.cache.clear();
      return this.cache.remember(rowToItem(row));
    });
  }

  delete(id: number): Promise<void> {
    return this.batch.write(() => {
      this.deleteRow.run(id);
      // The deletion cascades to everything below the item.
      this.cache.clear();
    });
  }
}
