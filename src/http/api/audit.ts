import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { StoredAuditEvent } from '../../core/audit.js';
import { DomainError } from '../../core/errors.js';
import type { AppEnv } from '../context.js';
import type { SecurityDeps } from '../jenkins/deps.js';
import { NativeScope } from './context.js';
import { json, refusals } from './responses.js';
import { AuditPageSchema, AuditQuerySchema } from './schemas.js';

const MAX_LIMIT = 1000;

function time(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Date.parse(text);
  if (Number.isNaN(value)) throw new DomainError('parameter_invalid', `${name}="${text}" is not a date.`, `Give ${name} as an ISO date-time, e.g. 2026-12-01T00:00:00Z.`);
  return value;
}

function whole(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new DomainError('parameter_invalid', `${name}="${text}" is not a number from ${min} to ${max}.`);
  return Number(text);
}

function view(event: StoredAuditEvent) {
  return { ...event, at: new Date(event.at).toISOString(), detail: { ...event.detail } };
}

/** The audit log, newest first, for administrators. */
export function auditRoutes(app: OpenAPIHono<AppEnv>, deps: SecurityDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit',
      tags: ['audit'],
      summary: 'Audit events, newest first, filtered by time, actor, item, action, outcome and reason (administrators)',
      request: { query: AuditQuerySchema },
      responses: { 200: json(AuditPageSchema, 'A page of events'), ...refusals(400, 403) },
    }),
    async (c) => {
      new NativeScope(c, deps).requireAdmin();
      const query = c.req.valid('query');
      const limit = whole(query.limit, 'limit', 1, MAX_LIMIT) ?? 100;
      const events = await deps.audit.query({
        limit,
        ...definedOnly({
          since: time(query.since, 'since'),
          until: time(query.until, 'until'),
          actor: query.actor,
          item: query.item,
          action: query.action,
          outcome: query.outcome,
          reason: query.reason,
          beforeId: whole(query.before, 'before', 1, Number.MAX_SAFE_INTEGER),
        }),
      });
      const last = events.at(-1);
      let next: string | null = null;
      if (events.length === limit && last) {
        const url = new URL(c.req.url);
        url.searchParams.set('before', String(last.id));
        next = url.pathname + url.search;
      }
      return c.json({ events: events.map(view), next }, 200);
    },
  );
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
