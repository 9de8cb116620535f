import { DomainError } from './errors.js';

/**
 * Jenkins' item name rules (`Jenkins.checkGoodName`), so that every name Jenkins accepts works here
 * and every name it refuses is refused with the same reason, naming the character at fault.
 */
const UNSAFE = new Set('?*/\\%!@#$^&|<>[]:;'.split(''));

export function checkItemName(raw: string | null | undefined): string {
  if (raw === null || raw === undefined || raw.trim() === '') {
    throw new DomainError('name_invalid', 'No name is specified.', 'Give the item a name, e.g. ?name=my-job.').at('name');
  }
  const name = raw.trim();
  if (name === '.' || name === '..') {
    throw new DomainError('name_invalid', `"${name}" is not an allowed name.`, 'Choose another name.').at('name');
  }
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) {
      throw new DomainError(
        'name_invalid',
        `No control code is allowed in a name (found U+${code.toString(16).toUpperCase().padStart(4, '0')}).`,
        'Remove the control character from the name.',
      ).at('name');
    }
    if (UNSAFE.has(ch)) {
      throw new DomainError(
        'name_invalid',
        `"${ch}" is an unsafe character in the name "${name}".`,
        'Names may not contain any of ? * / \\ % ! @ # $ ^ & | < > [ ] : ; (use folders for hierarchy).',
      ).at('name');
    }
  }
  if (name.endsWith('.')) {
    throw new DomainError('name_invalid', `A name cannot end with "." ("${name}").`, 'Remove the trailing dot.').at('name');
  }
  return name;
}

/** Splits a full name such as `team/app/deploy` into its segments; empty segments are ignored. */
export function splitFullName(fullName: string): string[] {
  return fullName.split('/').filter((part) => part !== '');
}

export function joinFullName(parentFullName: string | null, name: string): string {
  return parentFullName ? `${parentFullName}/${name}` : name;
}

/** The key under which names are unique: Jenkins looks items up ignoring case. */
export function nameKey(fullName: string): string {
  return fullName.toLowerCase();
}
