import { rowToSession, SESSION_SELECT, type SessionRow } from '../sql/rows.js';
import type { Session, SessionStore } from '../types.js';
import { BoundedDelete } from './bounded-delete.js';
import type { Sql } from './sql.js';
import type { PgWriteBatch } from './write-batch.js';

/** Browser sessions, in the database so that every node serving the same database shares them. */
export class PgSessionStore implements SessionStore {
  private readonly prune: BoundedDelete;

  constructor(
    private readonly db: Sql,
    private readonly batch: PgWriteBatch,
  ) {
    this.prune = new BoundedDelete(batch, 'sessions', 'last_seen_at < $1');
  }

  create(session: Session): Promise<Session> {
    return this.batch.write(async (tx) => {
      await tx.run('INSERT INTO sessions (hash, user_key, created_at, last_seen_at, address) VALUES ($1, $2, $3, $4, $5)', [
        session.hash,
        session.userId.toLowerCase(),
        session.createdAt,
        session.lastSeenAt,
        session.address,
      ]);
      return session;
    });
  }

  async get(hash: string): Promise<Session | null> {
    const row = await this.db.one<SessionRow>(`${SESSION_SELECT} WHERE s.hash = $1`, [hash]);
    return row ? rowToSession(row) : null;
  }

  touch(hash: string, at: number): Promise<void> {
    return this.batch.write(async (tx) => {
      await tx.run('UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $2) WHERE hash = $1', [hash, at]);
    });
  }

  delete(hash: string): Promise<void> {
    return this.batch.write(async (tx) => {
      await tx.run('DELETE FROM sessions WHERE hash = $1', [hash]);
    });
  }

  deleteForUser(userId: string): Promise<number> {
    return this.batch.write((tx) => tx.run('DELETE FROM sessions WHERE user_key = $1', [userId.toLowerCase()]));
  }

  pruneIdle(before: number): Promise<number> {
    return this.prune.run(before);
  }
}
