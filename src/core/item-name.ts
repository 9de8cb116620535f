import { DomainError } from './errors.js';

/**
 * Jenkins' item name rules (`Jenkins.checkGoodName`), so that every name Jenkins accepts works here
 * and every name it refuses is refused with the same reason, naming the character at fault.
 */
const UNSAFE = new Set('?*/\\%!@#$^&|<>[]:;'.split(''));

/**
 * The longest name, in UTF-8 bytes. A name is a directory on the server's disk (the workspace, and
 * beside it `NAME@tmp`, `NAME@2`, `NAME@2@tmp` …), and a file name holds at most 255 bytes: a longer
 * name would be created and then fail every build. Jenkins has the same limit through its `jobs/NAME`.
 */
export const MAX_NAME_BYTES = 200;

function utf8Length(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

export function checkItemName(raw: string | null | undefined): string {
  if (raw === null || raw === undefined || raw.trim() === '') {
    throw new DomainError('name_invalid', 'No name is specified.', 'Give the item a name, e.g. ?name=my-job.').at('name').with({ rule: 'empty' });
  }
  const name = raw.trim();
  if (name === '.' || name === '..') {
    throw new DomainError('name_invalid', `"${name}" is not an allowed name.`, 'Choose another name.').at('name').with({ rule: 'dot', name });
  }
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) {
      throw new DomainError(
        'name_invalid',
        `No control code is allowed in a name (found U+${code.toString(16).toUpperCase().padStart(4, '0')}).`,
        'Remove the control character from the name.',
      ).at('name').with({ rule: 'control', name });
    }
    if (UNSAFE.has(ch)) {
      throw new DomainError(
        'name_invalid',
        `"${ch}" is an unsafe character in the name "${name}".`,
        'Names may not contain any of ? * / \\ % ! @ # $ ^ & | < > [ ] : ; (use folders for hierarchy).',
      ).at('name').with({ rule: 'unsafe', character: ch, name });
    }
  }
  if (name.endsWith('.')) {
    throw new DomainError('name_invalid', `A name cannot end with "." ("${name}").`, 'Remove the trailing dot.').at('name').with({ rule: 'trailing_dot', name });
  }
  if (utf8Length(name) > MAX_NAME_BYTES) {
    throw new DomainError(
      'name_invalid',
      `A name may be at most ${MAX_NAME_BYTES} bytes long in UTF-8 (this one is ${utf8Length(name)}).`,
      "Choose a shorter name: it names the item's directories on the server (a file name holds at most 255 bytes), and folders give structure.",
    ).at('name');
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
