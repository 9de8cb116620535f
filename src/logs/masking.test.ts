import { describe, expect, it } from 'vitest';
import { Masker } from './masking.js';

function run(secrets: string[], chunks: string[]): { out: string; pieces: string[] } {
  const pieces: string[] = [];
  const masker = new Masker(secrets, (text) => pieces.push(text));
  for (const chunk of chunks) masker.push(Buffer.from(chunk));
  masker.end();
  return { out: pieces.join(''), pieces };
}

describe('Masker', () => {
  it('masks a secret inside one chunk', () => {
    expect(run(['hunter2'], ['password is hunter2, again hunter2\n']).out).toBe('password is ****, again ****\n');
  });

  it('masks a secret split across chunks', () => {
    expect(run(['hunter2'], ['x hun', 'te', 'r2 y\n']).out).toBe('x **** y\n');
  });

  it('passes output on at once when no secret can be starting', () => {
    const { pieces } = run(['hunter2'], ['hello\n', 'world\n']);
    expect(pieces.slice(0, 2)).toEqual(['hello\n', 'world\n']);
  });

  it('releases a held-back tail at the end even when it looked like a secret', () => {
    expect(run(['hunter2'], ['ends with hun']).out).toBe('ends with hun');
  });

  it('masks the longer of overlapping secrets whole', () => {
    expect(run(['abc', 'abcdef'], ['xabcdefx abc\n']).out).toBe('x****x ****\n');
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const bytes = Buffer.from('żółw secret\n');
    const pieces: string[] = [];
    const masker = new Masker(['secret'], (text) => pieces.push(text));
    masker.push(bytes.subarray(0, 1));
    masker.push(bytes.subarray(1));
    masker.end();
    expect(pieces.join('')).toBe('żółw ****\n');
  });

  it('writes through unchanged without secrets', () => {
    expect(run([], ['a', 'b']).pieces).toEqual(['a', 'b', '']);
  });
});
