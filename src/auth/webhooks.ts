import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../core/errors.js';
import { checkWebhookName, type HmacSignature, type Webhook, type WebhookKind } from '../core/webhook.js';
import type { Store } from '../store/types.js';
import type { SecretBox } from './secret-box.js';

export interface WebhookDefinition {
  readonly name: string;
  readonly kind: WebhookKind;
  readonly secret: string;
  readonly signature?: HmacSignature | null;
  readonly jobs: readonly string[];
  readonly events?: readonly string[];
  readonly refs?: readonly string[];
  readonly refField?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly eventHeader?: string | null;
  readonly deliveryHeader?: string | null;
}

/** What a verified delivery says about itself. */
export interface Delivery {
  readonly event: string | null;
  /** The sender's id of this delivery, for replay protection; null when it sends none. */
  readonly id: string | null;
}

const MIN_SECRET = 16;

/**
 * Webhooks: defining them (secrets sealed for HMAC presets, digested for GitLab's token) and checking
 * deliveries: the signature or token, compared in constant time, and the event and delivery id.
 */
export class Webhooks {
  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  async define(definition: WebhookDefinition, createdBy: string): Promise<Webhook> {
    checkWebhookName(definition.name);
    if (definition.secret.length < MIN_SECRET) {
      throw new DomainError('config_invalid', `The secret of webhook ${definition.name} is too short.`, `Use at least ${MIN_SECRET} random characters, e.g. the output of: openssl rand -hex 32.`);
    }
    if (definition.jobs.length === 0) throw new DomainError('config_invalid', `Webhook ${definition.name} triggers no job.`, 'List the full names of the jobs it triggers in jobs.');
    if (definition.kind === 'hmac' && !definition.signature) {
      throw new DomainError('config_invalid', `Webhook ${definition.name} is a generic HMAC webhook, so it needs signature: { header, algorithm, prefix, encoding }.`);
    }
    const existing = await this.store.webhooks.get(definition.name);
    return this.store.webhooks.put({
      name: definition.name,
      kind: definition.kind,
      storedSecret: definition.kind === 'gitlab' ? this.secrets.digest(definition.secret) : this.secrets.seal(definition.secret),
      signature: definition.kind === 'hmac' ? (definition.signature ?? null) : null,
      jobs: [...definition.jobs],
      events: [...(definition.events ?? [])],
      refs: [...(definition.refs ?? [])],
      refField: definition.refField ?? 'ref',
      parameters: { ...(definition.parameters ?? {}) },
      eventHeader: definition.eventHeader ?? null,
      deliveryHeader: definition.deliveryHeader ?? null,
      createdBy: existing?.createdBy ?? createdBy,
      createdAt: existing?.createdAt ?? this.now(),
    });
  }

  get(name: string): Promise<Webhook | null> {
    return this.store.webhooks.get(name);
  }

  list(): Promise<Webhook[]> {
    return this.store.webhooks.list();
  }

  async delete(name: string): Promise<void> {
    if (!(await this.store.webhooks.delete(name))) throw new DomainError('webhook_not_found', `There is no webhook "${name}".`, 'GET /steward/api/v1/webhooks lists them.');
  }

  /** Checks that the delivery comes from someone who knows the secret, and reads its event and id. */
  verify(webhook: Webhook, header: (name: string) => string | undefined, body: Uint8Array): Delivery {
    switch (webhook.kind) {
      case 'github':
        this.checkHmac(webhook, GITHUB_SIGNATURE, header, body);
        return { event: header('x-github-event') ?? null, id: header('x-github-delivery') ?? null };
      case 'gitlab': {
        const token = header('x-gitlab-token');
        if (token === undefined) throw refused(webhook, 'it has no X-Gitlab-Token header');
        if (!this.secrets.matches(token, webhook.storedSecret)) throw refused(webhook, 'its X-Gitlab-Token is not the secret');
        return { event: header('x-gitlab-event') ?? null, id: header('x-gitlab-event-uuid') ?? header('idempotency-key') ?? null };
      }
      case 'hmac':
        this.checkHmac(webhook, webhook.signature as HmacSignature, header, body);
        return { event: webhook.eventHeader ? (header(webhook.eventHeader.toLowerCase()) ?? null) : null, id: webhook.deliveryHeader ? (header(webhook.deliveryHeader.toLowerCase()) ?? null) : null };
    }
  }

  private checkHmac(webhook: Webhook, signature: HmacSignature, header: (name: string) => string | undefined, body: Uint8Array): void {
    const sent = header(signature.header.toLowerCase());
    if (sent === undefined) throw refused(webhook, `it has no ${signature.header} header`);
    const secret = this.secrets.unseal(webhook.storedSecret);
    if (secret === null) throw new Error(`The secret of webhook ${webhook.name} cannot be unsealed with this server's key.`);
    if (!signedWith(secret, signature, sent, body)) throw refused(webhook, `its ${signature.header} does not match the body signed with the secret`);
  }
}

/** How GitHub signs a delivery: an HMAC-SHA256 of the raw body in `X-Hub-Signature-256`. */
export const GITHUB_SIGNATURE: HmacSignature = { header: 'X-Hub-Signature-256', algorithm: 'sha256', prefix: 'sha256=', encoding: 'hex' };

/** Whether `sent` (a signature header's value) is the body signed with the secret, compared in constant time. */
export function signedWith(secret: string, signature: HmacSignature, sent: string, body: Uint8Array): boolean {
  const expected = Buffer.from(signature.prefix + createHmac(signature.algorithm, secret).update(body).digest(signature.encoding));
  const actual = Buffer.from(sent.trim());
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function refused(webhook: Webhook, why: string): DomainError {
  return new DomainError(
    'webhook_signature_invalid',
    `This delivery to webhook ${webhook.name} is not signed with its secret: ${why}.`,
    'Configure the sender with the same secret as the webhook (for GitHub: Content type application/json, and the Secret field).',
  );
}
