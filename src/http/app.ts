import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Accounts } from '../auth/accounts.js';
import type { AppEnv } from './context.js';
import { onError } from './errors.js';
import { identity } from './identity.js';
import type { JenkinsDeps } from './jenkins/deps.js';
import { jenkinsRoutes } from './jenkins/routes.js';
import { redactUrl } from './redact.js';

export interface AppOptions {
  readonly jenkins: JenkinsDeps;
  readonly accounts: Accounts;
  readonly log: Logger;
  /** The largest request body accepted, in bytes. */
  readonly bodyLimitBytes: number;
  /** The Jenkins version we answer as in `X-Jenkins` (clients compare it). */
  readonly jenkinsVersion: string;
  readonly stewardVersion: string;
  /** Changes at every start, like Jenkins' session hash. */
  readonly instanceTag: string;
}

/** The HTTP application: common headers and limits, identity, then the Jenkins-compatible routes. */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(onError);

  const common: Record<string, string> = {
    'X-Jenkins': options.jenkinsVersion,
    'X-Jenkins-Session': options.instanceTag,
    'X-Steward': options.stewardVersion,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'deny',
  };
  app.use(async (c, next) => {
    const started = performance.now();
    c.set('log', options.log);
    // On Node the headers every response carries go straight onto the outgoing message, which is
    // cheaper than rewriting each Response's headers; elsewhere (tests with app.request) on the Response.
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    if (outgoing) for (const [name, value] of Object.entries(common)) outgoing.setHeader(name, value);
    await next();
    if (!outgoing) for (const [name, value] of Object.entries(common)) c.res.headers.set(name, value);
    if (options.log.isLevelEnabled('debug')) {
      const url = new URL(c.req.url);
      options.log.debug({ method: c.req.method, url: redactUrl(url.pathname + url.search), status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  });

  app.use(identity(options.accounts));
  app.all('*', jenkinsRoutes(options.jenkins, options.bodyLimitBytes));
  return app;
}
