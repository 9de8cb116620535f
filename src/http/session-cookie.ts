import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from './context.js';

/**
 * The session cookie: HttpOnly, SameSite=Lax, Path=/, and Secure when the client reached us over
 * HTTPS (directly, through a trusted proxy that says so, or a public URL that is https).
 */
export function setSessionCookie(c: Context<AppEnv>, name: string, value: string, publicUrl: string | null): void {
  const secure = c.get('https') || (publicUrl?.startsWith('https:') ?? false);
  setCookie(c, name, value, { path: '/', httpOnly: true, sameSite: 'Lax', secure });
}

export function clearSessionCookie(c: Context<AppEnv>, name: string): void {
  deleteCookie(c, name, { path: '/' });
}
