import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { Accounts } from '../auth/accounts.js';
import type { AppEnv } from './context.js';
import { onError, Refusal } from './errors.js';
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

  app.use(async (c, next) => {
    const started = performance.now();
    c.set('log', options.log);
    await next();
    const headers = c.res.headers;
    headers.set('X-Jenkins', options.jenkinsVersion);
    headers.set('X-Jenkins-Session', options.instanceTag);
    headers.set('X-Steward', options.stewardVersion);
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('X-Frame-Options', 'deny');
    if (options.log.isLevelEnabled('debug')) {
      const url = new URL(c.req.url);
      options.log.debug({ method: c.req.method, url: redactUrl(url.pathname + url.search), status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  });

  app.use(async (c, next) => {
    if (new URL(c.req.url).pathname.includes(';') || c.req.url.includes('%3B') || c.req.url.includes('%3b')) {
      throw new Refusal('semicolon_forbidden', 'Semicolons are not allowed in the request URI.', 'Percent-encoding does not help either; rename the item if its name has one.');
    }
    await next();
  });

  app.use(
    bodyLimit({
      maxSize: options.bodyLimitBytes,
      onError: () => {
        // The rest of the body is not read, so the connection cannot carry another request.
        throw new Refusal('payload_too_large', `The request body is larger than ${options.bodyLimitBytes} bytes.`, 'Send a smaller body, or raise settings.bodyLimit in the server configuration.', {
          Connection: 'close',
        });
      },
    }),
  );

  app.use(identity(options.accounts));
  app.route('/', jenkinsRoutes(options.jenkins));
  return app;
}
