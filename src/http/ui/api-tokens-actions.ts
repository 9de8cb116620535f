import { parseDuration } from '../../core/duration.js';
import { ApiTokens } from '../../auth/api-tokens.js';
import { isDomainError } from '../../core/errors.js';
import type { User } from '../../core/user.js';
import { expiryOf } from '../api/context.js';
import { single } from '../body.js';
import type { Scope } from '../jenkins/scope.js';
import type { TokenFormState } from './api-tokens-section.js';
import { requireSelfOrAdmin, userPagePath } from './user-access.js';
import { renderUserPage } from './user-view.js';

/**
 * `POST …/tokens/new` (`name`, `expires`): creates an API token of the signed-in user, as the native
 * API does (only the owner may). The answer is the page itself (200) showing the value once; it is
 * never put in a redirect or a URL. Bad input re-renders the form (400) with the error beside its field.
 */
export async function createApiToken(scope: Scope, user: User): Promise<Response> {
  requireSelfOrAdmin(scope, user);
  ApiTokens.requireOwner(scope.principal.kind === 'user' ? scope.principal.id : '', user.id);
  const input = await scope.readInput();
  const name = single(input, 'name') ?? '';
  const expires = (single(input, 'expires') ?? '').trim();
  const refused = (errors: TokenFormState['errors']) => renderUserPage(scope, user, { status: 400, tokenForm: { name, expires, errors } });
  let expiresAt: number | null;
  try {
    expiresAt = formExpiry(expires);
  } catch (error) {
    if (isDomainError(error, 'config_invalid')) return refused({ expires: error.message });
    throw error;
  }
  try {
    const { token, value } = await scope.deps.apiTokens.create(user.id, name, expiresAt);
    await scope.deps.audit.recordNow(scope.audit({ action: 'api_token.create', outcome: 'accepted', detail: { owner: user.id, tokenName: token.name, tokenUuid: token.uuid, expiresAt: token.expiresAt } }));
    return renderUserPage(scope, user, { created: { name: token.name, value } });
  } catch (error) {
    // ApiTokens.create refuses a name too long or an expiry not in the future, both as config_invalid.
    if (isDomainError(error, 'config_invalid')) return refused(/expir/i.test(error.message) ? { expires: error.message } : { name: error.message });
    throw error;
  }
}

/**
 * The form's expiry as `steward token create --expires` takes it: a time from now (`90d`, `12h`), or
 * a date or date-time read as the native API reads `expiresAt`; empty for never.
 */
function formExpiry(text: string): number | null {
  if (text === '') return null;
  const duration = parseDuration(text);
  return duration !== null ? Date.now() + duration : expiryOf(text);
}

/**
 * `POST …/tokens/revoke` (`uuid`): revokes a token of the user, by the user or an administrator (as
 * the native API); 303 back to the page. A token already gone is said so there, not as an error page.
 */
export async function revokeApiToken(scope: Scope, user: User): Promise<Response> {
  requireSelfOrAdmin(scope, user);
  const base = userPagePath(scope, user).slice(1);
  const uuid = single(await scope.readInput(), 'uuid') ?? '';
  try {
    const token = await scope.deps.apiTokens.revoke(user.id, uuid);
    await scope.deps.audit.recordNow(scope.audit({ action: 'api_token.revoke', outcome: 'accepted', detail: { owner: user.id, tokenName: token.name, tokenUuid: token.uuid } }));
    return scope.redirect(`${base}?done=token-revoked`, 303);
  } catch (error) {
    if (isDomainError(error, 'api_token_not_found')) return scope.redirect(`${base}?done=token-gone`, 303);
    throw error;
  }
}
