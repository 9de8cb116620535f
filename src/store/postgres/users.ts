import { DomainError } from '../../core/errors.js';
import type { User } from '../../core/user.js';
import { rowToUser, USER_COLUMNS, type UserRow } from '../sql/rows.js';
import type { UserStore } from '../types.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

/** Users by their lower-cased id. Not cached: a change made through another node counts at once. */
export class PgUserStore implements UserStore {
  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {}

  async get(id: string): Promise<User | null> {
    const row = await this.db.one<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id_key = $1`, [id.toLowerCase()]);
    return row ? rowToUser(row) : null;
  }

  async list(): Promise<User[]> {
    return (await this.db.rows<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY id_key`)).map(rowToUser);
  }

  create(user: User): Promise<User> {
    return this.batch.write(async (tx) => {
      await tx.run('INSERT INTO users (id, id_key, full_name, password_hash, groups, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        user.id,
        user.id.toLowerCase(),
        user.fullName,
        user.passwordHash,
        JSON.stringify(user.groups),
        user.createdAt,
      ]);
      return user;
    });
  }

  update(id: string, changes: { fullName?: string; passwordHash?: string; groups?: readonly string[] }): Promise<User> {
    return this.batch.write(async (tx) => {
      const row = await tx.one<UserRow>(
        `UPDATE users SET full_name = COALESCE($2, full_name), password_hash = COALESCE($3, password_hash), groups = COALESCE($4, groups)
         WHERE id_key = $1 RETURNING ${USER_COLUMNS}`,
        [id.toLowerCase(), changes.fullName ?? null, changes.passwordHash ?? null, changes.groups === undefined ? null : JSON.stringify(changes.groups)],
      );
      if (!row) throw new DomainError('user_not_found', `There is no user "${id}".`);
      return rowToUser(row);
    });
  }

  delete(id: string): Promise<boolean> {
    return this.batch.write(async (tx) => (await tx.run('DELETE FROM users WHERE id_key = $1', [id.toLowerCase()])) === 1);
  }
}
