import type { Database, Statement } from 'better-sqlite3';
import type { StoredCredential } from '../../core/credential.js';
import { credentialColumns, type CredentialRow, rowToCredential } from '../sql/rows.js';
import type { CredentialStore } from '../types.js';
import type { WriteBatch } from './write-batch.js';

const COLUMNS = 'store_key, folder_id, id, kind, description, username, file_name, sealed_secret, created_at, updated_at';

export class SqliteCredentialStore implements CredentialStore {
  private readonly byKey: Statement<[number, string], CredentialRow>;
  private readonly ofStore: Statement<[number], CredentialRow>;
  private readonly usable: Statement<[string, string], CredentialRow>;
  private readonly insert: Statement;
  private readonly change: Statement;
  private readonly remove: Statement<[number, string]>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.byKey = db.prepare(`SELECT ${COLUMNS} FROM credentials WHERE store_key = ? AND id = ?`);
    this.ofStore = db.prepare(`SELECT ${COLUMNS} FROM credentials WHERE store_key = ? ORDER BY id`);
    this.usable = db.prepare(
      `SELECT ${COLUMNS} FROM credentials WHERE id IN (SELECT value FROM json_each(?)) AND (folder_id IS NULL OR folder_id IN (SELECT value FROM json_each(?))) ORDER BY id`,
    );
    this.insert = db.prepare(`INSERT INTO credentials (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    this.change = db.prepare(
      'UPDATE credentials SET kind = ?, description = ?, username = ?, file_name = ?, sealed_secret = ?, updated_at = ? WHERE store_key = ? AND id = ?',
    );
    this.remove = db.prepare('DELETE FROM credentials WHERE store_key = ? AND id = ?');
  }

  create(credential: StoredCredential): Promise<boolean> {
    return this.batch.write(() => this.insert.run(...credentialColumns(credential)).changes === 1);
  }

  async get(folderId: number | null, id: string): Promise<StoredCredential | null> {
    const row = this.byKey.get(folderId ?? 0, id);
    return row ? rowToCredential(row) : null;
  }

  async list(folderId: number | null): Promise<StoredCredential[]> {
    return this.ofStore.all(folderId ?? 0).map(rowToCredential);
  }

  async findUsable(ids: readonly string[], folderIds: readonly number[]): Promise<StoredCredential[]> {
    if (ids.length === 0) return [];
    return this.usable.all(JSON.stringify(ids), JSON.stringify(folderIds)).map(rowToCredential);
  }

  update(c: StoredCredential): Promise<boolean> {
    return this.batch.write(() => this.change.run(c.kind, c.description, c.username, c.fileName, c.sealedSecret, c.updatedAt, c.folderId ?? 0, c.id).changes === 1);
  }

  delete(folderId: number | null, id: string): Promise<boolean> {
    return this.batch.write(() => this.remove.run(folderId ?? 0, id).changes === 1);
  }
}
