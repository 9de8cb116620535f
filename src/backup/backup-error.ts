/**
 * Why a backup or a restore (or an export, an import or a migration, database/) did not happen, as one
 * sentence for the person who ran it:
 * - `not_found`: the home's database or the archive is not there;
 * - `refused`: not possible now (a non-empty home or database, a server running on it, an archive from a newer Steward);
 * - `corrupt`: the archive is damaged or not a Steward backup (or export).
 * The command line maps each kind to an exit code.
 */
export class BackupError extends Error {
  override readonly name = 'BackupError';

  constructor(
    readonly kind: 'not_found' | 'refused' | 'corrupt',
    message: string,
    readonly hint: string | null = null,
  ) {
    super(message);
  }
}
