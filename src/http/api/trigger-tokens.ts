import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { UserPrincipal } from '../../auth/principal.js';
import { DomainError } from '../../core/errors.js';
import type { Item } from '../../core/item.js';
import { Permissions } from '../../core/permissions.js';
import { covers, type TriggerToken } from '../../core/trigger-token.js';
import type { Items } from '../../items/items.js';
import { mayManageTriggerToken } from '../trigger-token-access.js';
import type { AppEnv } from '../context.js';
import type { SecurityDeps } from '../jenkins/deps.js';
import { expiryOf, iso, NativeScope } from './context.js';
import { json, noContent, refusals } from './responses.js';
import { CreatedTriggerTokenSchema, NewTriggerTokenSchema, TriggerTokenSchema } from './schemas.js';

type Deps = SecurityDeps & { readonly items: Items };

async function view(deps: Deps, token: TriggerToken) {
  const items = await Promise.all(token.itemIds.map(async (id) => (await deps.items.byId(id))?.fullName ?? `(deleted item #${id})`));
  return {
    uuid: token.uuid,
    name: token.name,
    items,
    createdBy: token.createdBy,
    createdAt: new Date(token.createdAt).toISOString(),
    expiresAt: iso(token.expiresAt),
    allowedNetworks: [...token.allowedNetworks],
    canCancel: token.canCancel,
    lastUsedAt: iso(token.lastUsedAt),
    lastUsedAddress: token.lastUsedAddress,
    useCount: token.useCount,
  };
}

/**
 * The job or folder a caller names. One it may neither read nor discover is answered exactly as a
 * name that does not exist (404 `item_not_found`, in `Items.get`'s words), as the Jenkins URLs do, so
 * the answer never tells that a hidden item exists.
 */
async function itemSeenBy(deps: Deps, user: UserPrincipal, name: string): Promise<Item> {
  const item = await deps.items.get(name);
  if (deps.authorizer.visibility(user, item) !== 'hidden') return item;
  throw new DomainError('item_not_found', `No item named "${name}".`, 'Check the name (it is the full path, e.g. folder/job).');
}

/** Trigger tokens: made by someone with Job/Configure on their scope, listed with their use, revoked. */
export function triggerTokenRoutes(app: OpenAPIHono<AppEnv>, deps: Deps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/trigger-tokens',
      tags: ['trigger tokens'],
      summary: 'Make a trigger token for jobs or folders you may configure; its value is shown once',
      request: { body: { content: { 'application/json': { schema: NewTriggerTokenSchema } }, required: true } },
      responses: { 201: json(CreatedTriggerTokenSchema, 'The token and its value'), ...refusals(400, 403, 404) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const user = scope.user();
      const body = c.req.valid('json');
      const items: Item[] = [];
      for (const name of body.items) {
        const item = await itemSeenBy(deps, user, name);
        deps.authorizer.check(user, Permissions.ItemConfigure, item);
        items.push(item);
      }
      const expiresAt = expiryOf(body.expiresAt);
      const { token, value } = await deps.triggerTokens.create({
        name: body.name,
        itemIds: items.map((item) => item.id),
        createdBy: user.id,
        expiresAt,
        allowedNetworks: body.allowedNetworks ?? [],
        canCancel: body.canCancel ?? false,
      });
      await scope.audit({ action: 'trigger_token.create', outcome: 'accepted', item: items.map((item) => item.fullName).join(', '), detail: { tokenName: token.name, tokenUuid: token.uuid } });
      return c.json({ ...(await view(deps, token)), value }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/trigger-tokens',
      tags: ['trigger tokens'],
      summary: 'The trigger tokens you may manage, with their use; with item=, those covering that job or folder',
      request: { query: z.object({ item: z.string().optional().openapi({ param: { name: 'item', in: 'query' }, example: 'team/deploy' }) }) },
      responses: { 200: json(z.array(TriggerTokenSchema), 'The tokens that are not revoked'), ...refusals(403, 404) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const user = scope.user();
      const name = c.req.valid('query').item;
      const item = name === undefined ? null : await itemSeenBy(deps, user, name);
      await deps.triggerTokens.flush();
      const tokens: TriggerToken[] = [];
      for (const token of await deps.triggerTokens.list()) {
        if (item && !covers(token, item) && !token.itemIds.includes(item.id)) continue;
        if (await mayManageTriggerToken(deps, user, token)) tokens.push(token);
      }
      return c.json(await Promise.all(tokens.map((token) => view(deps, token))), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/trigger-tokens/{uuid}',
      tags: ['trigger tokens'],
      summary: 'Revoke a trigger token (Job/Configure on all it covers); effective on the next request',
      request: { params: z.object({ uuid: z.string().openapi({ param: { name: 'uuid', in: 'path' } }) }) },
      responses: { 204: noContent('Revoked'), ...refusals(403, 404) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      scope.user();
      const token = await deps.triggerTokens.get(c.req.valid('param').uuid);
      if (!(await mayManageTriggerToken(deps, scope.user(), token))) {
        throw new DomainError('permission_missing', `Revoking the trigger token "${token.name}" needs Job/Configure on everything it covers.`, 'Ask an administrator, or someone who may configure those jobs.', Permissions.ItemConfigure);
      }
      await deps.triggerTokens.revoke(token.uuid);
      await scope.audit({ action: 'trigger_token.revoke', outcome: 'accepted', detail: { tokenName: token.name, tokenUuid: token.uuid } });
      return c.body(null, 204);
    },
  );
}
