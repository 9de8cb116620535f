import { describe, expect, it } from 'vitest';
import { isDomainError } from './errors.js';
import { checkItemName } from './item-name.js';

describe('checkItemName', () => {
  it('trims and accepts what Jenkins accepts', () => {
    expect(checkItemName('  deploy prod (eu) ü+=,~\'"  ')).toBe('deploy prod (eu) ü+=,~\'"');
    expect(checkItemName('a.b')).toBe('a.b');
  });

  it.each([
    ['', 'No name is specified.'],
    ['   ', 'No name is specified.'],
    ['.', '"." is not an allowed name.'],
    ['..', '".." is not an allowed name.'],
    ['name.', 'A name cannot end with "." ("name.").'],
    ['tab\there', 'No control code is allowed in a name (found U+0009).'],
    ['a/b', '"/" is an unsafe character in the name "a/b".'],
    ['x?', '"?" is an unsafe character in the name "x?".'],
  ])('refuses %j: %s', (name, message) => {
    try {
      checkItemName(name);
      throw new Error('accepted');
    } catch (error) {
      expect(isDomainError(error, 'name_invalid')).toBe(true);
      expect((error as Error).message).toBe(message);
    }
  });

  it('refuses every unsafe character', () => {
    for (const character of '?*/\\%!@#$^&|<>[]:;') expect(() => checkItemName(`a${character}b`), character).toThrow(/unsafe character/);
  });
});
