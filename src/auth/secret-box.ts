import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RemoteTokenDigest } from '../core/item.js';

const PREFIX = '{steward:v1:';
const SUFFIX = '}';
/** The fewest bytes a master key has (AES-256 and HMAC-SHA-256 keys are derived from it). */
export const MIN_KEY_BYTES = 32;

/**
 * Keeps secrets at rest. `seal` encrypts a value the server must be able to use again (a password
 * parameter's value) with AES-256-GCM; `digest` keys a one-way hash of a value the server only has to
 * recognise (a job's trigger token). Both use keys derived from the server's master key, which lives
 * in `HOME/secrets/` and never in the database, so a copy of the database alone reveals neither.
 *
 * The digest key is derived from the master key until the master key is first rotated (`steward key
 * rotate`): digests cannot be made again without the values they were made of, so from then on the
 * digest key is carried in the database, sealed with the current master key (`sealedDigestKey`).
 */
export class SecretBox {
  private readonly encryptionKey: Buffer;
  private readonly digestKey: Buffer;

  /** Throws `WrongKeyError` when `sealedDigestKey` was sealed with another master key. */
  constructor(
    private readonly masterKey: Buffer,
    sealedDigestKey: string | null = null,
  ) {
    if (masterKey.length < MIN_KEY_BYTES) throw new Error(`The master key must be at least ${MIN_KEY_BYTES} bytes.`);
    this.encryptionKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'steward seal v1', 32));
    this.digestKey = sealedDigestKey === null ? derivedDigestKey(masterKey) : this.openDigestKey(sealedDigestKey);
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

  /** This box's digest key sealed by `next` (the box of a new master key), for the database to carry. */
  sealDigestKeyFor(next: SecretBox): string {
    return next.seal(this.digestKey.toString('base64'));
  }

  private openDigestKey(sealed: string): Buffer {
    const text = this.unseal(sealed);
    if (text === null) throw new WrongKeyError();
    return Buffer.from(text, 'base64');
  }
}

/** The master key given does not open what the database holds. */
export class WrongKeyError extends Error {
  constructor() {
    super("The master key does not open the database's digest key.");
    this.name = 'WrongKeyError';
  }
}

function derivedDigestKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'steward digest v1', 32));
}

/**
 * The value a database keeps of the master key its secrets are sealed with (`SecurityStore.keyCheck`):
 * a keyed digest made with the key's own derived digest key, never the carried one, so that it names
 * the master key itself. It reveals nothing of the key.
 */
export function keyCheckOf(masterKey: Buffer): string {
  return createHmac('sha256', derivedDigestKey(masterKey)).update('steward key check', 'utf8').digest('base64url');
}

/** A new master key: random bytes, as many as a key needs. */
export function newMasterKey(): Buffer {
  return randomBytes(MIN_KEY_BYTES);
}

/** A master key from the text of its file (base64), or null when the text holds none. */
export function masterKeyFromText(text: string): Buffer | null {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  return key.length >= MIN_KEY_BYTES && /^[A-Za-z0-9+/=\s]+$/.test(trimmed) ? key : null;
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX) && value.endsWith(SUFFIX);
}

/** Every sealed value a text holds (a document may hold several), in order. */
export function sealedValuesIn(text: string): string[] {
  return [...text.matchAll(/\{steward:v1:[A-Za-z0-9_-]+\}/g)].map((match) => match[0]);
}

/** What every text holding a sealed value contains (for a database's LIKE). */
export const SEALED_MARK = PREFIX;

/**
 * A job's trigger token as stored, from the keyed digest of the value sent: the current one when the
 * value is unchanged, else a new random handle (which names the token in documents without revealing it).
 */
export function remoteTokenFor(digest: string, current: RemoteTokenDigest | null): RemoteTokenDigest {
  return current && current.digest === digest ? current : { handle: randomBytes(6).toString('hex'), digest };
}
