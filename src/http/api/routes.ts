import { OpenAPIHono } from '@hono/zod-openapi';
import type { Items } from '../../items/items.js';
import type { Nodes } from '../../nodes/nodes.js';
import { refuseDeepJson } from '../body.js';
import type { AppEnv } from '../context.js';
import { crumbVerdict } from '../crumb.js';
import { Refusal } from '../errors.js';
import type { SecurityDeps } from '../jenkins/deps.js';
import { auditRoutes } from './audit.js';
import { credentialRoutes } from './credentials.js';
import { nodeRoutes } from './nodes.js';
import { securityRoutes } from './security.js';
import { triggerTokenRoutes } from './trigger-tokens.js';
import { webhookRoutes } from './webhooks.js';
import { userRoutes } from './users.js';

export const NATIVE_API_BASE = '/steward/api/v1';

/**
 * Steward's own JSON API under `/steward/api/v1`: users, API tokens, trigger tokens, the access
 * policy and the audit log, described by OpenAPI at `…/openapi.json`. Refusals are always JSON `{error, message, hint}`,
 * with the same codes as everywhere. POSTs need a crumb under the same rule as Jenkins' URLs.
 */
export function nativeApi(deps: SecurityDeps & { readonly items: Items; readonly nodes: Nodes; readonly publicUrl: string | null }, version: string): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const issue = result.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      throw new Refusal('body_invalid', `${where}${issue?.message ?? 'the request does not match the API description'}.`, `See ${NATIVE_API_BASE}/openapi.json for the shapes this API takes.`);
    },
  });
  app.use(async (c, next) => {
    const verdict = crumbVerdict(c, deps.crumbs, deps.policy.current.crumbs, () => undefined);
    if (!verdict.ok) throw verdict.refusal;
    // The validators parse JSON bodies on the event loop; refuse absurd nesting before they do.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && /json/i.test(c.req.header('content-type') ?? '')) {
      refuseDeepJson(await c.req.text(), 'The request body', `See ${NATIVE_API_BASE}/openapi.json for the shapes this API takes.`);
    }
    await next();
  });
  userRoutes(app, deps);
  securityRoutes(app, deps);
  triggerTokenRoutes(app, deps);
  webhookRoutes(app, deps, deps.publicUrl);
  credentialRoutes(app, deps);
  auditRoutes(app, deps);
  nodeRoutes(app, deps);
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Steward native API',
      version,
      description: 'Users, API tokens, trigger tokens, webhooks, agents (nodes), the access policy and the audit log. Authenticate with HTTP Basic (USER:API_TOKEN). See docs/security.md.',
    },
    servers: [{ url: NATIVE_API_BASE }],
  });
  app.all('*', (c) => {
    throw new Refusal('not_found', `Nothing is at ${new URL(c.req.url).pathname}.`, `See ${NATIVE_API_BASE}/openapi.json for this API's URLs.`);
  });
  return app;
}
