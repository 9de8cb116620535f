import { readdirSync } from 'node:fs';

/**
 * A database whose schema is newer than this build knows: an older Steward started on the database of
 * a newer one. It would misread what it does not know, so it refuses to start.
 */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  constructor(
    readonly schema: number,
    readonly known: number,
  ) {
    super(
      `This database was written by a newer Steward (schema ${schema}, this version knows up to ${known}); a downgrade is not supported: restore a backup taken before the upgrade or run the newer version.`,
    );
  }
}

/** What a migration run found and did: the schema version before and after, and the migrations it applied. */
export interface MigrationOutcome {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly number[];
}

/** A backend's numbered migration files (`0001_init.sql`…) in a directory, in order. */
export function migrationFiles(directory: URL): Array<{ version: number; file: string }> {
  return readdirSync(directory)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 4)), file }));
}

/** The number of a backend's last migration: the schema version its code brings a database to. */
export function latestVersion(directory: URL): number {
  return Math.max(0, ...migrationFiles(directory).map(({ version }) => version));
}

/**
 * The migrations of `directory` that a database which has seen `applied` still needs, in order.
 * Throws `SchemaTooNewError`, before anything changes, for a database that has seen a migration this
 * build does not have.
 */
export function pendingMigrations(directory: URL, applied: ReadonlySet<number>): Array<{ version: number; file: string }> {
  const known = latestVersion(directory);
  const schema = Math.max(0, ...applied);
  if (schema > known) throw new SchemaTooNewError(schema, known);
  return migrationFiles(directory).filter(({ version }) => !applied.has(version));
}
