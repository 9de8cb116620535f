import { hash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { HashQueue } from './hash-queue.js';
import type { Reservation } from './rate-limits.js';

/**
 * Password hashing with scrypt (memory-hard): N=2^15, r=8, p=1, a 16-byte salt and a 32-byte key,
 * stored as `scrypt$N$r$p$salt$key` (base64url), so parameters can be raised later without
 * invalidating stored hashes.
 */
const N = 1 << 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: MAX_MEMORY }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A stored hash no password is known to match, with today's parameters: a user who does not exist is
 * checked against it, so that the answer takes as long as for one who does.
 */
export const DUMMY_HASH = ['scrypt', N, R, P, randomBytes(16).toString('base64url'), randomBytes(KEY_LENGTH).toString('base64url')].join('$');

/** What a password check needs from the request it serves. */
export interface PasswordAttempt {
  /** Whose turn it is in the hash queue: hashes are shared fairly between client addresses. */
  readonly key: string;
  /** Counts a failure of this client in advance; rejects with `too_many_failures` when it may not try now. */
  reserve(): Promise<Reservation>;
}

/** For checks no client makes (the configuration file at start): nothing is counted. */
export const UNCOUNTED: PasswordAttempt = { key: '(server)', reserve: async () => ({ keep: async () => {}, refund: async () => {} }) };

/**
 * Checks passwords against stored hashes, paying for scrypt as rarely as possible and never for more
 * guesses than a client may make:
 *
 * - a pair of user and password verified in the last `ttlMs` passes at once (a script sending the same
 *   password on every request pays for scrypt once), keyed by a hash of the user, the stored hash and
 *   the password, so a password change invalidates it;
 * - a pair being checked for another request shares that check and reserves nothing, so a script
 *   sending many requests at once with the right password is not locked out; if the check fails, the
 *   failure counts for each request that shared it; if it was never made (its own request was over
 *   the limit, or the queue was too busy), each request that shared it tries for itself;
 * - any other check reserves a failure first (parallel guesses count) and runs in the hash queue; the
 *   failure is refunded when the password is right or the queue was too busy to check it.
 */
export class PasswordVerifier {
  private readonly verified = new Map<string, number>();
  /** Checks running, by pair: their outcome, or null when one could not be made. */
  private readonly inFlight = new Map<string, Promise<boolean | null>>();

  constructor(
    private readonly hashing: HashQueue,
    private readonly options: { ttlMs: number; maxEntries: number; now: () => number } = { ttlMs: 10 * 60_000, maxEntries: 10_000, now: Date.now },
  ) {}

  async verify(userId: string, password: string, stored: string, attempt: PasswordAttempt): Promise<boolean> {
    const key = hash('sha256', `${userId}\0${stored}\0${password}`, 'base64url');
    const expires = this.verified.get(key);
    if (expires !== undefined && expires > this.options.now()) return true;
    const shared = this.inFlight.get(key);
    if (shared) {
      const ok = await shared;
      // The request that started it could not reserve or check: this one tries for itself.
      if (ok === null) return this.verify(userId, password, stored, attempt);
      if (!ok) await (await attempt.reserve()).keep();
      return ok;
    }
    const check = this.reserveAndCheck(password, stored, attempt);
    this.inFlight.set(key, check.then((ok) => ok, () => null));
    try {
      const ok = await check;
      if (ok) this.remember(key);
      return ok;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Reserves the client's failure, checks the password in the hash queue, and settles the reservation by the outcome. */
  private async reserveAndCheck(password: string, stored: string, attempt: PasswordAttempt): Promise<boolean> {
    const reservation = await attempt.reserve();
    let ok: boolean;
    try {
      ok = await this.hashing.run(attempt.key, () => verifyPassword(password, stored));
    } catch (error) {
      await reservation.refund().catch(() => {}); // the error that brought us here is the one to report
      throw error;
    }
    await (ok ? reservation.refund() : reservation.keep());
    return ok;
  }

  private remember(key: string): void {
    if (this.verified.size >= this.options.maxEntries) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.delete(key);
    this.verified.set(key, this.options.now() + this.options.ttlMs);
  }
}

/** A random password people can type: 24 base64url characters (144 bits). */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}
