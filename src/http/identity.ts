import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Authenticator } from '../auth/authenticator.js';
import { ANONYMOUS } from '../auth/principal.js';
import { TriggerTokens } from '../auth/trigger-tokens.js';
import { DomainError } from '../core/errors.js';
import type { AppEnv } from './context.js';

/** The peer address of the request's socket, IPv4-mapped IPv6 written as IPv4. */
export function socketAddress(c: Context<AppEnv>): string {
  const address = (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * A trigger token sent in a header: `X-Steward-Token: TOKEN`, or `Authorization: Bearer TOKEN` when
 * TOKEN has a trigger token's shape. Other Bearer values are left alone, as Jenkins ignores them
 * (an authenticating proxy in front may pass its own).
 */
export function presentedHeaderToken(c: Context<AppEnv>): string | undefined {
  const header = c.req.header('x-steward-token');
  if (header !== undefined) return header.trim();
  const authorization = c.req.header('authorization');
  if (!authorization || !/^bearer /i.test(authorization)) return undefined;
  const value = authorization.slice(7).trim();
  return TriggerTokens.isTokenLike(value) ? value : undefined;
}

/**
 * Establishes who the request acts as. `Authorization: Basic` credentials must be right on every URL
 * (401 otherwise, even where anonymous could read, as in Jenkins); a Basic request never uses a
 * session. Without them, a trigger token in a header makes the token the principal; else a live
 * session cookie names the user; otherwise the request is anonymous.
 */
export function identity(authenticator: Authenticator, sessionCookieName: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('principal', ANONYMOUS);
    const cookie = getCookie(c, sessionCookieName) ?? null;
    c.set('sessionCookie', cookie);
    const header = c.req.header('authorization');
    if (header && /^basic /i.test(header)) {
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const userId = colon < 0 ? decoded : decoded.slice(0, colon);
      c.set('claimedUser', userId);
      if (colon < 0) {
        await authenticator.checkAllowed(c.get('address'));
        await authenticator.failed(c.get('address'));
        throw new DomainError('credentials_invalid', 'Malformed HTTP basic Authorization header.', 'Send USER:SECRET, base64-encoded (curl -u USER:SECRET does this).');
      }
      c.set('principal', await authenticator.basic(userId, decoded.slice(colon + 1), c.get('address')));
    } else if (presentedHeaderToken(c) !== undefined) {
      const token = await authenticator.triggerToken(presentedHeaderToken(c) as string, c.get('address'));
      if (!token) throw new DomainError('credentials_invalid', 'Invalid trigger token.', 'Send a current trigger token (stwt_…) as Authorization: Bearer or X-Steward-Token, or a user\'s API token with HTTP Basic.');
      c.set('principal', { kind: 'token', token });
    } else if (cookie) {
      c.set('principal', (await authenticator.session(cookie)) ?? ANONYMOUS);
    }
    await next();
  };
}
