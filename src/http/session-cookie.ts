import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from './context.js';

/**
 * The session cookie: HttpOnly, SameSite=Lax, Path=/, and Secure when the client reached us over
 * HTTPS (the request itself, or a public URL that is https: a TLS proxy in front).
 */
export function setSessionCookie(c: Context<AppEnv>, name: string, value: string, publicUrl: string | null): void {
  const secure = new URL(c.req.url).protocol === 'https:' || (publicUrl?.startsWith('https:') ?? false);
  setCookie(c, name, value, { path: '/', httpOnly: true, sameSite: 'Lax', secure });
}

export function clearSessionCookie(c: Context<AppEnv>, name: string): void {
  deleteCookie(c, name, { path: '/' });
}
