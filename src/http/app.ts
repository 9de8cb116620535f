import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { bodyLimit } from 'hono/body-limit';
import type { Networks } from '../auth/networks.js';
import { ANONYMOUS } from '../auth/principal.js';
import { clientOf } from './client-address.js';
import { NATIVE_API_BASE, nativeApi } from './api/routes.js';
import { tooLarge } from './body.js';
import type { AppEnv } from './context.js';
import { auditEvent, isAuthenticationFailure } from './audit.js';
import { onError, Refusal } from './errors.js';
import { identity, socketAddress } from './identity.js';
import type { JenkinsDeps } from './jenkins/deps.js';
import { jenkinsRoutes } from './jenkins/routes.js';
import { triggeredJob } from './jenkins/trigger-path.js';
import { redactUrl } from './redact.js';
import { WEBHOOK_BASE, webhookDeliveries } from './webhook-deliveries.js';
import { healthRoutes } from './health.js';
import { AGENT_PROTOCOL_BASE, agentProtocol, type AgentProtocolDeps } from './agent-protocol.js';
import { type MetricsExposition, PROMETHEUS_PATH, prometheusEndpoint } from './prometheus.js';
import type { Readiness } from './readiness.js';
import { ANSWERED_METHODS, methodLabel, routeKind } from './route-kind.js';

/** What the metrics hear of requests; each call is constant time. */
export interface RequestObserver {
  /** A request answered: its route kind (never its URL), method, status and time until the answer was ready. */
  request(route: string, method: string, status: number, seconds: number): void;
  /** A trigger or webhook delivery refused, with its reason code. */
  triggerRefused(reason: string): void;
}

/** Health checks and metrics. */
export interface Operations {
  readonly readiness: Readiness;
  readonly metrics: MetricsExposition & RequestObserver;
  /** The bearer token a scraper may read the metrics with; null when only administrators may. */
  readonly metricsToken: string | null;
}

export interface AppOptions {
  readonly jenkins: JenkinsDeps;
  readonly log: Logger;
  /** The largest request body accepted, in bytes. */
  readonly bodyLimitBytes: number;
  /** The Jenkins version we answer as in `X-Jenkins` (clients compare it). */
  readonly jenkinsVersion: string;
  readonly stewardVersion: string;
  /** Changes at every start, like Jenkins' session hash. */
  readonly instanceTag: string;
  /** Proxies whose forwarding headers are believed. */
  readonly trustedProxies: Networks;
  readonly operations: Operations;
  readonly agents: AgentProtocolDeps;
}

/**
 * The HTTP application: common headers and limits, a request id, identity, auditing of refused
 * triggers and authentications, then the Jenkins-compatible routes.
 */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  const { audit } = options.jenkins;
  const { metrics } = options.operations;

  const common: Record<string, string> = {
    'X-Jenkins': options.jenkinsVersion,
    'X-Jenkins-Session': options.instanceTag,
    'X-Steward': options.stewardVersion,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'deny',
  };
  let requests = 0;
  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = `${options.instanceTag}-${(++requests).toString(36)}`;
    c.set('log', options.log);
    c.set('requestId', requestId);
    const client = clientOf(socketAddress(c), (name) => c.req.header(name), options.trustedProxies, c.req.url.startsWith('https:'));
    c.set('address', client.address);
    c.set('https', client.https);
    // Until identity runs (a refusal of the method comes first), the request is anonymous, for the audit.
    c.set('principal', ANONYMOUS);
    c.set('claimedUser', null);
    c.set('refusal', null);
    // On Node the headers every response carries go straight onto the outgoing message, which is
    // cheaper than rewriting each Response's headers; elsewhere (tests with app.request) on the Response.
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    if (outgoing) {
      for (const [name, value] of Object.entries(common)) outgoing.setHeader(name, value);
      outgoing.setHeader('X-Steward-Request-Id', requestId);
    }
    await next();
    if (!outgoing) {
      for (const [name, value] of Object.entries(common)) c.res.headers.set(name, value);
      c.res.headers.set('X-Steward-Request-Id', requestId);
    }
    const url = new URL(c.req.url);
    const refusal = c.get('refusal');
    if (refusal) {
      const job = triggeredJob(url.pathname.split('/').filter((segment) => segment !== '').map(safeDecode), url.searchParams);
      if (job !== null) audit.record(auditEvent(c, { action: 'trigger', outcome: 'refused', reason: refusal.code, item: job }));
      else if (isAuthenticationFailure(refusal.code)) audit.record(auditEvent(c, { action: 'authenticate', outcome: 'refused', reason: refusal.code }));
      if (job !== null || url.pathname.startsWith(`${WEBHOOK_BASE}/`)) metrics.triggerRefused(refusal.code);
    }
    const ms = performance.now() - started;
    metrics.request(routeKind(url.pathname), methodLabel(c.req.method), c.res.status, ms / 1000);
    if (options.log.isLevelEnabled('debug')) {
      options.log.debug({ requestId, method: c.req.method, url: redactUrl(url.pathname + url.search), status: c.res.status, ms: Math.round(ms) }, 'request');
    }
  });

  app.use(async (c, next) => {
    // TRACE would echo credentials back (cross-site tracing); the others are WebDAV's or a proxy's.
    if (!ANSWERED_METHODS.has(c.req.method)) {
      throw new Refusal('method_not_allowed', `Steward does not answer ${c.req.method} requests.`, 'Send GET or POST (the native API also takes PUT, PATCH and DELETE).', { Allow: [...ANSWERED_METHODS].join(', ') });
    }
    await next();
  });
  // Before identity: probes answer without credentials, whatever Authorization they send; agents
  // authenticate with their node's secret, not as users.
  app.route('/', healthRoutes(options.operations.readiness));
  app.use(`${AGENT_PROTOCOL_BASE}/*`, bodyLimit({ maxSize: options.bodyLimitBytes, onError: () => { throw tooLarge(options.bodyLimitBytes); } }));
  app.route(AGENT_PROTOCOL_BASE, agentProtocol(options.agents));
  app.use(identity(options.jenkins.authenticator, options.jenkins.sessions.cookieName));
  const prometheus = prometheusEndpoint(metrics, options.operations.metricsToken, options.jenkins.authorizer);
  app.get(PROMETHEUS_PATH, prometheus);
  app.get(`${PROMETHEUS_PATH}/`, prometheus);
  app.use(`${NATIVE_API_BASE}/*`, bodyLimit({ maxSize: options.bodyLimitBytes, onError: () => { throw tooLarge(options.bodyLimitBytes); } }));
  app.route(NATIVE_API_BASE, nativeApi(options.jenkins, options.stewardVersion));
  app.post(`${WEBHOOK_BASE}/:name`, webhookDeliveries(options.jenkins, options.bodyLimitBytes));
  app.all(`${WEBHOOK_BASE}/:name`, () => {
    throw new Refusal('method_not_allowed', 'A webhook takes POST.', 'Point the sender at this URL with POST (GitHub and GitLab do).', { Allow: 'POST' });
  });
  app.all('*', jenkinsRoutes(options.jenkins, options.bodyLimitBytes));
  return app;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
