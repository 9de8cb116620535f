import type { StoredCredential } from '../../core/credential.js';
import { credentialColumns, type CredentialRow, rowToCredential } from '../sql/rows.js';
import type { CredentialStore } from '../types.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

const COLUMNS = 'store_key, folder_id, id, kind, description, username, file_name, sealed_secret, created_at, updated_at';

export class PgCredentialStore implements CredentialStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  create(credential: StoredCredential): Promise<boolean> {
    return this.batch.write(
      async (tx) => (await tx.run(`INSERT INTO credentials (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`, credentialColumns(credential))) === 1,
    );
  }

  async get(folderId: number | null, id: string): Promise<StoredCredential | null> {
    const row = await this.db.one<CredentialRow>(`SELECT ${COLUMNS} FROM credentials WHERE store_key = $1 AND id = $2`, [folderId ?? 0, id]);
    return row ? rowToCredential(row) : null;
  }

  async list(folderId: number | null): Promise<StoredCredential[]> {
    return (await this.db.rows<CredentialRow>(`SELECT ${COLUMNS} FROM credentials WHERE store_key = $1 ORDER BY id COLLATE "C"`, [folderId ?? 0])).map(rowToCredential);
  }

  async findUsable(ids: readonly string[], folderIds: readonly number[]): Promise<StoredCredential[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.rows<CredentialRow>(
      `SELECT ${COLUMNS} FROM credentials WHERE id = ANY($1::text[]) AND (folder_id IS NULL OR folder_id = ANY($2::bigint[])) ORDER BY id COLLATE "C"`,
      [ids, folderIds],
    );
    return rows.map(rowToCredential);
  }

  update(c: StoredCredential): Promise<boolean> {
    return this.batch.write(
      async (tx) =>
        (await tx.run('UPDATE credentials SET kind = $1, description = $2, username = $3, file_name = $4, sealed_secret = $5, updated_at = $6 WHERE store_key = $7 AND id = $8', [
          c.kind,
          c.description,
          c.username,
          c.fileName,
          c.sealedSecret,
          c.updatedAt,
          c.folderId ?? 0,
          c.id,
        ])) === 1,
    );
  }

  delete(folderId: number | null, id: string): Promise<boolean> {
    return this.batch.write(async (tx) => (await tx.run('DELETE FROM credentials WHERE store_key = $1 AND id = $2', [folderId ?? 0, id])) === 1);
  }
}
