import { html } from 'hono/html';
import type { AuditAction, AuditFilter, StoredAuditEvent } from '../../../core/audit.js';
import type { Scope } from '../../jenkins/scope.js';
import { select, textField } from '../fields.js';
import { scrollBox, timeAgo } from '../format.js';
import { type Html, renderPage } from '../page.js';
import { formError, MANAGE_TRAIL, requireAdmin } from './admin.js';

const ACTIONS = [
  'trigger',
  'authenticate',
  'login',
  'logout',
  'webhook.delivery',
  'api_token.create',
  'api_token.rename',
  'api_token.revoke',
  'trigger_token.create',
  'trigger_token.revoke',
  'webhook.create',
  'webhook.delete',
  'user.create',
  'user.update',
  'user.password',
  'user.delete',
  'security.update',
  'grants.update',
  'node.create',
  'node.update',
  'node.delete',
  'node.secret.read',
  'node.secret.rotate',
  'credential.create',
  'credential.update',
  'credential.delete',
] as const satisfies readonly AuditAction[];

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

/** The filters, named as the native API's `/audit` query names them, so a filtered view is a shareable URL. */
const FILTERS = ['actor', 'item', 'action', 'outcome', 'reason', 'since', 'until', 'limit'] as const;
type FilterName = (typeof FILTERS)[number];
type Query = Readonly<Record<FilterName, string>>;

/** An ISO date-time, or the zone-less one a datetime-local input sends, read as UTC. */
function time(text: string): number | null {
  const value = Date.parse(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text) ? `${text}Z` : text);
  return Number.isNaN(value) ? null : value;
}

/** What a datetime-local input shows for a time given in the URL. */
function localValue(text: string): string {
  const value = time(text);
  return value === null ? text : new Date(value).toISOString().slice(0, 16);
}

/** The store's filter for a query, or the field at fault. */
function filterOf(query: Query, beforeId: number | undefined): { filter: Omit<AuditFilter, 'limit'>; limit: number } | { field: FilterName; message: string } {
  const limit = query.limit === '' ? DEFAULT_LIMIT : Number(query.limit);
  if (!/^\d*$/.test(query.limit) || limit < 1 || limit > MAX_LIMIT) return { field: 'limit', message: `Give a number from 1 to ${MAX_LIMIT}.` };
  const since = query.since === '' ? undefined : time(query.since);
  if (since === null) return { field: 'since', message: `"${query.since}" is not a date and time.` };
  const until = query.until === '' ? undefined : time(query.until);
  if (until === null) return { field: 'until', message: `"${query.until}" is not a date and time.` };
  if (query.outcome !== '' && query.outcome !== 'accepted' && query.outcome !== 'refused') return { field: 'outcome', message: 'Choose accepted or refused.' };
  const filter: Omit<AuditFilter, 'limit'> = {
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(query.actor !== '' ? { actor: query.actor } : {}),
    ...(query.item !== '' ? { item: query.item } : {}),
    ...(query.action !== '' ? { action: query.action } : {}),
    ...(query.outcome !== '' ? { outcome: query.outcome as 'accepted' | 'refused' } : {}),
    ...(query.reason !== '' ? { reason: query.reason } : {}),
    ...(beforeId !== undefined ? { beforeId } : {}),
  };
  return { filter, limit };
}

/** One page of events, newest first, read as `GET /audit` reads them; the next page starts below the last. */
async function eventsPage(scope: Scope, filter: Omit<AuditFilter, 'limit'>, limit: number): Promise<{ events: StoredAuditEvent[]; nextBefore: number | null }> {
  const events = await scope.deps.audit.query({ ...filter, limit });
  return { events, nextBefore: events.length === limit ? (events.at(-1)?.id ?? null) : null };
}

function who(event: StoredAuditEvent): Html {
  const detail = event.detail;
  const via: Record<string, string> = { password: 'password', session: 'browser session', api_token: 'API token', job_token: "job's trigger token", trigger_token: 'trigger token', webhook: 'webhook', none: 'no credentials' };
  const named = typeof detail.apiToken === 'string' ? ` ${detail.apiToken}` : '';
  return html`${event.actor} <span class="muted">(${via[event.credential] ?? event.credential}${named}${detail.tokenInQuery === true ? ', in the URL' : ''})</span>`;
}

/** The facts an event carries besides its columns; never secrets, by the audit log's contract. */
function details(event: StoredAuditEvent): Html {
  const facts = Object.entries(event.detail).filter(([name, value]) => value !== null && name !== 'apiToken' && name !== 'tokenInQuery');
  const parts = [...(event.queueId !== null ? [`queue item ${event.queueId}`] : []), ...(event.count > 1 ? [`${event.count} identical`] : []), ...facts.map(([name, value]) => `${name}: ${String(value)}`)];
  return html`${parts.join('; ')}`;
}

function eventRow(event: StoredAuditEvent): Html {
  return html`<tr class="outcome-${event.outcome}">
<td>${timeAgo(event.at)}</td>
<td>${who(event)}</td>
<td class="optional">${event.address ?? ''}</td>
<td>${event.action}</td>
<td>${event.item ?? ''}</td>
<td class="outcome">${event.outcome}</td>
<td>${event.reason ? html`<code>${event.reason}</code>` : ''}</td>
<td class="muted optional">${details(event)}</td>
</tr>`;
}

function linkWith(query: Query, before: number | null): string {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (query[name] !== '') params.set(name, query[name]);
  if (before !== null) params.set('before', String(before));
  const text = params.toString();
  return `/manage/audit${text === '' ? '' : `?${text}`}`;
}

/** `/manage/audit`: the audit log, newest first, paged, filtered by a GET form whose URL can be shared. */
export async function auditPage(scope: Scope): Promise<Response> {
  requireAdmin(scope);
  const query = Object.fromEntries(FILTERS.map((name) => [name, (scope.url.searchParams.get(name) ?? '').trim()])) as Query;
  const beforeText = scope.url.searchParams.get('before');
  const beforeId = beforeText !== null && /^\d+$/.test(beforeText) ? Number(beforeText) : undefined;
  const read = filterOf(query, beforeId);
  const problem = 'field' in read ? read : null;
  const page = 'field' in read ? null : await eventsPage(scope, read.filter, read.limit);
  const errorOn = (name: FilterName) => (problem?.field === name ? problem.message : null);
  return renderPage(scope, {
    title: 'Audit log',
    trail: MANAGE_TRAIL,
    status: problem ? 400 : 200,
    // A malformed filter, as the native API's /audit refuses it.
    reason: problem ? 'parameter_invalid' : undefined,
    body: html`<form method="get" action="/manage/audit" class="panel audit-filters" role="search" aria-label="Filter the audit log">
<div class="filter-fields">
${textField({ name: 'actor', label: 'Who', value: query.actor, hint: 'A user id, anonymous, token:NAME or webhook:NAME.' })}
${textField({ name: 'item', label: 'Item', value: query.item, hint: 'A full name, e.g. team/app.' })}
${select({ name: 'action', label: 'Action', choices: [['', 'Any'], ...ACTIONS.map((action) => [action, action] as const)], value: query.action })}
${select({ name: 'outcome', label: 'Outcome', choices: [['', 'Any'], ['accepted', 'Accepted'], ['refused', 'Refused']], value: query.outcome, error: errorOn('outcome') })}
${textField({ name: 'reason', label: 'Reason code', value: query.reason, hint: 'e.g. permission_missing' })}
${textField({ name: 'since', label: 'From (UTC)', type: 'datetime-local', value: localValue(query.since), error: errorOn('since') })}
${textField({ name: 'until', label: 'Until (UTC)', type: 'datetime-local', value: localValue(query.until), error: errorOn('until') })}
${textField({ name: 'limit', label: 'Per page', type: 'number', value: query.limit === '' ? String(DEFAULT_LIMIT) : query.limit, error: errorOn('limit') })}
</div>
<div class="actions"><button type="submit" class="primary">Filter</button><a class="button" href="/manage/audit">Clear filters</a></div>
</form>
${problem ? formError('The filters are not valid: see the field marked above.') : ''}
${page ? results(query, beforeId, page) : ''}`,
  });
}

function results(query: Query, beforeId: number | undefined, page: { events: StoredAuditEvent[]; nextBefore: number | null }): Html {
  const paging = html`<nav class="actions" aria-label="Pages">${beforeId !== undefined ? html`<a class="button" href="${linkWith(query, null)}">Newest events</a>` : ''}${page.nextBefore !== null ? html`<a class="button" href="${linkWith(query, page.nextBefore)}">Older events</a>` : ''}</nav>`;
  if (page.events.length === 0) return html`<p class="muted">No events match${page.nextBefore !== null ? ' among the latest ones read; older ones may' : ''}.</p>${paging}`;
  return html`<section aria-labelledby="events-title"><h2 id="events-title">Events, newest first</h2>
${scrollBox('table-scroll', 'Table of events', html`<table class="audit admin-table">
<thead><tr><th scope="col">Time</th><th scope="col">Who</th><th scope="col" class="optional">Address</th><th scope="col">Action</th><th scope="col">Item</th><th scope="col">Outcome</th><th scope="col">Reason</th><th scope="col" class="optional">Details</th></tr></thead>
<tbody>${page.events.map(eventRow)}</tbody>
</table>`)}
${paging}
</section>`;
}
