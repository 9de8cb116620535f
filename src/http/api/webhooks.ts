import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Webhook } from '../../core/webhook.js';
import type { AppEnv } from '../context.js';
import type { SecurityDeps } from '../jenkins/deps.js';
import { WEBHOOK_BASE } from '../webhook-deliveries.js';
import { NativeScope } from './context.js';
import { json, noContent, refusals } from './responses.js';
import { WebhookDefinitionSchema, WebhookSchema } from './schemas.js';

function view(base: string, webhook: Webhook) {
  const { storedSecret: _secret, createdAt, ...rest } = webhook;
  return {
    ...rest,
    jobs: [...rest.jobs],
    events: [...rest.events],
    refs: [...rest.refs],
    parameters: { ...rest.parameters },
    url: `${base}${WEBHOOK_BASE.slice(1)}/${encodeURIComponent(webhook.name)}`,
    createdAt: new Date(createdAt).toISOString(),
  };
}

const NameParams = z.object({ name: z.string().openapi({ param: { name: 'name', in: 'path' }, example: 'github-main' }) });

/** Webhooks, for administrators: defined (or redefined) by name, listed without their secrets, deleted. */
export function webhookRoutes(app: OpenAPIHono<AppEnv>, deps: SecurityDeps, publicUrl: string | null): void {
  const base = (url: string) => publicUrl ?? `${new URL(url).origin}/`;

  app.openapi(
    createRoute({ method: 'get', path: '/webhooks', tags: ['webhooks'], summary: 'List webhooks (administrators)', responses: { 200: json(z.array(WebhookSchema), 'The webhooks'), ...refusals(403) } }),
    async (c) => {
      new NativeScope(c, deps).requireAdmin();
      return c.json((await deps.webhooks.list()).map((webhook) => view(base(c.req.url), webhook)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/webhooks/{name}',
      tags: ['webhooks'],
      summary: 'Define or redefine a webhook (administrators); senders deliver to /steward/hooks/NAME',
      request: { params: NameParams, body: { content: { 'application/json': { schema: WebhookDefinitionSchema } }, required: true } },
      responses: { 200: json(WebhookSchema, 'The webhook as defined'), ...refusals(400, 403) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const user = scope.requireAdmin();
      const { name } = c.req.valid('param');
      const webhook = await deps.webhooks.define({ name, ...c.req.valid('json') }, user.id);
      await scope.audit({ action: 'webhook.create', outcome: 'accepted', detail: { webhook: webhook.name, kind: webhook.kind, jobs: webhook.jobs.join(', ') } });
      return c.json(view(base(c.req.url), webhook), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/webhooks/{name}', tags: ['webhooks'], summary: 'Delete a webhook (administrators)', request: { params: NameParams }, responses: { 204: noContent('Deleted'), ...refusals(403, 404) } }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      scope.requireAdmin();
      const { name } = c.req.valid('param');
      await deps.webhooks.delete(name);
      await scope.audit({ action: 'webhook.delete', outcome: 'accepted', detail: { webhook: name } });
      return c.body(null, 204);
    },
  );
}
