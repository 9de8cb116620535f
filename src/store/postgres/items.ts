import { DomainError } from '../../core/errors.js';
import { repositoryKeysOf } from '../../core/git-source.js';
import type { FolderSettings, Item, Job, JobSettings } from '../../core/item.js';
import type { JobEdge, OwnEdge } from '../../core/job-edges.js';
import { nameKey } from '../../core/item-name.js';
import { type EdgeRow, edgeRows, rowToEdge } from '../sql/edges.js';
import { keysBelow } from '../sql/names.js';
import { itemNameTaken } from '../sql/refusals.js';
import { type ItemRow, rowToItem } from '../sql/rows.js';
import { type ItemStore, type NewItem, type NextFires, NO_FIRES } from '../types.js';
import { isUniqueViolation, type Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

/**
 * Folders and jobs. Nothing is cached: other nodes write the same rows (a job's build counter moves
 * with every start), so each read asks the database, one indexed lookup.
 */
export class PgItemStore implements ItemStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  async get(id: number): Promise<Item | null> {
    const row = await this.db.one<ItemRow>('SELECT * FROM items WHERE id = $1', [id]);
    return row ? rowToItem(row) : null;
  }

  async findByFullName(fullName: string): Promise<Item | null> {
    const row = await this.db.one<ItemRow>('SELECT * FROM items WHERE full_name_key = $1', [nameKey(fullName)]);
    return row ? rowToItem(row) : null;
  }

  async listChildren(parentId: number | null): Promise<Item[]> {
    const rows =
      parentId === null
        ? await this.db.rows<ItemRow>('SELECT * FROM items WHERE parent_id IS NULL ORDER BY full_name_key')
        : await this.db.rows<ItemRow>('SELECT * FROM items WHERE parent_id = $1 ORDER BY full_name_key', [parentId]);
    return rows.map(rowToItem);
  }

  async listJobsUsingRepository(repositoryKey: string, limit: number): Promise<Job[]> {
    const rows = await this.db.rows<ItemRow>(
      'SELECT items.* FROM job_repositories JOIN items ON items.id = job_repositories.job_id WHERE job_repositories.repository_key = $1 ORDER BY items.full_name_key LIMIT $2',
      [repositoryKey, limit],
    );
    return rows.map(rowToItem) as Job[];
  }

  async listJobsWithIgnoredSettings(): Promise<Job[]> {
    const rows = await this.db.rows<ItemRow>(`SELECT * FROM items WHERE kind = 'job' AND settings LIKE '%"ignoredSettings":["%' ORDER BY full_name_key`);
    return rows.map(rowToItem) as Job[];
  }

  async listJobsBelow(folderId: number): Promise<Job[]> {
    const folder = await this.db.one<ItemRow>('SELECT * FROM items WHERE id = $1', [folderId]);
    if (!folder) return [];
    const rows = await this.db.rows<ItemRow>(`SELECT * FROM items WHERE kind = 'job' AND full_name_key LIKE $1 ESCAPE '\\' ORDER BY full_name_key`, [keysBelow(folder.full_name)]);
    return rows.map(rowToItem) as Job[];
  }

  create(item: NewItem): Promise<Item> {
    return this.batch.write(async (tx) => {
      try {
        const row = await tx.one<ItemRow>(
          `INSERT INTO items (parent_id, kind, name, full_name, full_name_key, settings, source_config, timer_next_at, poll_next_at, ancestor_ids, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $9, $10, COALESCE((SELECT (ancestor_ids::jsonb || to_jsonb(id))::text FROM items WHERE id = $1), '[]'), $8, $8) RETURNING *`,
          [item.parentId, item.settings.kind, item.name, item.fullName, nameKey(item.fullName), JSON.stringify(item.settings), item.sourceConfig, Date.now(), item.nextFires?.build ?? null, item.nextFires?.poll ?? null],
        );
        const created = rowToItem(row as ItemRow);
        await indexRepositories(tx, created);
        if (item.edges) await writeEdges(tx, created.id, item.edges);
        return created;
      } catch (error) {
        if (isUniqueViolation(error)) throw itemNameTaken(item.name);
        throw error;
      }
    });
  }

  update(id: number, settings: FolderSettings | JobSettings, sourceConfig: string | null, nextFires: NextFires = NO_FIRES, edges?: readonly OwnEdge[]): Promise<Item> {
    return this.batch.write(async (tx) => {
      const current = await tx.one<ItemRow>('SELECT * FROM items WHERE id = $1 FOR NO KEY UPDATE', [id]);
      if (!current) throw new DomainError('item_not_found', `No item with id ${id}.`);
      if (current.kind !== settings.kind) {
        throw new DomainError('item_kind_mismatch', `${current.full_name} is a ${current.kind}, not a ${settings.kind}.`);
      }
      const row = await tx.one<ItemRow>('UPDATE items SET settings = $2, source_config = $3, updated_at = $4, timer_next_at = $5, poll_next_at = $6 WHERE id = $1 RETURNING *', [
        id,
        JSON.stringify(settings),
        sourceConfig,
        Date.now(),
        nextFires.build,
        nextFires.poll,
      ]);
      const updated = rowToItem(row as ItemRow);
      await indexRepositories(tx, updated);
      if (edges) await writeEdges(tx, id, edges);
      return updated;
    }, { jobIds: [id] });
  }

  async downstreamOf(jobId: number): Promise<JobEdge[]> {
    return (await this.db.rows<EdgeRow>('SELECT * FROM job_edges WHERE upstream_id = $1 ORDER BY downstream_id', [jobId])).map(rowToEdge);
  }

  async upstreamOf(jobId: number): Promise<JobEdge[]> {
    return (await this.db.rows<EdgeRow>('SELECT * FROM job_edges WHERE downstream_id = $1 ORDER BY upstream_id', [jobId])).map(rowToEdge);
  }

  rename(id: number, name: string): Promise<Item> {
    return this.batch.write(async (tx) => {
      const current = await tx.one<ItemRow>('SELECT * FROM items WHERE id = $1', [id]);
      if (!current) throw new DomainError('item_not_found', `No item with id ${id}.`);
      const parent = current.parent_id === null ? undefined : await tx.one<ItemRow>('SELECT * FROM items WHERE id = $1', [current.parent_id]);
      const fullName = parent ? `${parent.full_name}/${name}` : name;
      let row: ItemRow;
      try {
        row = (await tx.one<ItemRow>('UPDATE items SET name = $2, full_name = $3, full_name_key = $4, updated_at = $5 WHERE id = $1 RETURNING *', [
          id,
          name,
          fullName,
          nameKey(fullName),
          Date.now(),
        ])) as ItemRow;
      } catch (error) {
        if (isUniqueViolation(error)) throw itemNameTaken(name, 'Choose another name.');
        throw error;
      }
      if (current.kind === 'folder') {
        // Everything below keeps its path under the item: only the leading old full name changes.
        await tx.run(
          `UPDATE items SET full_name = $1::text || substr(full_name, length($2::text) + 1), full_name_key = $3::text || substr(full_name_key, length($4::text) + 1)
           WHERE full_name_key LIKE $5 ESCAPE '\\'`,
          [fullName, current.full_name, nameKey(fullName), nameKey(current.full_name), keysBelow(current.full_name)],
        );
      }
      return rowToItem(row);
    });
  }

  delete(id: number): Promise<void> {
    return this.batch.write(async (tx) => {
      // The deletion cascades to everything below the item, their queue items and builds.
      await tx.run('DELETE FROM items WHERE id = $1', [id]);
    });
  }
}

/** Writes the job's rows of `job_repositories` in the same transaction as its settings. */
async function indexRepositories(tx: Pick<Sql, 'run'>, item: Item): Promise<void> {
  await tx.run('DELETE FROM job_repositories WHERE job_id = $1', [item.id]);
  const keys = item.kind === 'job' ? repositoryKeysOf(item.settings.scm) : [];
  if (keys.length > 0) await tx.run('INSERT INTO job_repositories (repository_key, job_id) SELECT unnest($1::text[]), $2', [keys, item.id]);
}

/** Within the caller's transaction: the job's own edges replaced. */
async function writeEdges(tx: Sql, ownerId: number, edges: readonly OwnEdge[]): Promise<void> {
  await tx.run('DELETE FROM job_edges WHERE owner_id = $1', [ownerId]);
  for (const row of edgeRows(ownerId, edges)) {
    await tx.run('INSERT INTO job_edges (owner_id, upstream_id, downstream_id, threshold) VALUES ($1, $2, $3, $4)', [row.owner, row.upstream, row.downstream, row.threshold]);
  }
}
