/**
 * A PostgreSQL address as messages show it: without its password and parameters
 * (`postgres://steward@db.example.com:5432/steward`).
 */
export function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    return 'the database';
  }
}
