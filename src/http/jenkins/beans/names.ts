/** Jenkins' display form of a full name: `team » app » deploy`. */
export function fullDisplayName(fullName: string): string {
  return fullName.split('/').join(' » ');
}
