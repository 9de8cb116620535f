import { html } from 'hono/html';
import type { User } from '../../core/user.js';
import type { Scope } from '../jenkins/scope.js';
import { renderPage } from './page.js';

/** A user's pages (`/user/ID/…`, `/me/…`): null when `rest` names none of them. */
export async function serveUserPages(scope: Scope, user: User, rest: readonly string[]): Promise<Response | null> {
  if (rest.length > 0) return null;
  return renderPage(scope, { title: user.fullName, trail: [['Dashboard', '/']], body: html`<p>User id: ${user.id}</p>` });
}
