import type { ColumnType } from './tables.js';

/** A value as a row of the archive holds it (one JSON array per row). */
export type ArchiveValue = number | string | boolean | null;

/**
 * A SQLite value as the archive writes it, for a column of `type`; null when it does not fit (a string
 * in an INTEGER column, a fraction, a 2 in a boolean), which the export reports with the row. SQLite's
 * columns take any value, so nothing less than this check keeps a stray value from failing the import
 * halfway, or being changed on the way.
 */
export function toArchive(type: ColumnType, value: unknown): { value: ArchiveValue } | null {
  if (value === null) return { value: null };
  switch (type) {
    case 'integer':
      return Number.isSafeInteger(value) ? { value: value as number } : null;
    case 'boolean':
      return value === 0 || value === 1 ? { value: value === 1 } : null;
    case 'text':
    case 'json':
      return typeof value === 'string' ? { value } : null;
    case 'blob':
      return Buffer.isBuffer(value) ? { value: value.toString('base64') } : null;
  }
}

/** Whether an archive value is one the export writes for `type` (the import checks every value). */
export function fitsArchive(type: ColumnType, value: unknown): value is ArchiveValue {
  if (value === null) return true;
  switch (type) {
    case 'integer':
      return Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'text':
    case 'json':
    case 'blob':
      return typeof value === 'string';
  }
}

/**
 * An archive value as PostgreSQL takes it into a column whose `information_schema` data_type is
 * `postgresType`: booleans become 1/0 for an integer column, base64 becomes bytes; documents stay the
 * text they were (PostgreSQL parses them for a json or jsonb column).
 */
export function toPostgres(type: ColumnType, value: ArchiveValue, postgresType: string): unknown {
  if (value === null) return null;
  if (type === 'boolean' && postgresType !== 'boolean') return value ? 1 : 0;
  if (type === 'blob') return Buffer.from(value as string, 'base64');
  return value;
}
