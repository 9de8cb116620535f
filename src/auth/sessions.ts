import { createHash, randomBytes } from 'node:crypto';
import type { Session, Store } from '../store/types.js';

export interface SessionOptions {
  /** A session not used for this long ends. */
  readonly idleTimeoutMs: number;
  /** The cookie's name: `JSESSIONID.` and 8 hex characters, fixed per installation. */
  readonly cookieName: string;
  readonly now?: () => number;
}

/**
 * Browser sessions. The cookie carries 256 random bits; the database keeps only their SHA-256, so a
 * copy of it opens no session. Sessions live in the database (every node of a shared database sees
 * them), end after `idleTimeoutMs` without use, at logout, and when the user's password changes.
 * The last-seen time is written at most once a minute per session, not on every request.
 */
export class Sessions {
  private readonly now: () => number;
  private readonly touchEveryMs: number;

  constructor(
    private readonly store: Store,
    readonly options: SessionOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.touchEveryMs = Math.min(60_000, Math.floor(options.idleTimeoutMs / 10));
  }

  get cookieName(): string {
    return this.options.cookieName;
  }

  async create(userId: string, address: string | null): Promise<{ cookieValue: string; session: Session }> {
    const cookieValue = randomBytes(32).toString('base64url');
    const now = this.now();
    const session = await this.store.sessions.create({ hash: hashOf(cookieValue), userId, createdAt: now, lastSeenAt: now, address });
    return { cookieValue, session };
  }

  /** The live session a cookie names, or null (unknown, ended, or idle too long). */
  async resolve(cookieValue: string): Promise<Session | null> {
    const hash = hashOf(cookieValue);
    const session = await this.store.sessions.get(hash);
    if (!session) return null;
    const now = this.now();
    if (now - session.lastSeenAt > this.options.idleTimeoutMs) {
      await this.store.sessions.delete(hash);
      return null;
    }
    if (now - session.lastSeenAt >= this.touchEveryMs) {
      // Not awaited: the request need not wait for a last-seen time to reach the disk.
      this.store.sessions.touch(hash, now).catch(() => {});
    }
    return session;
  }

  async end(cookieValue: string): Promise<void> {
    await this.store.sessions.delete(hashOf(cookieValue));
  }

  endAllOf(userId: string): Promise<number> {
    return this.store.sessions.deleteForUser(userId);
  }

  pruneIdle(): Promise<number> {
    return this.store.sessions.pruneIdle(this.now() - this.options.idleTimeoutMs);
  }
}

function hashOf(cookieValue: string): string {
  return createHash('sha256').update(cookieValue, 'utf8').digest('hex');
}
