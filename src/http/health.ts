import { Hono } from 'hono';
import type { AppEnv } from './context.js';
import { Refusal } from './errors.js';
import type { Readiness } from './readiness.js';

export const HEALTH_PATH = '/steward/health';
export const READY_PATH = '/steward/ready';

const HEADERS = { 'Cache-Control': 'no-store' };

/**
 * `/steward/health` (liveness: the process serves) and `/steward/ready` (readiness: the database
 * answers and the home can be written). They are mounted before identity, so they answer without
 * credentials, whatever anonymous may read and whatever Authorization a prober sends; they say only
 * their state (no paths, versions or counts), so there is nothing to protect.
 */
export function healthRoutes(readiness: Readiness): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get(HEALTH_PATH, (c) => c.json({ status: 'ok' }, 200, HEADERS));
  routes.get(READY_PATH, async (c) => {
    const report = await readiness.report();
    return c.json({ status: report.ready ? 'ok' : 'unavailable', checks: report.checks }, report.ready ? 200 : 503, HEADERS);
  });
  for (const path of [HEALTH_PATH, READY_PATH]) {
    routes.all(path, () => {
      throw new Refusal('method_not_allowed', 'Health checks take GET.', 'Send GET (or HEAD).', { Allow: 'GET, HEAD' });
    });
  }
  return routes;
}
