import { hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Server-generated secrets (API tokens, later trigger tokens): a recognisable prefix, 32 base62
 * characters from 190 random bits, and a 6-character checksum, e.g. `stwu_4tQ…9aB_Xk2p0w`. The
 * prefix and checksum let secret scanners find leaked tokens and tell them from random text
 * without asking the server. Only the SHA-256 of a token is stored.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 32;
const CHECKSUM_LENGTH = 6;

export const API_TOKEN_PREFIX = 'stwu_';

function base62(bytes: Buffer, length: number): string {
  let value = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out;
}

function checksum(prefixAndBody: string): string {
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(prefixAndBody));
  return base62(sum, CHECKSUM_LENGTH);
}

/** A new token: `bytes` random bytes (24 by default) as base62, between the prefix and the checksum. */
export function newSecretToken(prefix: string, bytes = 24): string {
  const body = base62(randomBytes(bytes), bodyLength(bytes));
  return `${prefix}${body}_${checksum(prefix + body)}`;
}

/** Base62 characters enough for `bytes` random bytes (32 for 24 bytes, 43 for 32). */
export function bodyLength(bytes: number): number {
  return bytes === 24 ? BODY_LENGTH : Math.ceil((bytes * 8) / Math.log2(62));
}

/**
 * Whether a value has the shape of a token with this prefix. The checksum is for scanners; the
 * server needs only the shape, since the stored hash decides.
 */
export function looksLikeToken(prefix: string, value: string, bytes = 24): boolean {
  const length = bodyLength(bytes);
  return value.length === prefix.length + length + 1 + CHECKSUM_LENGTH && value.startsWith(prefix) && value.charCodeAt(prefix.length + length) === 95;
}

/** Whether a token's checksum matches its body (what a secret scanner checks). */
export function hasValidChecksum(prefix: string, value: string, bytes = 24): boolean {
  if (!looksLikeToken(prefix, value, bytes)) return false;
  const body = value.slice(prefix.length, prefix.length + bodyLength(bytes));
  return /^[0-9A-Za-z]+$/.test(body) && value.slice(-CHECKSUM_LENGTH) === checksum(prefix + body);
}

/** The only form in which a token is stored and looked up. */
export function tokenHash(value: string): string {
  return hash('sha256', value, 'hex');
}
