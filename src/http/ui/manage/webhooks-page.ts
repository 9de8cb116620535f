import { randomBytes } from 'node:crypto';
import { html } from 'hono/html';
import type { WebhookDefinition } from '../../../auth/webhooks.js';
import { DomainError } from '../../../core/errors.js';
import type { HmacSignature, Webhook, WebhookKind } from '../../../core/webhook.js';
import type { Scope } from '../../jenkins/scope.js';
import { WEBHOOK_BASE } from '../../webhook-deliveries.js';
import { select, textArea, textField } from '../fields.js';
import { scrollBox, timeAgo } from '../format.js';
import { crumbField, type Html, renderPage } from '../page.js';
import { field, formError, listOf, MANAGE_TRAIL, noticeOf, recordAudit, requireAdmin } from './admin.js';

const KINDS: ReadonlyArray<readonly [WebhookKind, string]> = [
  ['github', 'GitHub (X-Hub-Signature-256)'],
  ['gitlab', 'GitLab (X-Gitlab-Token)'],
  ['hmac', 'Any sender that signs the body with an HMAC'],
];
const ALGORITHMS: readonly HmacSignature['algorithm'][] = ['sha256', 'sha512', 'sha1'];
const ENCODINGS: readonly HmacSignature['encoding'][] = ['hex', 'base64'];

/** The form as typed; the secret is never typed back into a page. */
interface WebhookForm {
  readonly name: string;
  readonly kind: string;
  readonly jobs: string;
  readonly events: string;
  readonly refs: string;
  readonly refField: string;
  readonly parameters: string;
  readonly signatureHeader: string;
  readonly algorithm: string;
  readonly prefix: string;
  readonly encoding: string;
  readonly eventHeader: string;
  readonly deliveryHeader: string;
}

type FieldName = 'name' | 'kind' | 'jobs' | 'secret' | 'parameters' | 'signatureHeader';
interface FormProblem {
  readonly field: FieldName | null;
  readonly message: string;
  /** The refusal's reason code (`X-Steward-Reason`); `parameter_invalid` (a form value this page cannot read) when unset. */
  readonly code?: string;
}

const EMPTY: WebhookForm = { name: '', kind: 'github', jobs: '', events: '', refs: '', refField: '', parameters: '', signatureHeader: '', algorithm: 'sha256', prefix: 'sha256=', encoding: 'hex', eventHeader: '', deliveryHeader: '' };

/** `/manage/webhooks`: the webhooks, a form to define one (as `PUT /webhooks/{name}`), and Delete. */
export async function webhooksPage(scope: Scope): Promise<Response> {
  requireAdmin(scope);
  return render(scope, { form: EMPTY });
}

/**
 * Defines a webhook. A secret left empty is made here (256 random bits); either way the answer to
 * this POST is the only time it is shown, and the server keeps it only sealed or digested.
 */
export async function defineWebhook(scope: Scope): Promise<Response> {
  const user = requireAdmin(scope);
  const input = await scope.readInput();
  const form = Object.fromEntries(Object.keys(EMPTY).map((name) => [name, field(input, name)])) as unknown as WebhookForm;
  const typedSecret = input.parameters.get('secret')?.[0] ?? '';
  const secret = typedSecret === '' ? randomBytes(32).toString('hex') : typedSecret;
  const read = definitionOf(form, secret);
  if ('problem' in read) return render(scope, { form, problem: read.problem });
  let webhook: Webhook;
  try {
    webhook = await scope.deps.webhooks.define(read.definition, user.id);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return render(scope, { form, problem: { field: fieldOf(error), message: error.hint ? `${error.message} ${error.hint}` : error.message, code: error.code } });
  }
  await recordAudit(scope, { action: 'webhook.create', outcome: 'accepted', detail: { webhook: webhook.name, kind: webhook.kind, jobs: webhook.jobs.join(', ') } });
  return render(scope, { form: EMPTY, created: { webhook, secret } });
}

export async function deleteWebhook(scope: Scope): Promise<Response> {
  requireAdmin(scope);
  const name = field(await scope.readInput(), 'name');
  try {
    await scope.deps.webhooks.delete(name);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return render(scope, { form: EMPTY, problem: { field: null, message: error.message, code: error.code }, status: 404 });
  }
  await recordAudit(scope, { action: 'webhook.delete', outcome: 'accepted', detail: { webhook: name } });
  return scope.redirect('manage/webhooks?done=deleted', 303);
}

/** The definition the form describes, in the shape `PUT /webhooks/{name}` takes; only the form's own syntax is checked here. */
function definitionOf(form: WebhookForm, secret: string): { definition: WebhookDefinition } | { problem: FormProblem } {
  const kind = KINDS.find(([value]) => value === form.kind)?.[0];
  if (!kind) return { problem: { field: 'kind', message: `"${form.kind}" is not a kind of webhook.` } };
  const parameters: Record<string, string> = {};
  for (const line of form.parameters.split('\n').map((text) => text.trim()).filter((text) => text !== '')) {
    const at = line.indexOf('=');
    if (at <= 0) return { problem: { field: 'parameters', message: `"${line}" is not NAME=payload.path.` } };
    parameters[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  const algorithm = ALGORITHMS.find((value) => value === form.algorithm) ?? 'sha256';
  const encoding = ENCODINGS.find((value) => value === form.encoding) ?? 'hex';
  return {
    definition: {
      name: form.name,
      kind,
      secret,
      jobs: listOf(form.jobs),
      events: listOf(form.events),
      refs: listOf(form.refs),
      parameters,
      ...(form.refField !== '' ? { refField: form.refField } : {}),
      ...(kind === 'hmac' && form.signatureHeader !== '' ? { signature: { header: form.signatureHeader, algorithm, prefix: form.prefix, encoding } } : {}),
      ...(kind === 'hmac' && form.eventHeader !== '' ? { eventHeader: form.eventHeader } : {}),
      ...(kind === 'hmac' && form.deliveryHeader !== '' ? { deliveryHeader: form.deliveryHeader } : {}),
    },
  };
}

/** Which field a refusal of `Webhooks.define` concerns. */
function fieldOf(error: DomainError): FieldName | null {
  if (/webhook name/.test(error.message)) return 'name';
  if (/secret/.test(error.message)) return 'secret';
  if (/triggers no job/.test(error.message)) return 'jobs';
  if (/signature/.test(error.message)) return 'signatureHeader';
  return null;
}

function urlOf(scope: Scope, webhook: Webhook): string {
  return `${scope.rootUrl}${WEBHOOK_BASE.slice(1)}/${encodeURIComponent(webhook.name)}`;
}

function webhookRow(scope: Scope, webhook: Webhook): Html {
  const filters = [webhook.events.length > 0 ? `events ${webhook.events.join(', ')}` : '', webhook.refs.length > 0 ? `refs ${webhook.refs.join(', ')}` : ''].filter((text) => text !== '');
  const parameters = Object.entries(webhook.parameters).map(([name, path]) => `${name}=${path}`);
  return html`<tr>
<th scope="row">${webhook.name}</th>
<td><code>${urlOf(scope, webhook)}</code></td>
<td class="optional">${webhook.kind}</td>
<td>${webhook.jobs.join(', ')}</td>
<td class="optional">${filters.length > 0 ? filters.join('; ') : html`<span class="muted">every delivery</span>`}${parameters.length > 0 ? html`<br><span class="muted">parameters ${parameters.join(', ')}</span>` : ''}</td>
<td class="optional">${webhook.createdBy}</td>
<td class="optional">${timeAgo(webhook.createdAt)}</td>
<td><form method="post" action="/manage/webhooks/delete" class="inline">${crumbField(scope)}<input type="hidden" name="name" value="${webhook.name}"><button type="submit" class="danger">Delete<span class="visually-hidden"> ${webhook.name}</span></button></form></td>
</tr>`;
}

function createdPanel(scope: Scope, created: { webhook: Webhook; secret: string }): Html {
  return html`<section class="notice" aria-labelledby="created-title" role="status"><h2 id="created-title">Webhook ${created.webhook.name} is saved</h2>
<p>Give the sender this URL and secret. <strong>The secret is shown only now</strong>: Steward keeps it only ${created.webhook.kind === 'gitlab' ? 'as a keyed digest' : 'sealed'}.</p>
<dl class="facts"><dt>URL</dt><dd><pre class="command" id="webhook-url">${urlOf(scope, created.webhook)}</pre><button type="button" data-copy="webhook-url">Copy<span class="visually-hidden"> the URL</span></button></dd>
<dt>Secret</dt><dd><pre class="command" id="webhook-secret">${created.secret}</pre><button type="button" data-copy="webhook-secret">Copy<span class="visually-hidden"> the secret</span></button></dd></dl>
</section>`;
}

async function render(scope: Scope, state: { form: WebhookForm; problem?: FormProblem; created?: { webhook: Webhook; secret: string }; status?: 404 }): Promise<Response> {
  const { form, problem } = state;
  const webhooks = await scope.deps.webhooks.list();
  const errorOn = (name: FieldName) => (problem?.field === name ? problem.message : null);
  return renderPage(scope, {
    title: 'Webhooks',
    trail: MANAGE_TRAIL,
    status: state.status ?? (problem ? 400 : 200),
    reason: problem ? (problem.code ?? 'parameter_invalid') : undefined,
    body: html`${noticeOf(scope, { deleted: 'The webhook is deleted: deliveries to it are answered 404.' })}
${state.created ? createdPanel(scope, state.created) : ''}
${formError(problem && problem.field === null ? problem.message : null)}
<section aria-labelledby="webhooks-title"><h2 id="webhooks-title">All webhooks</h2>
${
  webhooks.length === 0
    ? html`<p class="muted">There are no webhooks.</p>`
    : scrollBox('table-scroll', 'Table of webhooks', html`<table class="webhooks admin-table"><thead><tr><th scope="col">Name</th><th scope="col">URL</th><th scope="col" class="optional">Kind</th><th scope="col">Jobs</th><th scope="col" class="optional">Triggers on</th><th scope="col" class="optional">Made by</th><th scope="col" class="optional">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${webhooks.map((webhook) => webhookRow(scope, webhook))}</tbody></table>`)
}
</section>
<section aria-labelledby="define-title"><h2 id="define-title">Add a webhook</h2>
<form method="post" action="/manage/webhooks" class="panel">
${crumbField(scope)}
${textField({ name: 'name', label: 'Name', value: form.name, required: true, autocomplete: 'off', hint: 'Letters, digits, ".", "_" or "-"; the sender delivers to /steward/hooks/NAME. Saving a name that exists redefines that webhook.', error: errorOn('name') })}
${select({ name: 'kind', label: 'Sender', choices: KINDS, value: form.kind, error: errorOn('kind') })}
${textArea({ name: 'jobs', label: 'Jobs', value: form.jobs, rows: 3, hint: 'Full names of the jobs a delivery triggers, one per line.', error: errorOn('jobs') })}
${textField({ name: 'secret', label: 'Secret', type: 'password', autocomplete: 'new-password', hint: 'Leave empty and Steward makes one; at least 16 characters otherwise. It is shown once, after saving.', error: errorOn('secret') })}
${textField({ name: 'events', label: 'Events', value: form.events, hint: 'Optional, separated by commas (e.g. push); empty for every event.' })}
${textField({ name: 'refs', label: 'Refs', value: form.refs, hint: 'Optional, separated by commas (e.g. refs/heads/main, refs/tags/**); empty for every ref.' })}
${textField({ name: 'refField', label: 'Ref field', value: form.refField, hint: 'The payload field holding the ref; ref when empty.' })}
${textArea({ name: 'parameters', label: 'Job parameters', value: form.parameters, rows: 3, hint: 'Optional, one NAME=payload.path per line (e.g. SHA=after).', error: errorOn('parameters') })}
<fieldset><legend>Generic HMAC senders only</legend>
${textField({ name: 'signatureHeader', label: 'Signature header', value: form.signatureHeader, hint: 'The header carrying the signature, e.g. X-Signature.', error: errorOn('signatureHeader') })}
${select({ name: 'algorithm', label: 'Algorithm', choices: ALGORITHMS, value: form.algorithm })}
${textField({ name: 'prefix', label: 'Prefix', value: form.prefix, hint: 'Text before the digest, e.g. sha256=; may be empty.' })}
${select({ name: 'encoding', label: 'Encoding', choices: ENCODINGS, value: form.encoding })}
${textField({ name: 'eventHeader', label: 'Event header', value: form.eventHeader, hint: 'Optional: the header naming the event.' })}
${textField({ name: 'deliveryHeader', label: 'Delivery header', value: form.deliveryHeader, hint: 'Optional: the header with a delivery id, so a redelivery never builds twice.' })}
</fieldset>
<div class="actions"><button type="submit" class="primary">Save webhook</button></div>
</form>
</section>`,
  });
}
