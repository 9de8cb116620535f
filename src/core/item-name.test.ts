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

  it('refuses a name longer than a directory name may be, counting UTF-8 bytes', () => {
    expect(checkItemName('n'.repeat(200))).toBe('n'.repeat(200));
    expect(() => checkItemName('n'.repeat(201))).toThrow('A name may be at most 200 bytes long in UTF-8 (this one is 201).');
    expect(checkItemName('é'.repeat(100))).toBe('é'.repeat(100));
    expect(() => checkItemName('名'.repeat(67))).toThrow(/this one is 201/);
  });

  it('refuses every unsafe character', () => {
    for (const character of '?*/\\%!@#$^&|<>[]:;') expect(() => checkItemName(`a${character}b`), character).toThrow(/unsafe character/);
  });
});
