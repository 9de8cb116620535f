import { createHash, timingSafeEqual } from 'node:crypto';
import type { Handler } from 'hono';
import type { Authorizer } from '../auth/authorization.js';
import { DomainError } from '../core/errors.js';
import { Permissions } from '../core/permissions.js';
import type { AppEnv } from './context.js';

/** The path of Jenkins' Prometheus plugin, so that scrape configurations made for Jenkins work. */
export const PROMETHEUS_PATH = '/prometheus';

/** The metrics as Prometheus reads them; implemented by `metrics/metrics.ts`. */
export interface MetricsExposition {
  readonly contentType: string;
  render(): Promise<string>;
}

/**
 * `/prometheus/`: the metrics, for a scraper holding the metrics token (`Authorization: Bearer`,
 * from `--metrics-token-file`) or a user with Overall/Administer. Anyone else gets the usual refusal;
 * a wrong bearer token is a failed authentication (401), audited as one.
 */
export function prometheusEndpoint(metrics: MetricsExposition, token: string | null, authorizer: Authorizer): Handler<AppEnv> {
  const expected = token === null ? null : digest(token);
  return async (c) => {
    const authorization = c.req.header('authorization');
    const bearer = authorization && /^bearer /i.test(authorization) ? authorization.slice(7).trim() : undefined;
    if (expected !== null && bearer !== undefined) {
      if (!timingSafeEqual(digest(bearer), expected)) {
        throw new DomainError('credentials_invalid', 'This bearer token is not the metrics token.', 'Send the token of --metrics-token-file as Authorization: Bearer, or an administrator\'s API token with HTTP Basic.');
      }
    } else if (c.get('principal').kind === 'anonymous') {
      throw new DomainError(
        'authentication_required',
        'Authentication required: the metrics are for the metrics token or an administrator.',
        "Send the token of --metrics-token-file as Authorization: Bearer (Prometheus: bearer_token_file), or an administrator's API token with HTTP Basic.",
        Permissions.Administer,
      );
    } else {
      authorizer.check(c.get('principal'), Permissions.Administer);
    }
    return c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
  };
}

/** Equal-length values to compare in constant time, whatever the lengths of what was sent. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
