import type { ApiToken } from '../../core/api-token.js';
import { DomainError, isDomainError } from '../../core/errors.js';
import { Permissions } from '../../core/permissions.js';
import type { User } from '../../core/user.js';
import { single } from '../body.js';
import { Refusal } from '../errors.js';
import type { Scope } from './scope.js';

const DAY_MS = 86_400_000;

/**
 * Jenkins' API token endpoints, `/user/ID/descriptorByName/jenkins.security.ApiTokenProperty/ACTION`
 * (POST). Only the user may create their tokens (as in Jenkins); the user or an administrator may
 * revoke them. Answers have Jenkins' shapes: `{"status":"ok","data":{…}}` for a new token.
 */
export async function serveApiTokenAction(scope: Scope, user: User, action: string): Promise<Response | null> {
  const handler = ACTIONS[action];
  if (!handler) return null;
  if (scope.method !== 'POST') throw new Refusal('method_not_allowed', 'This URL requires POST.', 'Use POST (curl -X POST …).', { Allow: 'POST' });
  return handler(scope, user);
}

const ACTIONS: Record<string, (scope: Scope, user: User) => Promise<Response>> = {
  generateNewToken,
  revoke: async (scope, user) => {
    checkOwnerOrAdmin(scope, user);
    const uuid = await requiredUuid(scope);
    await revokeQuietly(scope, user, uuid);
    return new Response(null, { status: 200 });
  },
  rename: async (scope, user) => {
    checkOwnerOrAdmin(scope, user);
    const input = await scope.readInput();
    const uuid = await requiredUuid(scope);
    try {
      const token = await scope.deps.apiTokens.rename(user.id, uuid, single(input, 'newName') ?? '');
      await scope.deps.audit.recordNow(scope.audit({ action: 'api_token.rename', outcome: 'accepted', detail: tokenDetail(user, token) }));
      return scope.c.json({ status: 'ok' });
    } catch (error) {
      if (isDomainError(error)) return scope.c.json({ status: 'error', message: error.message });
      throw error;
    }
  },
  revokeAll: async (scope, user) => {
    checkOwnerOrAdmin(scope, user);
    for (const token of await scope.deps.apiTokens.list(user.id)) await revokeQuietly(scope, user, token.uuid);
    return new Response(null, { status: 200 });
  },
  revokeAllExcept: async (scope, user) => {
    checkOwnerOrAdmin(scope, user);
    const keep = await requiredUuid(scope);
    for (const token of await scope.deps.apiTokens.list(user.id)) if (token.uuid !== keep) await revokeQuietly(scope, user, token.uuid);
    return new Response(null, { status: 200 });
  },
};

/** `newTokenName`, `expirationDuration` (`never`, a number of days, or `custom` with `tokenExpiration=YYYY-MM-DD`). */
async function generateNewToken(scope: Scope, user: User): Promise<Response> {
  checkOwner(scope, user);
  const input = await scope.readInput();
  let expiresAt: number | null;
  try {
    expiresAt = expiration(single(input, 'expirationDuration'), single(input, 'tokenExpiration'));
    const { token, value } = await scope.deps.apiTokens.create(user.id, single(input, 'newTokenName') ?? '', expiresAt);
    await scope.deps.audit.recordNow(scope.audit({ action: 'api_token.create', outcome: 'accepted', detail: tokenDetail(user, token) }));
    return scope.c.json({
      status: 'ok',
      data: {
        tokenName: token.name,
        tokenUuid: token.uuid,
        tokenValue: value,
        expirationDate: token.expiresAt === null ? 'never' : new Date(token.expiresAt).toISOString().slice(0, 10),
        aboutToExpire: token.expiresAt !== null && token.expiresAt - Date.now() < 7 * DAY_MS,
      },
    });
  } catch (error) {
    // Jenkins answers a bad expiration with 200 and a status of "error".
    if (isDomainError(error, 'config_invalid')) return scope.c.json({ status: 'error', message: error.message });
    throw error;
  }
}

function expiration(duration: string | undefined, custom: string | undefined): number | null {
  const value = (duration ?? '').trim();
  if (value === '' || value === 'never') return null;
  if (value === 'custom') {
    if (!custom || !/^\d{4}-\d{2}-\d{2}$/.test(custom) || Number.isNaN(Date.parse(`${custom}T00:00:00Z`))) {
      throw new DomainError('config_invalid', `"${custom ?? ''}" is not a date.`, 'Give tokenExpiration as YYYY-MM-DD.');
    }
    return Date.parse(`${custom}T00:00:00Z`);
  }
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new DomainError('config_invalid', `"${value}" is not an expiration.`, 'Give expirationDuration as a number of days, "never", or "custom" with tokenExpiration=YYYY-MM-DD.');
  }
  return Date.now() + Number(value) * DAY_MS;
}

async function requiredUuid(scope: Scope): Promise<string> {
  const uuid = single(await scope.readInput(), 'tokenUuid');
  if (!uuid) throw new Refusal('parameter_missing', 'The tokenUuid cannot be empty.', 'Send tokenUuid=UUID (generateNewToken answered it as tokenUuid).');
  return uuid;
}

/** Jenkins answers 200 to a revoke of a token that is not there. */
async function revokeQuietly(scope: Scope, user: User, uuid: string): Promise<void> {
  try {
    const token = await scope.deps.apiTokens.revoke(user.id, uuid);
    await scope.deps.audit.recordNow(scope.audit({ action: 'api_token.revoke', outcome: 'accepted', detail: tokenDetail(user, token) }));
  } catch (error) {
    if (!isDomainError(error, 'api_token_not_found')) throw error;
  }
}

function tokenDetail(user: User, token: ApiToken): Record<string, string | number | null> {
  return { owner: user.id, tokenName: token.name, tokenUuid: token.uuid, expiresAt: token.expiresAt };
}

function checkOwner(scope: Scope, user: User): void {
  if (scope.principal.kind === 'user' && scope.principal.id.toLowerCase() === user.id.toLowerCase()) return;
  throw new DomainError('token_owner_only', `Only ${user.id} may create API tokens for ${user.id}.`, `A token is shown once, to its owner: ${user.id} creates it, signed in as ${user.id}.`);
}

function checkOwnerOrAdmin(scope: Scope, user: User): void {
  if (scope.principal.kind === 'user' && scope.principal.id.toLowerCase() === user.id.toLowerCase()) return;
  if (scope.deps.authorizer.has(scope.principal, Permissions.Administer)) return;
  throw new DomainError('token_owner_only', `Only ${user.id} or an administrator may change ${user.id}'s API tokens.`, 'Ask an administrator, or sign in as the owner.');
}
