/**
 * The database commands of the command line, which loads this module only when one of them runs
 * (`steward migrate`, `export`, `import`, `key rotate`): they use the stores' SQLite and PostgreSQL code directly.
 */
export { BackupError } from '../backup/backup-error.js';
export { byteSize } from '../backup/progress.js';
export { SchemaTooNewError } from '../store/sql/schema.js';
export { describeDatabase } from './database-name.js';
export { exportHome } from './export.js';
export { importArchive } from './import.js';
export { migrateDatabase } from './migrate-database.js';
export { rotateKey } from './rotate-key.js';
export { RotationRefused } from './rotation-refused.js';
