import { describe, expect, it } from 'vitest';
import { API_TOKEN_PREFIX, hasValidChecksum, looksLikeToken, newSecretToken, tokenHash } from './secret-token.js';

describe('secret tokens', () => {
  it('carry the prefix, 32 base62 characters (190 random bits) and a checksum a scanner can verify', () => {
    const tokens = Array.from({ length: 200 }, () => newSecretToken(API_TOKEN_PREFIX));
    for (const token of tokens) {
      expect(token).toMatch(/^stwu_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
      expect(looksLikeToken(API_TOKEN_PREFIX, token)).toBe(true);
      expect(hasValidChecksum(API_TOKEN_PREFIX, token)).toBe(true);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('tell a token with one changed character from a real one by the checksum', () => {
    const token = newSecretToken(API_TOKEN_PREFIX);
    const body = token.slice(5, 37);
    const changed = `stwu_${body[0] === 'a' ? 'b' : 'a'}${body.slice(1)}${token.slice(37)}`;
    expect(looksLikeToken(API_TOKEN_PREFIX, changed)).toBe(true);
    expect(hasValidChecksum(API_TOKEN_PREFIX, changed)).toBe(false);
    expect(looksLikeToken(API_TOKEN_PREFIX, 'a password people type')).toBe(false);
    expect(looksLikeToken('stwt_', token)).toBe(false);
  });

  it('are stored as a SHA-256 hex digest', () => {
    expect(tokenHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
