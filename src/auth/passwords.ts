import { hash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

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
 * Remembers recent successful verifications, so that a script sending the same password on every
 * request pays for scrypt once, not per request. Entries are keyed by a hash of the stored hash and
 * the password, so a password change invalidates them; they expire after `ttlMs`. Concurrent
 * verifications of the same pair share one scrypt run.
 */
export class PasswordVerifier {
  private readonly verified = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly options: { ttlMs: number; maxEntries: number; now: () => number } = { ttlMs: 10 * 60_000, maxEntries: 10_000, now: Date.now },
  ) {}

  async verify(password: string, stored: string): Promise<boolean> {
    const key = hash('sha256', `${stored}\0${password}`, 'base64url');
    const expires = this.verified.get(key);
    if (expires !== undefined && expires > this.options.now()) return true;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = verifyPassword(password, stored).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const ok = await pending;
    if (ok) this.remember(key);
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
