import { nameKey } from '../../core/item-name.js';

/** A LIKE pattern (escaped with `\\`) matching the name keys of everything below a folder. */
export function keysBelow(folderFullName: string): string {
  return `${nameKey(folderFullName).replace(/[\\%_]/g, (ch) => `\\${ch}`)}/%`;
}
