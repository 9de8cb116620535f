import { DomainError } from './errors.js';

/**
 * A webhook: an endpoint (`/steward/hooks/NAME`) that triggers jobs when a sender proves it knows the
 * webhook's secret. Presets cover GitHub (`X-Hub-Signature-256`, an HMAC-SHA256 of the raw body),
 * GitLab (`X-Gitlab-Token`, the secret itself) and any sender that signs the body with an HMAC in a
 * header of its choosing. Deliveries can be filtered by event and ref, and payload fields become job
 * parameters. The secret never leaves the server: it is kept sealed (HMAC presets need it) or as a
 * keyed digest (GitLab's token only has to be recognised).
 */
export type WebhookKind = 'github' | 'gitlab' | 'hmac';

export interface HmacSignature {
  /** The header carrying the signature, e.g. `X-Signature`. */
  readonly header: string;
  readonly algorithm: 'sha1' | 'sha256' | 'sha512';
  /** Text before the digest in the header, e.g. `sha256=`. */
  readonly prefix: string;
  readonly encoding: 'hex' | 'base64';
}

export interface Webhook {
  readonly name: string;
  readonly kind: WebhookKind;
  /** Sealed (github, hmac) or a keyed digest (gitlab); never the secret itself. */
  readonly storedSecret: string;
  /** For `hmac`: where and how the signature is sent. */
  readonly signature: HmacSignature | null;
  /** Full names of the jobs a matching delivery triggers. */
  readonly jobs: readonly string[];
  /** Events that trigger (GitHub's `X-GitHub-Event`, GitLab's `X-Gitlab-Event`, or `eventHeader`); empty for any. */
  readonly events: readonly string[];
  /** Refs that trigger, with `*` matching within a segment and `**` across; empty for any. */
  readonly refs: readonly string[];
  /** The payload field holding the ref (dot path), `ref` by default. */
  readonly refField: string;
  /** Job parameters taken from payload fields: parameter name → dot path. */
  readonly parameters: Readonly<Record<string, string>>;
  /** For `hmac`: the headers naming the event and the delivery (for replay protection), if any. */
  readonly eventHeader: string | null;
  readonly deliveryHeader: string | null;
  readonly createdBy: string;
  readonly createdAt: number;
}

const NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;

export function checkWebhookName(name: string): void {
  if (!NAME.test(name)) {
    throw new DomainError('config_invalid', `"${name}" is not a webhook name.`, 'Use letters, digits, ".", "_" or "-" (at most 64); it becomes part of the URL /steward/hooks/NAME.');
  }
}

/** The value at a dot path (`repository.full_name`, `commits.0.id`) of a JSON payload, as text. */
export function fieldOf(payload: unknown, path: string): string | null {
  let current: unknown = payload;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return null;
    current = (current as Record<string, unknown>)[part];
  }
  if (current === null || current === undefined) return null;
  return typeof current === 'object' ? JSON.stringify(current) : String(current);
}

/** Whether a ref matches a pattern: `*` stands for any text within a path segment, `**` for any text. */
export function refMatches(pattern: string, ref: string): boolean {
  const expression = pattern
    .split('**')
    .map((part) => part.split('*').map((text) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${expression}$`).test(ref);
}

/** Why a delivery does not trigger (an event or ref the webhook filters out), or null when it does. */
export function filterOut(webhook: Webhook, event: string | null, payload: unknown): string | null {
  if (webhook.events.length > 0 && (event === null || !webhook.events.includes(event))) {
    return `the event ${event ?? '(none)'} is not one of ${webhook.events.join(', ')}`;
  }
  if (webhook.refs.length > 0) {
    const ref = fieldOf(payload, webhook.refField);
    if (ref === null || !webhook.refs.some((pattern) => refMatches(pattern, ref))) return `the ref ${ref ?? '(none)'} matches none of ${webhook.refs.join(', ')}`;
  }
  return null;
}
