import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { type AgentNode, isNodeOnline } from '../../core/node.js';
import { Permissions } from '../../core/permissions.js';
import type { Nodes } from '../../nodes/nodes.js';
import type { AppEnv } from '../context.js';
import type { SecurityDeps } from '../jenkins/deps.js';
import { iso, NativeScope } from './context.js';
import { CreatedNodeSchema, NewNodeSchema, NodeChangeSchema, NodeSchema, NodeSecretSchema } from './node-schemas.js';
import { json, noContent, refusals } from './responses.js';

type Deps = SecurityDeps & { readonly nodes: Nodes };

function view(node: AgentNode) {
  return {
    name: node.name,
    description: node.description,
    labels: [...node.labels],
    executors: node.executors,
    online: isNodeOnline(node, Date.now()),
    offlineMessage: node.offlineMessage,
    lastSeenAt: iso(node.lastSeenAt),
    createdAt: new Date(node.createdAt).toISOString(),
  };
}

const nameParam = z.object({ name: z.string().openapi({ param: { name: 'name', in: 'path' }, example: 'linux-1' }) });

/** Agents: registered (the secret answered once), listed, changed, deleted; their secret read again and rotated. */
export function nodeRoutes(app: OpenAPIHono<AppEnv>, deps: Deps): void {
  app.openapi(
    createRoute({ method: 'get', path: '/nodes', tags: ['nodes'], summary: 'The agents, by name', responses: { 200: json(z.array(NodeSchema), 'The agents'), ...refusals(403) } }),
    async (c) => {
      new NativeScope(c, deps).user();
      return c.json((await deps.nodes.list()).map(view), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/nodes',
      tags: ['nodes'],
      summary: 'Register an agent (Agent/Create); its secret is in the answer',
      request: { body: { content: { 'application/json': { schema: NewNodeSchema } }, required: true } },
      responses: { 201: json(CreatedNodeSchema, 'The node and its secret'), ...refusals(400, 403) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      deps.authorizer.check(scope.user(), Permissions.ComputerCreate);
      const body = c.req.valid('json');
      const { node, secret } = await deps.nodes.create(body);
      await scope.audit({ action: 'node.create', outcome: 'accepted', detail: { node: node.name } });
      return c.json({ ...view(node), secret }, 201);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/nodes/{name}', tags: ['nodes'], summary: 'One agent', request: { params: nameParam }, responses: { 200: json(NodeSchema, 'The node'), ...refusals(403, 404) } }),
    async (c) => {
      new NativeScope(c, deps).user();
      return c.json(view(await deps.nodes.require(c.req.valid('param').name)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/nodes/{name}',
      tags: ['nodes'],
      summary: 'Change labels, executors, description (Agent/Configure), or take it offline and back (Agent/Disconnect, Agent/Connect)',
      request: { params: nameParam, body: { content: { 'application/json': { schema: NodeChangeSchema } }, required: true } },
      responses: { 200: json(NodeSchema, 'The node as changed'), ...refusals(400, 403, 404) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const user = scope.user();
      const { offlineMessage, ...changes } = c.req.valid('json');
      const name = (await deps.nodes.require(c.req.valid('param').name)).name;
      if (Object.keys(changes).length > 0) deps.authorizer.check(user, Permissions.ComputerConfigure);
      if (offlineMessage !== undefined) deps.authorizer.check(user, offlineMessage === null ? Permissions.ComputerConnect : Permissions.ComputerDisconnect);
      let node = await deps.nodes.update(name, changes);
      if (offlineMessage !== undefined) node = await deps.nodes.setOffline(name, offlineMessage);
      await scope.audit({ action: 'node.update', outcome: 'accepted', detail: { node: name } });
      return c.json(view(node), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'delete', path: '/nodes/{name}', tags: ['nodes'], summary: 'Delete an agent and its secret (Agent/Delete)', request: { params: nameParam }, responses: { 204: noContent('Deleted'), ...refusals(403, 404) } }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      deps.authorizer.check(scope.user(), Permissions.ComputerDelete);
      const node = await deps.nodes.require(c.req.valid('param').name);
      await deps.nodes.delete(node.name);
      await scope.audit({ action: 'node.delete', outcome: 'accepted', detail: { node: node.name } });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/nodes/{name}/secret', tags: ['nodes'], summary: "The agent's current secret (Agent/Connect: administrators)", request: { params: nameParam }, responses: { 200: json(NodeSecretSchema, 'The secret'), ...refusals(403, 404) } }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      deps.authorizer.check(scope.user(), Permissions.ComputerConnect);
      const node = await deps.nodes.require(c.req.valid('param').name);
      const secret = await deps.nodes.secretOf(node.name);
      await scope.audit({ action: 'node.secret.read', outcome: 'accepted', detail: { node: node.name } });
      return c.json({ name: node.name, secret: secret ?? '' }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/nodes/{name}/secret/rotate',
      tags: ['nodes'],
      summary: 'A new secret (Agent/Configure and Agent/Connect); the old one works for overlapHours more (default 24)',
      request: { params: nameParam, query: z.object({ overlapHours: z.coerce.number().min(0).max(720).optional().openapi({ param: { name: 'overlapHours', in: 'query' }, example: 24 }) }) },
      responses: { 200: json(NodeSecretSchema, 'The new secret'), ...refusals(400, 403, 404) },
    }),
    async (c) => {
      const scope = new NativeScope(c, deps);
      const user = scope.user();
      deps.authorizer.check(user, Permissions.ComputerConfigure);
      deps.authorizer.check(user, Permissions.ComputerConnect);
      const node = await deps.nodes.require(c.req.valid('param').name);
      const hours = c.req.valid('query').overlapHours;
      const secret = await deps.nodes.rotateSecret(node.name, hours === undefined ? undefined : hours * 3_600_000);
      await scope.audit({ action: 'node.secret.rotate', outcome: 'accepted', detail: { node: node.name } });
      return c.json({ name: node.name, secret }, 200);
    },
  );
}
