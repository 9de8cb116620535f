import type { Database, Statement } from 'better-sqlite3';
import { DomainError } from '../../core/errors.js';
import type { User } from '../../core/user.js';
import type { UserStore } from '../types.js';
import { rowToUser, USER_COLUMNS as COLUMNS, type UserRow } from '../sql/rows.js';
import type { WriteBatch } from './write-batch.js';

/** Users are cached by id key; every change goes through this store (the single writer), so it stays exact. */
export class SqliteUserStore implements UserStore {
  private readonly cache = new Map<string, User>();
  private readonly byKey: Statement<[string], UserRow>;
  private readonly all: Statement<[], UserRow>;
  private readonly insert: Statement;
  private readonly change: Statement;
  private readonly remove: Statement<[string]>;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.byKey = db.prepare(`SELECT ${COLUMNS} FROM users WHERE id_key = ?`);
    this.all = db.prepare(`SELECT ${COLUMNS} FROM users ORDER BY id_key`);
    this.insert = db.prepare(
      'INSERT INTO users (id, id_key, full_name, password_hash, groups, created_at) VALUES (@id, @key, @fullName, @passwordHash, @groups, @createdAt)',
    );
    this.change = db.prepare(
      `UPDATE users SET full_name = COALESCE(@fullName, full_name), password_hash = COALESCE(@passwordHash, password_hash),
       groups = COALESCE(@groups, groups) WHERE id_key = @key RETURNING ${COLUMNS}`,
    );
    this.remove = db.prepare('DELETE FROM users WHERE id_key = ?');
  }

  async get(id: string): Promise<User | null> {
    const key = id.toLowerCase();
    const cached = this.cache.get(key);
    if (cached) return cached;
    const row = this.byKey.get(key);
    if (!row) return null;
    const user = rowToUser(row);
    this.cache.set(key, user);
    return user;
  }

  async list(): Promise<User[]> {
    return this.all.all().map(rowToUser);
  }

  create(user: User): Promise<User> {
    return this.batch.write(() => {
      this.insert.run({ ...user, key: user.id.toLowerCase(), groups: JSON.stringify(user.groups) });
      this.cache.delete(user.id.toLowerCase());
      return user;
    });
  }

  update(id: string, changes: { fullName?: string; passwordHash?: string; groups?: readonly string[] }): Promise<User> {
    return this.batch.write(() => {
      const row = this.change.get({
        key: id.toLowerCase(),
        fullName: changes.fullName ?? null,
        passwordHash: changes.passwordHash ?? null,
        groups: changes.groups === undefined ? null : JSON.stringify(changes.groups),
      }) as UserRow | undefined;
      if (!row) throw new DomainError('user_not_found', `There is no user "${id}".`);
      this.cache.delete(id.toLowerCase());
      return rowToUser(row);
    });
  }

  delete(id: string): Promise<boolean> {
    return this.batch.write(() => {
      this.cache.delete(id.toLowerCase());
      return this.remove.run(id.toLowerCase()).changes === 1;
    });
  }
}
