import type { User } from '../../core/user.js';
import type { Scope } from '../jenkins/scope.js';
import { createApiToken, revokeApiToken } from './api-tokens-actions.js';
import { requireSelfOrAdmin, userPagePath } from './user-access.js';
import { changePassword } from './user-password-action.js';
import { renderUserPage } from './user-view.js';

type UserAction = (scope: Scope, user: User) => Promise<Response>;

/** The user's page and its forms, by the path below `/user/ID/` (or `/me/`). */
const ACTIONS: Readonly<Record<string, Partial<Record<'GET' | 'POST', UserAction>>>> = {
  '': {
    GET: async (scope, user) => {
      requireSelfOrAdmin(scope, user);
      return renderUserPage(scope, user);
    },
  },
  'tokens/new': { POST: createApiToken },
  'tokens/revoke': { POST: revokeApiToken },
  password: { POST: changePassword },
};

/**
 * A user's pages (`/user/ID/…`, `/me/…`): null when `rest` names none of them, so that `api/…` and
 * `descriptorByName/…` reach Jenkins' handlers. A GET of a form's target (a reload, a bookmark) goes
 * back to the page.
 */
export async function serveUserPages(scope: Scope, user: User, rest: readonly string[]): Promise<Response | null> {
  const path = rest.join('/');
  const actions = Object.hasOwn(ACTIONS, path) ? ACTIONS[path] : undefined;
  if (!actions) return null;
  const action = actions[scope.method as 'GET' | 'POST'];
  if (action) return action(scope, user);
  return scope.method === 'GET' ? scope.redirect(userPagePath(scope, user).slice(1), 303) : null;
}
