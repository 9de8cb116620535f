import type { MiddlewareHandler } from 'hono';
import type { Accounts } from '../auth/accounts.js';
import { ANONYMOUS } from '../auth/principal.js';
import { DomainError } from '../core/errors.js';
import type { AppEnv } from './context.js';

/**
 * Establishes who the request acts as. `Authorization: Basic` credentials must be right on every URL
 * (401 otherwise, even where anonymous could read, as in Jenkins); without them the request is
 * anonymous. Other schemes are left for their own handlers.
 */
export function identity(accounts: Accounts): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    c.set('principal', ANONYMOUS);
    if (header && /^basic /i.test(header)) {
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const userId = colon < 0 ? decoded : decoded.slice(0, colon);
      const principal = colon < 0 ? null : await accounts.authenticate(userId, decoded.slice(colon + 1));
      if (!principal) {
        throw new DomainError('credentials_invalid', `Invalid password/token for user: ${userId}`, 'Check the user name and password (or API token) you send with -u USER:SECRET.');
      }
      c.set('principal', principal);
    }
    await next();
  };
}
