import type { Database } from 'better-sqlite3';
import type pg from 'pg';
import { COMPATIBLE_TYPES, leftOutIn, NOT_CARRIED_TABLES, TABLES } from './tables.js';

/** A database's tables and their columns, each with its type (SQLite's declared type, PostgreSQL's data_type). */
export type SchemaColumns = Map<string, Map<string, string>>;

/** The tables and columns of a SQLite database, as its migrations made them. */
export function sqliteColumns(db: Database): SchemaColumns {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((row) => row.name);
  const schema: SchemaColumns = new Map();
  for (const table of tables) {
    const columns = db.prepare(`PRAGMA table_info(${JSON.stringify(table)})`).all() as Array<{ name: string; type: string }>;
    schema.set(table, new Map(columns.map((column) => [column.name, column.type.toUpperCase()])));
  }
  return schema;
}

/** The tables and columns of the first schema of the connection's search_path (where Steward's migrations create them). */
export async function postgresColumns(client: pg.ClientBase): Promise<SchemaColumns> {
  const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position`,
  );
  const schema: SchemaColumns = new Map();
  for (const row of rows) {
    const columns = schema.get(row.table_name) ?? new Map<string, string>();
    columns.set(row.column_name, row.data_type);
    schema.set(row.table_name, columns);
  }
  return schema;
}

/**
 * What in a database's schema the move does not account for (tables.ts), as sentences: a table or
 * column that is neither carried nor named as left out, one that is carried but missing, a type the
 * carried type does not fit. Empty when the move carries everything.
 */
export function schemaProblems(schema: SchemaColumns, backend: 'sqlite' | 'postgres'): string[] {
  const name = backend === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const problems: string[] = [];
  const known = new Set(TABLES.map((table) => table.name));
  for (const table of schema.keys()) {
    const bookkeeping = NOT_CARRIED_TABLES[table];
    if (known.has(table)) continue;
    if (bookkeeping && (bookkeeping.in === backend || bookkeeping.in === 'both')) continue;
    problems.push(`${name} has a table ${table} that export and import do not carry`);
  }
  for (const table of TABLES) {
    const columns = schema.get(table.name);
    if (!columns) {
      problems.push(`${name} has no table ${table.name}, which export and import carry`);
      continue;
    }
    const leftOut = new Set(leftOutIn(table, backend));
    for (const [column, type] of Object.entries(table.columns)) {
      const actual = columns.get(column);
      if (actual === undefined) problems.push(`${name}'s table ${table.name} has no column ${column}, which export and import carry`);
      else if (!COMPATIBLE_TYPES[type][backend].includes(actual)) problems.push(`${name}'s column ${table.name}.${column} is ${actual}, which a carried ${type} does not fit`);
    }
    for (const column of leftOut) if (!columns.has(column)) problems.push(`${name}'s table ${table.name} has no column ${column}, which tables.ts says is left out of it`);
    for (const column of columns.keys()) {
      if (!(column in table.columns) && !leftOut.has(column)) problems.push(`${name}'s table ${table.name} has a column ${column} that export and import do not carry`);
    }
  }
  return problems;
}
