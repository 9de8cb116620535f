import type pg from 'pg';
import { asStorageRefusal } from './storage-errors.js';

/** Names of the statements prepared on each connection, by their text: each is parsed once per connection. */
const names = new Map<string, string>();

function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `steward_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Statements on the pool (reads) or on one transaction's connection (writes). Each statement is
 * prepared once per connection; errors that mean the database cannot be reached become the
 * `storage_unavailable` refusal (storage-errors.ts).
 */
export class Sql {
  /** Row locks this transaction holds (see job-lock.ts), so that a batch takes each only once. */
  readonly locks = new Set<string>();

  constructor(private readonly target: pg.Pool | pg.PoolClient) {}

  async rows<Row>(text: string, values: readonly unknown[] = []): Promise<Row[]> {
    return (await this.result<Row>(text, values)).rows;
  }

  async one<Row>(text: string, values: readonly unknown[] = []): Promise<Row | undefined> {
    return (await this.result<Row>(text, values)).rows[0];
  }

  /** Runs a statement; resolves with how many rows it changed. */
  async run(text: string, values: readonly unknown[] = []): Promise<number> {
    return (await this.result(text, values)).rowCount ?? 0;
  }

  private async result<Row>(text: string, values: readonly unknown[]): Promise<pg.QueryResult<Row & pg.QueryResultRow>> {
    try {
      return await this.target.query<Row & pg.QueryResultRow>({ name: statementName(text), text, values: values as unknown[] });
    } catch (error) {
      throw asStorageRefusal(error);
    }
  }
}

/** Whether an error is PostgreSQL's unique violation (23505). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}
