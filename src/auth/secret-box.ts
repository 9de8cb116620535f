import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RemoteTokenDigest } from '../core/item.js';

const PREFIX = '{steward:v1:';
const SUFFIX = '}';

/**
 * Keeps secrets at rest. `seal` encrypts a value the server must be able to use again (a password
 * parameter's value) with AES-256-GCM; `digest` keys a one-way hash of a value the server only has to
 * recognise (a job's trigger token). Both use keys derived from the server's master key, which lives
 * in `HOME/secrets/` and never in the database, so a copy of the database alone reveals neither.
 */
export class SecretBox {
  private readonly encryptionKey: Buffer;
  private readonly digestKey: Buffer;

  constructor(private readonly masterKey: Buffer) {
    if (masterKey.length < 32) throw new Error('The master key must be at least 32 bytes.');
    this.encryptionKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'steward seal v1', 32));
    this.digestKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'steward digest v1', 32));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url') + SUFFIX;
  }

  /** Returns the plaintext, or null when the value was not sealed by this server's key. */
  unseal(sealed: string): string | null {
    if (!isSealed(sealed)) return null;
    const raw = Buffer.from(sealed.slice(PREFIX.length, -SUFFIX.length), 'base64url');
    if (raw.length < 28) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  /** A key for another purpose (crumbs, cookies), derived from the master key. */
  derive(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.masterKey, Buffer.alloc(0), `steward ${purpose} v1`, 32));
  }

  digest(value: string): string {
    return createHmac('sha256', this.digestKey).update(value, 'utf8').digest('base64url');
  }

  /** Compares a presented value with a stored digest in constant time. */
  matches(value: string, storedDigest: string): boolean {
    const actual = Buffer.from(this.digest(value));
    const expected = Buffer.from(storedDigest);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX) && value.endsWith(SUFFIX);
}

/**
 * A job's trigger token as stored, from the keyed digest of the value sent: the current one when the
 * value is unchanged, else a new random handle (which names the token in documents without revealing it).
 */
export function remoteTokenFor(digest: string, current: RemoteTokenDigest | null): RemoteTokenDigest {
  return current && current.digest === digest ? current : { handle: randomBytes(6).toString('hex'), digest };
}
