import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { ApiToken } from '../../core/api-token.js';
import { ApiTokens } from '../../auth/api-tokens.js';
import { DomainError } from '../../core/errors.js';
import type { User } from '../../core/user.js';
import type { AppEnv } from '../context.js';
import type { SecurityDeps } from '../jenkins/deps.js';
import { expiryOf, iso, NativeScope } from './context.js';
import { ApiTokenSchema, CreatedApiTokenSchema, NewApiTokenSchema, NewUserSchema, PasswordChangeSchema, TokenRenameSchema, UserChangeSchema, UserSchema } from './schemas.js';
import { json, noContent, refusals } from './responses.js';

const UserParams = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'alice' }) });
const TokenParams = UserParams.extend({ uuid: z.string().openapi({ param: { name: 'uuid', in: 'path' } }) });

function userView(user: User) {
  return { id: user.id, fullName: user.fullName, groups: [...user.groups], createdAt: new Date(user.createdAt).toISOString() };
}

function tokenView(token: ApiToken) {
  return {
    uuid: token.uuid,
    name: token.name,
    createdAt: new Date(token.createdAt).toISOString(),
    expiresAt: iso(token.expiresAt),
    lastUsedAt: iso(token.lastUsedAt),
    lastUsedAddress: token.lastUsedAddress,
    useCount: token.useCount,
  };
}

/** Users and their API tokens. Administrators manage users; everyone manages their own password and tokens. */
export function userRoutes(app: OpenAPIHono<AppEnv>, deps: SecurityDeps): void {
  app.openapi(
    createRoute({ method: 'get', path: '/users', tags: ['users'], summary: 'List users (administrators)', responses: { 200: json(z.array(UserSchema), 'The users'), ...refusals(403) } }),
    async (c) => {
      new NativeScope(c, deps).requireAdmin();
      return c.json((await deps.accounts.list()).map(userView), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/users',
      tags: ['users'],
      summary: 'Create a user (administrators)',
      request: { body: { content: { 'application/json': { schema: NewUserSchema } }, required: true } },
      responses: { 201: json(UserSchema, 'The new user'), ...refusals(400, 403) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      scope.requireAdmin();
      const body = c.req.valid('json');
      const user = await deps.accounts.create(body);
      await scope.audit({ action: 'user.create', outcome: 'accepted', detail: { user: user.id, groups: user.groups.join(',') } });
      return c.json(userView(user), 201, { Location: `${new URL(c.req.url).pathname}/${encodeURIComponent(user.id)}` });
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/users/{id}', tags: ['users'], summary: 'Read a user (the user or an administrator)', request: { params: UserParams }, responses: { 200: json(UserSchema, 'The user'), ...refusals(403, 404) } }),
    async (c) => {
      const { id } = c.req.valid('param');
      new NativeScope(c, deps).requireSelfOrAdmin(id);
      return c.json(userView(await deps.accounts.require(id)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/users/{id}',
      tags: ['users'],
      summary: 'Change a user’s full name (the user or an administrator) or groups (administrators)',
      request: { params: UserParams, body: { content: { 'application/json': { schema: UserChangeSchema } }, required: true } },
      responses: { 200: json(UserSchema, 'The user as changed'), ...refusals(400, 403, 404) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      scope.requireSelfOrAdmin(id);
      if (body.groups !== undefined) scope.requireAdmin();
      await deps.accounts.require(id);
      const user = await deps.accounts.update(id, body);
      await scope.audit({ action: 'user.update', outcome: 'accepted', detail: { user: user.id, fields: Object.keys(body).join(',') } });
      return c.json(userView(user), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/users/{id}/password',
      tags: ['users'],
      summary: 'Set a password: your own (with the current one), or anyone’s (administrators). Ends the user’s sessions.',
      request: { params: UserParams, body: { content: { 'application/json': { schema: PasswordChangeSchema } }, required: true } },
      responses: { 204: noContent('Changed; the user’s browser sessions have ended'), ...refusals(400, 403, 404) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      scope.requireSelfOrAdmin(id);
      const user = await deps.accounts.require(id);
      if (scope.isSelf(id)) await deps.authenticator.requireCurrentPassword(user.id, body.currentPassword ?? '', c.get('address'));
      await deps.accounts.setPassword(user.id, body.password);
      await deps.sessions.endAllOf(user.id);
      await scope.audit({ action: 'user.password', outcome: 'accepted', detail: { user: user.id } });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/users/{id}',
      tags: ['users'],
      summary: 'Delete a user with their tokens and sessions (administrators; not yourself)',
      request: { params: UserParams },
      responses: { 204: noContent('Deleted'), ...refusals(403, 404, 409) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const { id } = c.req.valid('param');
      scope.requireAdmin();
      if (scope.isSelf(id)) throw new DomainError('user_delete_self', 'You cannot delete your own account.', 'Ask another administrator to delete it.');
      const user = await deps.accounts.require(id);
      await deps.accounts.delete(user.id);
      await scope.audit({ action: 'user.delete', outcome: 'accepted', detail: { user: user.id } });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/users/{id}/tokens',
      tags: ['api tokens'],
      summary: 'List a user’s API tokens, with their use (the user or an administrator)',
      request: { params: UserParams },
      responses: { 200: json(z.array(ApiTokenSchema), 'The tokens that are not revoked'), ...refusals(403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      new NativeScope(c, deps).requireSelfOrAdmin(id);
      const user = await deps.accounts.require(id);
      await deps.apiTokens.flush();
      return c.json((await deps.apiTokens.list(user.id)).map(tokenView), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/users/{id}/tokens',
      tags: ['api tokens'],
      summary: 'Create an API token (only the user, for themselves); its value is shown once',
      request: { params: UserParams, body: { content: { 'application/json': { schema: NewApiTokenSchema } } } },
      responses: { 201: json(CreatedApiTokenSchema, 'The token and its value'), ...refusals(400, 403, 404) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      ApiTokens.requireOwner(scope.user().id, id);
      const user = await deps.accounts.require(id);
      const expiresAt = expiryOf(body.expiresAt);
      const { token, value } = await deps.apiTokens.create(user.id, body.name ?? '', expiresAt);
      await scope.audit({ action: 'api_token.create', outcome: 'accepted', detail: { owner: user.id, tokenName: token.name, tokenUuid: token.uuid, expiresAt: token.expiresAt } });
      return c.json({ ...tokenView(token), value }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/users/{id}/tokens/{uuid}',
      tags: ['api tokens'],
      summary: 'Rename an API token (the user or an administrator)',
      request: { params: TokenParams, body: { content: { 'application/json': { schema: TokenRenameSchema } }, required: true } },
      responses: { 200: json(ApiTokenSchema, 'The token as renamed'), ...refusals(400, 403, 404) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const { id, uuid } = c.req.valid('param');
      scope.requireSelfOrAdmin(id);
      const user = await deps.accounts.require(id);
      const token = await deps.apiTokens.rename(user.id, uuid, c.req.valid('json').name);
      await scope.audit({ action: 'api_token.rename', outcome: 'accepted', detail: { owner: user.id, tokenName: token.name, tokenUuid: token.uuid } });
      return c.json(tokenView(token), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/users/{id}/tokens/{uuid}',
      tags: ['api tokens'],
      summary: 'Revoke an API token (the user or an administrator); effective on the next request',
      request: { params: TokenParams },
      responses: { 204: noContent('Revoked'), ...refusals(403, 404) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const { id, uuid } = c.req.valid('param');
      scope.requireSelfOrAdmin(id);
      const user = await deps.accounts.require(id);
      const token = await deps.apiTokens.revoke(user.id, uuid);
      await scope.audit({ action: 'api_token.revoke', outcome: 'accepted', detail: { owner: user.id, tokenName: token.name, tokenUuid: token.uuid } });
      return c.body(null, 204);
    },
  );
}
