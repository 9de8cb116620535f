import { describe, expect, it } from 'vitest';
import { isDomainError } from '../core/errors.js';
import { parseDelay } from './delay.js';

describe('parseDelay', () => {
  it.each([
    [undefined, null],
    ['10sec', 10_000],
    ['10secs', 10_000],
    [' 10 sec ', 10_000],
    ['0sec', 0],
    ['10', 10],
    ['0', 0],
    ['500ms', 500],
    ['10s', 10_000],
    ['2min', 120_000],
    ['1h', 3_600_000],
    ['1.5min', 90_000],
    ['-5sec', 0],
  ])('%j → %j ms', (text, ms) => {
    expect(parseDelay(text)).toBe(ms);
  });

  it.each(['abc', '10 parsecs', '', 'sec', '31d'])('refuses %j', (text) => {
    try {
      parseDelay(text);
      throw new Error('accepted');
    } catch (error) {
      expect(isDomainError(error, 'delay_invalid')).toBe(true);
    }
  });
});
