import { describe, expect, it } from 'vitest';
import { byteRange } from './byte-range.js';

describe('byteRange', () => {
  it('reads one range of bytes, open-ended or from the end', () => {
    expect(byteRange('bytes=0-9', 100)).toEqual({ start: 0, end: 10 });
    expect(byteRange('bytes=90-', 100)).toEqual({ start: 90, end: 100 });
    expect(byteRange('bytes=90-500', 100)).toEqual({ start: 90, end: 100 });
    expect(byteRange('bytes=-10', 100)).toEqual({ start: 90, end: 100 });
    expect(byteRange('bytes=-500', 100)).toEqual({ start: 0, end: 100 });
  });

  it('is unsatisfiable past the end, and ignored when absent, malformed or several', () => {
    expect(byteRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(byteRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(byteRange(undefined, 100)).toBeNull();
    expect(byteRange('bytes=5-1', 100)).toBeNull();
    expect(byteRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(byteRange('items=0-1', 100)).toBeNull();
  });
});
