import { DomainError } from '../core/errors.js';
import { isValidUserId, type User } from '../core/user.js';
import type { UserStore } from '../store/types.js';
import { hashPassword, PasswordVerifier } from './passwords.js';
import type { Principal } from './principal.js';

/** User accounts: creating them, changing passwords, and checking the credentials of a request. */
export class Accounts {
  private readonly verifier = new PasswordVerifier();

  constructor(private readonly users: UserStore) {}

  /**
   * Checks `user:password` credentials. Returns the principal, or null when they are wrong (an
   * unknown user and a wrong password look the same to the caller).
   */
  async authenticate(userId: string, password: string): Promise<Principal | null> {
    const user = await this.users.get(userId);
    if (!user) return null;
    if (!(await this.verifier.verify(password, user.passwordHash))) return null;
    return { kind: 'user', id: user.id, fullName: user.fullName, authenticatedBy: 'password' };
  }

  async create(id: string, fullName: string, password: string): Promise<User> {
    if (!isValidUserId(id)) {
      throw new DomainError('config_invalid', `"${id}" is not a valid user id.`, 'User ids are letters, digits, "_", ".", "@" or "-" (at most 64).');
    }
    if (await this.users.get(id)) throw new DomainError('user_exists', `A user "${id}" already exists.`);
    return this.users.create({ id, fullName: fullName || id, passwordHash: await hashPassword(password), createdAt: Date.now() });
  }

  async setPassword(id: string, password: string): Promise<User> {
    return this.users.update(id, { passwordHash: await hashPassword(password) });
  }

  async setFullName(id: string, fullName: string): Promise<User> {
    return this.users.update(id, { fullName });
  }

  get(id: string): Promise<User | null> {
    return this.users.get(id);
  }

  async isEmpty(): Promise<boolean> {
    return (await this.users.list()).length === 0;
  }
}
