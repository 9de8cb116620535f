import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Items } from '../../items/items.js';
import { type AccessPolicy, readGrants, writeGrants } from '../../core/access.js';
import type { Item } from '../../core/item.js';
import { GRANTABLE_PERMISSIONS, impliedByChain } from '../../core/permissions.js';
import { authorities, credentialKind } from '../../auth/principal.js';
import { grantsAbove } from '../item-grants.js';
import type { AppEnv } from '../context.js';
import type { SecurityDeps } from '../jenkins/deps.js';
import { NativeScope } from './context.js';
import { json, refusals } from './responses.js';
import { ItemGrantsChangeSchema, ItemGrantsSchema, PermissionSchema, SecurityChangeSchema, SecuritySchema, WhoAmISchema } from './schemas.js';

function securityView(policy: AccessPolicy) {
  return {
    authorization: policy.strategy,
    allowAnonymousRead: policy.allowAnonymousRead,
    crumbs: policy.crumbs,
    grants: writeGrants(policy.grants.filter((grant) => grant.itemId === null)),
  };
}

const ItemQuery = z.object({ item: z.string().openapi({ param: { name: 'item', in: 'query' }, example: 'team/app', description: 'The full name of a folder or job.' }) });

/** Who you are, the access policy, and grants on folders and jobs. */
export function securityRoutes(app: OpenAPIHono<AppEnv>, deps: SecurityDeps & { readonly items: Items }): void {
  app.openapi(
    createRoute({ method: 'get', path: '/whoami', tags: ['security'], summary: 'Who this request acts as, and how it authenticated', responses: { 200: json(WhoAmISchema, 'The caller') } }),
    async (c) => {
      const principal = c.get('principal');
      const user = principal.kind === 'user' ? principal : null;
      return c.json(
        {
          id: user?.id ?? null,
          fullName: user?.fullName ?? null,
          anonymous: user === null,
          authorities: authorities(principal),
          credential: credentialKind(principal) as 'none' | 'password' | 'api_token' | 'session' | 'trigger_token',
          apiToken: user?.credential.kind === 'api_token' ? user.credential.name : null,
          triggerToken: principal.kind === 'token' ? principal.token.name : null,
          permissions: GRANTABLE_PERMISSIONS.filter((permission) => deps.authorizer.has(principal, permission)).map((permission) => permission.title),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/security/permissions', tags: ['security'], summary: 'The permissions that can be granted', responses: { 200: json(z.array(PermissionSchema), 'The permissions'), ...refusals(403) } }),
    async (c) => {
      new NativeScope(c, deps).user();
      return c.json(
        GRANTABLE_PERMISSIONS.map((permission) => ({ id: permission.id, title: permission.title, impliedBy: impliedByChain(permission).map((one) => one.id) })),
        200,
      );
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/security', tags: ['security'], summary: 'The authorization strategy, crumb setting and server-wide grants (administrators)', responses: { 200: json(SecuritySchema, 'The policy'), ...refusals(403) } }),
    async (c) => {
      new NativeScope(c, deps).requireAdmin();
      return c.json(securityView(deps.policy.current), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/security',
      tags: ['security'],
      summary: 'Change the strategy, anonymous read, crumbs or the server-wide grants (administrators)',
      request: { body: { content: { 'application/json': { schema: SecurityChangeSchema } }, required: true } },
      responses: { 200: json(SecuritySchema, 'The policy as changed'), ...refusals(400, 403) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      scope.requireAdmin();
      const body = c.req.valid('json');
      const saved = await deps.policy.update({
        ...(body.authorization !== undefined ? { strategy: body.authorization } : {}),
        ...(body.allowAnonymousRead !== undefined ? { allowAnonymousRead: body.allowAnonymousRead } : {}),
        ...(body.crumbs !== undefined ? { crumbs: body.crumbs } : {}),
        ...(body.grants !== undefined ? { grants: [{ itemId: null, grants: readGrants(body.grants, null, 'grants') }] } : {}),
      });
      const view = securityView(saved);
      await scope.audit({ action: 'security.update', outcome: 'accepted', detail: { change: JSON.stringify(body) } });
      return c.json(view, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/security/grants',
      tags: ['security'],
      summary: 'The grants on a folder or job, and those it inherits (administrators)',
      request: { query: ItemQuery },
      responses: { 200: json(ItemGrantsSchema, 'The grants'), ...refusals(403, 404) },
    }),
    async (c) => {
      new NativeScope(c, deps).requireAdmin();
      return c.json(await itemGrants(deps, await deps.items.get(c.req.valid('query').item)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/security/grants',
      tags: ['security'],
      summary: 'Replace the grants on a folder or job; they hold for everything below it (administrators)',
      request: { query: ItemQuery, body: { content: { 'application/json': { schema: ItemGrantsChangeSchema } }, required: true } },
      responses: { 200: json(ItemGrantsSchema, 'The grants as set'), ...refusals(400, 403, 404) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      scope.requireAdmin();
      const item = await deps.items.get(c.req.valid('query').item);
      const grants = readGrants(c.req.valid('json').grants, item.id, `grants of ${item.fullName}`);
      await deps.policy.update({ grants: [{ itemId: item.id, grants }] });
      await scope.audit({ action: 'grants.update', outcome: 'accepted', item: item.fullName, detail: { grants: JSON.stringify(writeGrants(grants)) } });
      return c.json(await itemGrants(deps, item), 200);
    },
  );
}

async function itemGrants(deps: SecurityDeps & { readonly items: Items }, item: Item) {
  const inherited = (await grantsAbove(deps, item)).map(({ folder, grants }) => ({ item: folder.fullName, grants: writeGrants(grants) }));
  return { item: item.fullName, grants: writeGrants(deps.policy.current.grants.filter((grant) => grant.itemId === item.id)), inherited };
}
