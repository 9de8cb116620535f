import { DomainError } from '../../core/errors.js';
import type { Job } from '../../core/item.js';
import { Permissions } from '../../core/permissions.js';
import type { QueueItem } from '../../core/queue-item.js';
import { single } from '../body.js';
import { Refusal } from '../errors.js';
import { queueBean, queueItemBean } from './beans/queue.js';
import type { Flavor } from './export/api.js';
import { serveApi } from './export/api.js';
import { startedBy } from './token-scope.js';
import type { Scope } from './scope.js';

/** Routes below `/queue/`. */
export async function serveQueue(scope: Scope, rest: readonly string[]): Promise<Response | null> {
  const [first, second, ...more] = rest;
  if (scope.principal.kind === 'token' && first !== 'item' && first !== 'cancelItem') throw scope.deps.authorizer.refusal(scope.principal, Permissions.Administer);
  if (first === 'api' && isFlavor(second) && more.length === 0) return serveApi(scope.c, queueBean(scope.beans()), second);
  if (first === 'cancelItem' && (second === undefined || second === 'api')) return cancelItem(scope);
  if (first !== 'item' || second === undefined) return null;
  const { item, job } = await findItem(scope, second);
  const [action, flavor] = more;
  if (action === undefined) {
    return new Response(`Queue item exists. For details check, for example, ${scope.url.pathname.replace(/\/?$/, '/')}api/json?tree=cancelled,executable[url]\n`, {
      status: 200,
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    });
  }
  if (action === 'api' && isFlavor(flavor)) return serveApi(scope.c, await queueItemBean(scope.beans(), item, job), flavor);
  if (action === 'cancelQueue') {
    requirePost(scope);
    scope.check(Permissions.ItemCancel, job);
    await scope.deps.store.queue.cancel(item.id, Date.now());
    // 302, not Jenkins' current 204: the npm `jenkins` client requires it (DESIGN §5.6).
    return scope.redirect(`queue/item/${item.id}/`);
  }
  return null;
}

/** `POST /queue/cancelItem?id=N`: 204, 404 for an unknown (or unreadable) id. */
async function cancelItem(scope: Scope): Promise<Response> {
  requirePost(scope);
  const id = single(await scope.readInput(), 'id');
  const { item, job } = await findItem(scope, id ?? '');
  if (!scope.deps.authorizer.has(scope.principal, Permissions.ItemCancel, job)) {
    // Jenkins answers 422 here, not 403.
    const refusal = scope.deps.authorizer.refusal(scope.principal, Permissions.ItemCancel, job);
    throw new DomainError('queue_item_not_cancellable', `Item for id (${item.id}) is not cancellable: ${refusal.message}`, refusal.hint, Permissions.ItemCancel);
  }
  if (item.state !== 'waiting') {
    throw new DomainError(
      'queue_item_not_waiting',
      `Queue item ${item.id} has already left the queue${item.buildNumber !== null ? ` (it became build #${item.buildNumber})` : ' (it was cancelled)'}.`,
      item.buildNumber !== null ? `Stop the build instead: POST …/${item.buildNumber}/stop.` : undefined,
    );
  }
  await scope.deps.store.queue.cancel(item.id, Date.now());
  return new Response(null, { status: 204 });
}

async function findItem(scope: Scope, rawId: string): Promise<{ item: QueueItem; job: Job }> {
  if (!/^\d+$/.test(rawId)) throw new Refusal('queue_id_invalid', `"${rawId}" is not a queue item id.`, 'Queue ids are whole numbers, as in the Location of a trigger.');
  const item = await scope.deps.store.queue.get(Number(rawId));
  const job = item ? await scope.deps.store.items.get(item.jobId) : null;
  const principal = scope.principal;
  // A trigger token sees only the items it queued.
  const mine = principal.kind !== 'token' || (item !== null && startedBy(principal.token, item.causes));
  const visibility = item && job && job.kind === 'job' && mine ? scope.deps.authorizer.visibility(principal, job) : 'hidden';
  if (!item || !job || job.kind !== 'job' || visibility === 'hidden') {
    throw new DomainError('queue_item_not_found', `Provided id (${rawId}) not found.`, 'Queue items stay readable while their build exists; cancelled ones for a day.');
  }
  if (visibility === 'discover') throw scope.deps.authorizer.refusal(scope.principal, Permissions.ItemRead, job);
  return { item, job };
}

function requirePost(scope: Scope): void {
  if (scope.method !== 'POST') throw new Refusal('method_not_allowed', 'This URL requires POST.', 'Use POST (curl -X POST …).', { Allow: 'POST' });
}

export function isFlavor(value: string | undefined): value is Flavor {
  return value === 'json' || value === 'xml';
}
