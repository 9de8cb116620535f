/**
 * What `steward export` carries from a SQLite home to `steward import` into PostgreSQL, table by table:
 * the one place that knows how the two schemas (store/sqlite/migrations/*.sql and
 * store/postgres/migrations/*.sql) correspond. Every table and column of either schema is either carried
 * here or named below with the reason it is not; `tables.test.ts` migrates both and fails on anything
 * else, so a future migration cannot be left out of the move unnoticed.
 */

/**
 * How a carried column's values are written in the archive and converted at each end (`values.ts`):
 * - `integer`: SQLite INTEGER, PostgreSQL bigint/integer; a number in the archive.
 * - `text`: SQLite TEXT, PostgreSQL text; a string.
 * - `json`: a JSON document kept as text (SQLite TEXT; PostgreSQL text, json or jsonb); carried as the
 *   same string, byte for byte, never parsed and written again.
 * - `boolean`: SQLite INTEGER 0 or 1; PostgreSQL boolean or an integer type; true/false in the archive.
 * - `blob`: SQLite BLOB, PostgreSQL bytea; base64 in the archive.
 */
export type ColumnType = 'integer' | 'text' | 'json' | 'boolean' | 'blob';

export interface LeftOut {
  /** The schema the column is in: one of the two, or both (then its value is worked out again on import). */
  readonly in: 'sqlite' | 'postgres' | 'both';
  readonly why: string;
}

export interface TableTransfer {
  readonly name: string;
  /** The carried columns, in the order of the archive's rows, with their types. */
  readonly columns: Readonly<Record<string, ColumnType>>;
  /** The export's order: parents before the rows that refer to them (PostgreSQL checks references at once). */
  readonly order: string;
  /** The identity column whose PostgreSQL sequence must continue after the imported ids (and after SQLite's AUTOINCREMENT counter). */
  readonly sequence?: string;
  /** Columns not carried, each with the reason. */
  readonly leftOut?: Readonly<Record<string, LeftOut>>;
  /** Statements run on PostgreSQL after every row is in, for the columns left out of both schemas. */
  readonly afterImport?: readonly string[];
}

/** In import order: a table comes after every table it refers to. */
export const TABLES: readonly TableTransfer[] = [
  {
    name: 'items',
    columns: {
      id: 'integer',
      parent_id: 'integer',
      kind: 'text',
      name: 'text',
      full_name: 'text',
      full_name_key: 'text',
      settings: 'json',
      source_config: 'text',
      timer_next_at: 'integer',
      poll_next_at: 'integer',
      next_build_number: 'integer',
      ancestor_ids: 'json',
      created_at: 'integer',
      updated_at: 'integer',
    },
    // A folder is created before the items in it, and ids only grow.
    order: 'id',
    sequence: 'id',
    leftOut: {
      build_count: { in: 'both', why: 'kept by a trigger as builds come and go: counted again from the imported builds' },
      waiting_count: { in: 'sqlite', why: "SQLite's count of a job's waiting items, kept by triggers; PostgreSQL counts them when asked" },
    },
    afterImport: ['UPDATE items SET build_count = counted.builds FROM (SELECT job_id, COUNT(*) AS builds FROM builds GROUP BY job_id) AS counted WHERE items.id = counted.job_id'],
  },
  {
    name: 'queue_items',
    columns: { id: 'integer', job_id: 'integer', state: 'text', queued_at: 'integer', due_at: 'integer', parameters: 'json', parameters_key: 'text', build_number: 'integer', left_at: 'integer' },
    order: 'id',
    sequence: 'id',
  },
  {
    name: 'queue_causes',
    columns: { queue_id: 'integer', position: 'integer', cause: 'json', count: 'integer' },
    order: 'queue_id, position',
  },
  {
    name: 'builds',
    columns: {
      job_id: 'integer',
      number: 'integer',
      queue_id: 'integer',
      state: 'text',
      result: 'text',
      started_at: 'integer',
      duration_ms: 'integer',
      parameters: 'json',
      executor: 'integer',
      node: 'text',
      interruption: 'json',
      process_group: 'integer',
      server: 'text',
      lease_until: 'integer',
      exclusive: 'boolean',
      stop_request: 'json',
    },
    order: 'job_id, number',
  },
  {
    name: 'build_scm',
    columns: { job_id: 'integer', number: 'integer', sha: 'text', branch: 'text', remote_url: 'text', changes: 'json', changes_truncated: 'boolean' },
    order: 'job_id, number',
  },
  {
    // Resolved from the jobs' names when each was saved (a later rename keeps the ids): carried, not worked out again.
    name: 'job_edges',
    columns: { owner_id: 'integer', upstream_id: 'integer', downstream_id: 'integer', threshold: 'text' },
    order: 'owner_id, upstream_id, downstream_id',
  },
  {
    name: 'users',
    columns: { id: 'text', id_key: 'text', full_name: 'text', password_hash: 'text', groups: 'json', created_at: 'integer' },
    order: 'id_key',
  },
  {
    name: 'api_tokens',
    columns: {
      uuid: 'text',
      user_key: 'text',
      name: 'text',
      hash: 'text',
      created_at: 'integer',
      expires_at: 'integer',
      revoked_at: 'integer',
      last_used_at: 'integer',
      last_used_address: 'text',
      use_count: 'integer',
    },
    order: 'uuid',
  },
  {
    name: 'sessions',
    columns: { hash: 'text', user_key: 'text', created_at: 'integer', last_seen_at: 'integer', address: 'text' },
    order: 'hash',
  },
  {
    name: 'security_settings',
    columns: { key: 'text', value: 'json' },
    order: 'key',
  },
  {
    name: 'security_grants',
    columns: { item_id: 'integer', sid: 'text', permission: 'text' },
    order: 'rowid',
    leftOut: { id: { in: 'postgres', why: 'PostgreSQL numbers grants itself (SQLite uses its rowid); nothing refers to it' } },
  },
  {
    name: 'audit_events',
    columns: {
      id: 'integer',
      at: 'integer',
      request_id: 'text',
      action: 'text',
      outcome: 'text',
      reason: 'text',
      actor: 'text',
      credential: 'text',
      address: 'text',
      item: 'text',
      queue_id: 'integer',
      detail: 'json',
      count: 'integer',
    },
    order: 'id',
    sequence: 'id',
  },
  {
    name: 'trigger_tokens',
    columns: {
      uuid: 'text',
      name: 'text',
      hash: 'text',
      item_ids: 'json',
      created_by: 'text',
      created_at: 'integer',
      expires_at: 'integer',
      revoked_at: 'integer',
      allowed_networks: 'json',
      can_cancel: 'boolean',
      last_used_at: 'integer',
      last_used_address: 'text',
      use_count: 'integer',
    },
    order: 'uuid',
  },
  {
    name: 'idempotency_keys',
    columns: { credential: 'text', key: 'text', fingerprint: 'text', queue_id: 'integer', created: 'boolean', at: 'integer' },
    order: 'credential, key',
  },
  {
    name: 'webhooks',
    columns: { name: 'text', name_key: 'text', kind: 'text', stored_secret: 'text', definition: 'json', created_by: 'text', created_at: 'integer' },
    order: 'name_key',
  },
  {
    name: 'scm_polls',
    columns: { job_id: 'integer', heads: 'json', log: 'text', polled_at: 'integer' },
    order: 'job_id',
  },
  {
    name: 'job_repositories',
    columns: { repository_key: 'text', job_id: 'integer' },
    order: 'repository_key, job_id',
  },
  {
    // After items: a folder's credentials refer to it.
    name: 'credentials',
    columns: {
      store_key: 'integer',
      folder_id: 'integer',
      id: 'text',
      kind: 'text',
      description: 'text',
      username: 'text',
      file_name: 'text',
      sealed_secret: 'text',
      created_at: 'integer',
      updated_at: 'integer',
    },
    order: 'store_key, id',
  },
  {
    name: 'views',
    columns: { id: 'integer', parent_id: 'integer', name: 'text', name_key: 'text', settings: 'json', source_config: 'text', created_at: 'integer', updated_at: 'integer' },
    order: 'id',
    sequence: 'id',
  },
  {
    name: 'nodes',
    columns: {
      name: 'text',
      name_key: 'text',
      description: 'text',
      labels: 'json',
      executors: 'integer',
      offline_message: 'text',
      secret: 'text',
      previous_secret: 'text',
      previous_until: 'integer',
      created_at: 'integer',
      last_seen_at: 'integer',
    },
    order: 'name_key',
  },
];

/** Tables of either schema that are bookkeeping of the database itself, not Steward's data. */
export const NOT_CARRIED_TABLES: Readonly<Record<string, LeftOut>> = {
  schema_migrations: { in: 'both', why: "each database's own record of its migrations (steward import migrates PostgreSQL first)" },
  log_chunks: { in: 'postgres', why: "the console logs: carried as the archive's logs/ entries, which importLog stores as chunks" },
  rate_windows: { in: 'postgres', why: "the rate limits' counts of the last minutes (SQLite keeps them in the server's memory): they start empty" },
  periodic_tasks: { in: 'both', why: 'when periodic work (pruning, reaping) last ran on some server: it runs again soon after the start' },
  sqlite_sequence: { in: 'sqlite', why: "SQLite's AUTOINCREMENT counters: carried as the manifest's sequences, which the import gives PostgreSQL's sequences" },
};

/** A table's carried column names, in the archive's order. */
export function columnsOf(table: TableTransfer): string[] {
  return Object.keys(table.columns);
}

/** The columns a table has in one schema and does not carry (the carried ones are in both). */
export function leftOutIn(table: TableTransfer, schema: 'sqlite' | 'postgres'): string[] {
  return Object.entries(table.leftOut ?? {})
    .filter(([, left]) => left.in === schema || left.in === 'both')
    .map(([column]) => column);
}

/** Types a column of each schema may have for a carried type (SQLite's declared type; PostgreSQL's `information_schema` data_type). */
export const COMPATIBLE_TYPES: Readonly<Record<ColumnType, { readonly sqlite: readonly string[]; readonly postgres: readonly string[] }>> = {
  integer: { sqlite: ['INTEGER'], postgres: ['bigint', 'integer', 'smallint'] },
  text: { sqlite: ['TEXT'], postgres: ['text', 'character varying'] },
  json: { sqlite: ['TEXT'], postgres: ['text', 'json', 'jsonb'] },
  boolean: { sqlite: ['INTEGER'], postgres: ['boolean', 'integer', 'smallint', 'bigint'] },
  blob: { sqlite: ['BLOB'], postgres: ['bytea'] },
};
