import { DomainError } from '../core/errors.js';
import { isValidGroupName, isValidUserId, MIN_PASSWORD_LENGTH, type User } from '../core/user.js';
import type { UserStore } from '../store/types.js';
import { HashQueue } from './hash-queue.js';
import { DUMMY_HASH, hashPassword, type PasswordAttempt, PasswordVerifier, UNCOUNTED } from './passwords.js';

export interface NewUser {
  readonly id: string;
  readonly fullName?: string;
  readonly password: string;
  readonly groups?: readonly string[];
}

/**
 * User accounts: creating and deleting them, their names, groups and passwords, and checking a
 * password. Ending a user's sessions when the password changes is the caller's duty
 * (`Sessions.endAllOf`), so that this class needs no knowledge of sessions.
 */
export class Accounts {
  private readonly verifier: PasswordVerifier;
  private readonly passwordWatchers: Array<(userId: string) => void> = [];

  /** Every scrypt run of the server goes through `hashing`: checks and new hashes alike. */
  constructor(
    private readonly users: UserStore,
    private readonly hashing: HashQueue = new HashQueue(),
  ) {
    this.verifier = new PasswordVerifier(hashing);
  }

  /**
   * The user, when the password is theirs; null otherwise. An unknown user and a wrong password look
   * the same, also in time: an unknown user's password is checked against a dummy hash. `attempt`
   * counts the failures of the client asking (`Authenticator`); without it nothing is counted.
   */
  async checkPassword(userId: string, password: string, attempt: PasswordAttempt = UNCOUNTED): Promise<User | null> {
    const user = await this.users.get(userId);
    const ok = await this.verifier.verify(userId, password, user?.passwordHash ?? DUMMY_HASH, attempt);
    return user && ok ? user : null;
  }

  async create(user: NewUser): Promise<User> {
    if (!isValidUserId(user.id)) {
      throw new DomainError('config_invalid', `"${user.id}" is not a valid user id.`, 'User ids are letters, digits, "_", ".", "@" or "-" (at most 64), starting with a letter, digit or "_".');
    }
    if (['anonymous', 'authenticated', 'system'].includes(user.id.toLowerCase())) {
      throw new DomainError('config_invalid', `"${user.id}" is a reserved name.`, 'Choose another user id.');
    }
    checkPassword(user.password);
    const groups = checkGroups(user.groups ?? []);
    if (await this.users.get(user.id)) throw new DomainError('user_exists', `A user "${user.id}" already exists.`, 'Choose another id, or change the existing user.');
    return this.users.create({ id: user.id, fullName: user.fullName || user.id, passwordHash: await this.hash(user.password), groups, createdAt: Date.now() });
  }

  async setPassword(id: string, password: string): Promise<User> {
    checkPassword(password);
    const user = await this.users.update(id, { passwordHash: await this.hash(password) });
    this.passwordGone(user.id);
    return user;
  }

  /** Calls `watcher` with a user's id once their password is no longer what it was: changed, or the user deleted. */
  whenPasswordGone(watcher: (userId: string) => void): void {
    this.passwordWatchers.push(watcher);
  }

  async update(id: string, changes: { fullName?: string; groups?: readonly string[] }): Promise<User> {
    return this.users.update(id, {
      ...(changes.fullName !== undefined ? { fullName: changes.fullName.trim() || id } : {}),
      ...(changes.groups !== undefined ? { groups: checkGroups(changes.groups) } : {}),
    });
  }

  async delete(id: string): Promise<void> {
    if (!(await this.users.delete(id))) throw new DomainError('user_not_found', `There is no user "${id}".`);
    this.passwordGone(id);
  }

  get(id: string): Promise<User | null> {
    return this.users.get(id);
  }

  list(): Promise<User[]> {
    return this.users.list();
  }

  async require(id: string): Promise<User> {
    const user = await this.users.get(id);
    if (!user) throw new DomainError('user_not_found', `There is no user "${id}".`, 'GET /steward/api/v1/users lists the users (administrators only).');
    return user;
  }

  async isEmpty(): Promise<boolean> {
    return (await this.users.list()).length === 0;
  }

  private passwordGone(userId: string): void {
    for (const watcher of this.passwordWatchers) watcher(userId);
  }

  /** A new password's hash, made in its turn with the checks (all new passwords share one turn). */
  private hash(password: string): Promise<string> {
    return this.hashing.run('(new passwords)', () => hashPassword(password));
  }
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new DomainError('password_rejected', `A password needs at least ${MIN_PASSWORD_LENGTH} characters.`, 'Choose a longer password; a passphrase of a few words works well.');
  }
}

function checkGroups(groups: readonly string[]): string[] {
  const unique = [...new Set(groups.map((group) => group.trim()))];
  for (const group of unique) {
    if (!isValidGroupName(group)) {
      throw new DomainError('config_invalid', `"${group}" is not a valid group name.`, 'Group names follow the rules of user ids; "anonymous" and "authenticated" are built in.');
    }
  }
  return unique;
}
