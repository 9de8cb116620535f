import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { Accounts } from './accounts.js';

/** The user Steward creates on first start. */
export const INITIAL_ADMIN = 'admin';

/**
 * The password Steward generated for `admin` on first start, which it keeps in
 * `HOME/secrets/initialAdminPassword` for the person who started it. It is in use while that file
 * exists and `admin` still has that password: the sign-in page then says where to find it, and pages
 * suggest changing it. When `admin`'s password changes (or `admin` is deleted) the file holds nobody's
 * password any more, so Steward removes it rather than leave an old password lying around.
 */
export class InitialPassword {
  private constructor(
    readonly path: string,
    private holder: string | null,
  ) {}

  /**
   * Reads the state at start: the file, checked once against `admin`'s password (one hash), since the
   * password may have changed while Steward did not watch (before this check existed, or offline).
   */
  static async load(path: string, accounts: Accounts): Promise<InitialPassword> {
    if (!existsSync(path)) return new InitialPassword(path, null);
    const password = readFileSync(path, 'utf8').trim();
    const holds = password !== '' && (await accounts.checkPassword(INITIAL_ADMIN, password)) !== null;
    return new InitialPassword(path, holds ? INITIAL_ADMIN : null);
  }

  get inUse(): boolean {
    return this.holder !== null;
  }

  /** Whether `userId` signs in with the generated password (ids ignore case, as users do). */
  heldBy(userId: string): boolean {
    return this.holder !== null && this.holder.toLowerCase() === userId.toLowerCase();
  }

  /** `userId`'s password changed or the user is gone: if it was the generated one, the file goes. */
  forget(userId: string): void {
    if (!this.heldBy(userId)) return;
    this.holder = null;
    rmSync(this.path, { force: true });
  }
}
