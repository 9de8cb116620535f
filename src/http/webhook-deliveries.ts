import { hash } from 'node:crypto';
import type { Context } from 'hono';
import { isDomainError, DomainError } from '../core/errors.js';
import type { Job } from '../core/item.js';
import { queueItemPath } from '../core/item-url.js';
import { buildsRef } from '../core/git-source.js';
import { fieldOf, filterOut, type Webhook } from '../core/webhook.js';
import { auditEvent } from './audit.js';
import { readBody, refuseDeepJson } from './body.js';
import type { AppEnv } from './context.js';
import { Refusal } from './errors.js';
import type { JenkinsDeps } from './jenkins/deps.js';
import type { Webhooks } from '../auth/webhooks.js';

export const WEBHOOK_BASE = '/steward/hooks';

/**
 * `POST /steward/hooks/NAME`: a delivery from GitHub, GitLab or another sender. In order: the webhook
 * exists (404); the sender is not over its failure limit (429); the signature or token is right
 * (403, counted as a failed authentication); GitHub's `ping` is answered; events and refs the
 * webhook filters out are acknowledged with 202 and triggers nothing; otherwise each of its jobs is
 * triggered with the mapped parameters, the delivery id (when the sender gives one) making a
 * redelivery a duplicate rather than a second build. No user, crumb or read access is involved.
 */
export function webhookDeliveries(deps: JenkinsDeps & { readonly webhooks: Webhooks }, bodyLimitBytes: number) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const name = c.req.param('name') ?? '';
    let webhook: Webhook | null = null;
    try {
      webhook = await deps.webhooks.get(name);
      if (!webhook) throw new DomainError('webhook_not_found', `There is no webhook "${name}".`, 'Check the URL: /steward/hooks/NAME, with the name the webhook was defined with.');
      return await deliver(c, deps, webhook, bodyLimitBytes);
    } catch (error) {
      if (isDomainError(error) || error instanceof Refusal) {
        deps.audit.record(auditEvent(c, { action: 'webhook.delivery', outcome: 'refused', reason: error.code, actor: `webhook:${name}`, credential: 'webhook' }));
      }
      throw error;
    }
  };
}

async function deliver(c: Context<AppEnv>, deps: JenkinsDeps & { readonly webhooks: Webhooks }, webhook: Webhook, bodyLimitBytes: number): Promise<Response> {
  const address = c.get('address');
  // Failures are counted per webhook and address: one misconfigured webhook of a Git host must not
  // lock out the host's other deliveries, which come from the same addresses.
  const failures = `${address} (webhook ${webhook.name})`;
  await deps.authenticator.checkAllowed(failures);
  const body = await readBody(c, bodyLimitBytes);
  let delivery;
  try {
    delivery = deps.webhooks.verify(webhook, (header) => c.req.header(header), body);
  } catch (error) {
    await deps.authenticator.failed(failures);
    throw error;
  }
  const answer = { webhook: webhook.name, event: delivery.event, delivery: delivery.id };
  if (webhook.kind === 'github' && delivery.event === 'ping') return c.json({ status: 'pong', ...answer }, 200);
  const payload = parsePayload(c.req.header('content-type') ?? '', body);
  const ignored = filterOut(webhook, delivery.event, payload);
  if (ignored) return c.json({ status: 'ignored', reason: `Nothing triggered: ${ignored}.`, ...answer }, 202);

  const jobs: Job[] = [];
  const skipped: Array<{ job: string; reason: string }> = [];
  // A git job builds only the branches its specifiers select: a push of another ref is not for it.
  const ref = fieldOf(payload, webhook.refField);
  for (const fullName of webhook.jobs) {
    const item = await deps.items.find(fullName);
    if (item?.kind !== 'job') throw new DomainError('item_not_found', `Webhook ${webhook.name} triggers ${fullName}, which is not a job here.`, 'Fix the webhook\'s jobs, or create the job.');
    const source = item.settings.scm;
    if (source && ref !== null && !buildsRef(source, ref)) skipped.push({ job: item.fullName, reason: `${ref} matches none of its branch specifiers (${source.branches.join(', ')})` });
    else jobs.push(item);
  }
  if (jobs.length === 0) {
    return c.json({ status: 'ignored', reason: `Nothing triggered: ${skipped.map((skip) => `${skip.job}: ${skip.reason}`).join('; ')}.`, ...answer, skipped }, 202);
  }
  const parameters = new Map<string, string[]>();
  for (const [parameter, path] of Object.entries(webhook.parameters)) {
    const value = fieldOf(payload, path);
    if (value !== null) parameters.set(parameter, [value]);
  }
  const bodyDigest = hash('sha256', body, 'hex');
  const triggered = [];
  const origin = { principal: c.get('principal'), address, audit: auditEvent(c, { action: 'trigger', outcome: 'accepted' }) };
  for (const job of jobs) {
    const result = await deps.triggers.trigger({
      job,
      parameters: job.settings.parameters.length > 0 ? new Map([...parameters].filter(([parameter]) => job.settings.parameters.some((definition) => definition.name === parameter))) : null,
      rejectUnknownParameters: false,
      delayMs: null,
      starter: { kind: 'webhook', origin, webhook: webhook.name, event: delivery.event, delivery: delivery.id, bodyDigest },
    });
    const queueUrl = new URL(c.req.url).origin + '/' + queueItemPath(result.queueId);
    triggered.push({ job: job.fullName, queueId: result.queueId, queueUrl, coalesced: !result.created, duplicate: result.replayOf !== undefined });
  }
  const duplicate = triggered.every((entry) => entry.duplicate);
  const headers: Record<string, string> = triggered.length === 1 && triggered[0] ? { Location: triggered[0].queueUrl } : {};
  return c.json({ status: duplicate ? 'duplicate' : 'triggered', ...answer, triggered, ...(skipped.length > 0 ? { skipped } : {}) }, duplicate ? 200 : 201, headers);
}

/** JSON, or GitHub's form-encoded variant (`payload=` JSON). Unreadable payloads are a 400. */
function parsePayload(contentType: string, body: Uint8Array): unknown {
  const text = new TextDecoder().decode(body);
  if (text.trim() === '') return null;
  const json = contentType.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(text).get('payload') : text;
  if (json !== null) refuseDeepJson(json, 'The delivery', 'Send the payload as the Git host sends it; no sender nests its events that deep.');
  try {
    return json === null ? null : JSON.parse(json);
  } catch {
    throw new Refusal('body_invalid', 'The delivery is not JSON.', 'Send the payload as application/json (GitHub: Content type application/json).');
  }
}
