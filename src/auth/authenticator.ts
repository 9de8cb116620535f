import { DomainError } from '../core/errors.js';
import type { User } from '../core/user.js';
import type { Accounts } from './accounts.js';
import { ApiTokens } from './api-tokens.js';
import type { FailureLimiter } from './rate-limits.js';
import type { PasswordAttempt } from './passwords.js';
import type { Credential, UserPrincipal } from './principal.js';
import type { Sessions } from './sessions.js';
import { TriggerTokens } from './trigger-tokens.js';
import type { TriggerToken } from '../core/trigger-token.js';

function principalOf(user: User, credential: Credential): UserPrincipal {
  return { kind: 'user', id: user.id, fullName: user.fullName, groups: user.groups, credential };
}

/**
 * Turns what a request presents into a principal: HTTP Basic with an API token or a password, a
 * session cookie, or a login form. Failures from one address are counted, and an address over the
 * limit is refused before its credential is even looked at. Every password check (Basic, the login
 * form, a user confirming their current password) reserves its failure before the hash runs, so
 * parallel guesses are limited like sequential ones (see `PasswordVerifier`).
 */
export class Authenticator {
  constructor(
    private readonly deps: {
      readonly accounts: Accounts;
      readonly apiTokens: ApiTokens;
      readonly sessions: Sessions;
      readonly triggerTokens: TriggerTokens;
      readonly limiter: FailureLimiter;
    },
  ) {}

  /**
   * A trigger token sent as a credential (a header, or `token=` on a trigger URL). Revoked, expired
   * and out-of-network tokens are refused; they and unknown ones count as failures. Null when no
   * trigger token has this value (or it does not have the shape of one): the caller words that refusal.
   */
  async triggerToken(value: string, address: string): Promise<TriggerToken | null> {
    if (!TriggerTokens.isTokenLike(value)) return null;
    await this.deps.limiter.check(address);
    try {
      const token = await this.deps.triggerTokens.authenticate(value, address);
      if (!token) await this.failed(address);
      return token;
    } catch (error) {
      await this.failed(address);
      throw error;
    }
  }

  /**
   * HTTP Basic, told apart as Jenkins does: the secret is tried as an API token of the user first,
   * then as the password. Throws `credentials_invalid`, `token_revoked` or `token_expired`.
   */
  async basic(userId: string, secret: string, address: string): Promise<UserPrincipal> {
    await this.deps.limiter.check(address);
    if (ApiTokens.isTokenLike(secret)) {
      try {
        const token = await this.deps.apiTokens.authenticate(userId, secret, address);
        const user = token ? await this.deps.accounts.get(token.userId) : null;
        if (token && user) return principalOf(user, { kind: 'api_token', uuid: token.uuid, name: token.name });
      } catch (error) {
        // A revoked or expired token: refused by a cheap lookup, counted after it.
        await this.failed(address);
        throw error;
      }
    }
    const user = await this.deps.accounts.checkPassword(userId, secret, this.attempt(address));
    if (user) return principalOf(user, { kind: 'password' });
    throw invalid(userId);
  }

  /** The user of a live session, or null. */
  async session(cookieValue: string): Promise<UserPrincipal | null> {
    const session = await this.deps.sessions.resolve(cookieValue);
    if (!session) return null;
    const user = await this.deps.accounts.get(session.userId);
    return user ? principalOf(user, { kind: 'session', hash: session.hash }) : null;
  }

  /** A login form: checks the password and opens a session. */
  async login(userId: string, password: string, address: string): Promise<{ principal: UserPrincipal; cookieValue: string }> {
    await this.deps.limiter.check(address);
    const user = await this.deps.accounts.checkPassword(userId, password, this.attempt(address));
    if (!user) throw invalid(userId);
    const { cookieValue, session } = await this.deps.sessions.create(user.id, address);
    return { principal: principalOf(user, { kind: 'session', hash: session.hash }), cookieValue };
  }

  /**
   * A user changing their own password proves it with the current one (an administrator setting
   * another's needs none): `password_wrong` otherwise. A wrong one counts as a failed authentication
   * of the address, as at the login form, so a stolen session cannot be used to guess the password.
   */
  async requireCurrentPassword(userId: string, current: string, address: string): Promise<void> {
    await this.deps.limiter.check(address);
    if (!(await this.deps.accounts.checkPassword(userId, current, this.attempt(address)))) {
      throw new DomainError('password_wrong', 'The current password is not right.', 'Send your current password as currentPassword; an administrator can set a new one without it.');
    }
  }

  /** Counts a failure that was found elsewhere (a wrong job token). */
  failed(address: string): Promise<void> {
    return this.deps.limiter.fail(address);
  }

  /** Refuses when the address has failed too often (before anything is checked). */
  checkAllowed(address: string): Promise<void> {
    return this.deps.limiter.check(address);
  }

  /** A password check on behalf of a client address: its turn in the hash queue, its failures. */
  private attempt(address: string): PasswordAttempt {
    return { key: address, reserve: () => this.deps.limiter.reserve(address) };
  }
}

function invalid(userId: string): DomainError {
  return new DomainError('credentials_invalid', `Invalid password/token for user: ${userId}`, 'Check the user name and the password or API token you send (curl -u USER:SECRET).');
}
