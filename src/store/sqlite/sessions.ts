import type { Database, Statement } from 'better-sqlite3';
import type { Session, SessionStore } from '../types.js';
import { rowToSession, SESSION_SELECT, type SessionRow } from '../sql/rows.js';
import { BoundedDelete } from './bounded-delete.js';
import type { WriteBatch } from './write-batch.js';

/** Browser sessions, kept in the database so that every node serving the same database shares them. */
export class SqliteSessionStore implements SessionStore {
  private readonly byHash: Statement<[string], SessionRow>;
  private readonly insert: Statement;
  private readonly touchRow: Statement<[number, string]>;
  private readonly remove: Statement<[string]>;
  private readonly removeForUser: Statement<[string]>;
  private readonly prune: BoundedDelete;

  constructor(
    db: Database,
    private readonly batch: WriteBatch,
  ) {
    this.byHash = db.prepare(`${SESSION_SELECT} WHERE s.hash = ?`);
    this.insert = db.prepare('INSERT INTO sessions (hash, user_key, created_at, last_seen_at, address) VALUES (@hash, @userKey, @createdAt, @lastSeenAt, @address)');
    this.touchRow = db.prepare('UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE hash = ?');
    this.remove = db.prepare('DELETE FROM sessions WHERE hash = ?');
    this.removeForUser = db.prepare('DELETE FROM sessions WHERE user_key = ?');
    this.prune = new BoundedDelete(db, batch, 'sessions', 'SELECT rowid FROM sessions WHERE last_seen_at < ?');
  }

  create(session: Session): Promise<Session> {
    return this.batch.write(() => {
      this.insert.run({ ...session, userKey: session.userId.toLowerCase() });
      return session;
    });
  }

  async get(hash: string): Promise<Session | null> {
    const row = this.byHash.get(hash);
    return row ? rowToSession(row) : null;
  }

  touch(hash: string, at: number): Promise<void> {
    return this.batch.write(() => {
      this.touchRow.run(at, hash);
    });
  }

  delete(hash: string): Promise<void> {
    return this.batch.write(() => {
      this.remove.run(hash);
    });
  }

  deleteForUser(userId: string): Promise<number> {
    return this.batch.write(() => this.removeForUser.run(userId.toLowerCase()).changes);
  }

  pruneIdle(before: number): Promise<number> {
    return this.prune.run(before);
  }
}
