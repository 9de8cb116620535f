import { html } from 'hono/html';
import type { Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import { covers, type TriggerToken } from '../../core/trigger-token.js';
import type { Scope } from '../jenkins/scope.js';
import { textField } from './fields.js';
import { expiry, scrollBox, timeAgo } from './format.js';
import { crumbField, type Html } from './page.js';
import { triggerCommands } from './trigger-commands.js';
import { mayManageTriggerToken } from '../trigger-token-access.js';

/** What the token form shows: a token just made (its value, this once), or the values and errors of a refused attempt. */
export interface TokenFormState {
  readonly created?: { readonly token: TriggerToken; readonly value: string };
  readonly values?: { readonly name: string; readonly expires: string };
  readonly errors?: { readonly name?: string; readonly expires?: string };
}

/** The id of the panel; the token form posts to it as a fragment, so that its answer opens there. */
export const PANEL_ID = 'trigger-remotely';

/**
 * "Trigger remotely": ready-to-copy commands for this job on this server, and, for those who may
 * configure the job, its trigger tokens. Shown to users with Job/Build or Job/Configure.
 */
export async function triggerPanel(scope: Scope, job: Job, state: TokenFormState): Promise<Html> {
  const { authorizer } = scope.deps;
  const canConfigure = authorizer.has(scope.principal, Permissions.ItemConfigure, job);
  if (!canConfigure && !authorizer.has(scope.principal, Permissions.ItemBuild, job)) return html``;
  const user = scope.principal.kind === 'user' ? scope.principal.id : null;
  const commands = triggerCommands(job, scope.rootUrl, user, state.created?.value ?? null);
  // Folded by default: most visits to a job page are not to script it. It opens for the answer of its
  // own form (a token to copy, or what to fix), and the page script opens it when the URL's fragment
  // names it (a revoke lands on #trigger-remotely).
  const open = state.created !== undefined || state.errors !== undefined;
  return html`<section class="panel trigger" id="${PANEL_ID}" aria-labelledby="${PANEL_ID}-title">
<h2 id="${PANEL_ID}-title">Trigger remotely</h2>
<details class="fold"${open ? html` open` : ''}>
<summary>Commands that start ${job.name} from a script${canConfigure && user !== null ? ', and its trigger tokens' : ''}</summary>
<p>Start ${job.name} from a script, another CI system or a cron job with one of these commands.</p>
${state.created ? createdNotice(state.created) : ''}
<h3>With your API token</h3>
<p class="hint">Needs Job/Build and no crumb. Make an API token on <a href="/me/">your page</a> and put it in place of API_TOKEN.</p>
${command('cmd-api-curl', 'curl', commands.apiCurl)}
${command('cmd-api-cli', 'steward CLI (waits for the build and prints its log)', commands.apiCli)}
<h3>With a trigger token</h3>
<p class="hint">No user account and no crumb: a trigger token can only trigger the jobs it covers and read the builds it started, and each build it starts names it. It travels in a header, which keeps it out of URLs and server logs.</p>
${command('cmd-token-curl', 'curl (Build Token Root)', commands.tokenCurl)}
${command('cmd-token-cli', 'steward CLI', commands.tokenCli)}
${canConfigure && user !== null ? await tokensSection(scope, job, state) : ''}
</details>
</section>`;
}

function command(id: string, label: string, text: string): Html {
  return html`<div class="command-block"><p class="command-label" id="${id}-label">${label}</p><pre class="command" id="${id}" aria-labelledby="${id}-label">${text}</pre><button type="button" data-copy="${id}" aria-label="Copy: ${label}">Copy</button></div>`;
}

function createdNotice(created: { readonly token: TriggerToken; readonly value: string }): Html {
  return html`<div class="notice" role="status">
<p>Trigger token <strong>${created.token.name}</strong> created. Copy it now: it is shown only this once (Steward keeps only a hash of it). The commands below are filled in with it.</p>
<div class="command-block"><pre class="command" id="token-value" aria-label="The new trigger token">${created.value}</pre><button type="button" data-copy="token-value" aria-label="Copy the new trigger token">Copy</button></div>
</div>`;
}

async function tokensSection(scope: Scope, job: Job, state: TokenFormState): Promise<Html> {
  // Uses are counted in memory and written in batches; write them now so the counts are current.
  await scope.deps.triggerTokens.flush();
  const tokens: TriggerToken[] = [];
  for (const token of await scope.deps.triggerTokens.list()) {
    if (covers(token, job) && (await mayManageTriggerToken(scope.deps, scope.principal, token))) tokens.push(token);
  }
  const jobUrl = `/${itemPath(job.fullName)}`;
  const rows = await Promise.all(tokens.map((token) => tokenRow(scope, job, token)));
  const values = state.values ?? { name: '', expires: '' };
  return html`<h3 id="tokens-title">Trigger tokens for this job</h3>
${tokens.length === 0 ? html`<p class="muted">No trigger token covers ${job.name} yet.</p>` : scrollBox('table-scroll', `Table of the trigger tokens for ${job.name}`, html`<table class="trigger-tokens" aria-labelledby="tokens-title"><thead><tr><th scope="col">Name</th><th scope="col" class="optional">Covers</th><th scope="col" class="optional">Created</th><th scope="col">Last used</th><th scope="col">Uses</th><th scope="col" class="optional">Expires</th><th scope="col"><span class="visually-hidden">Revoke</span></th></tr></thead><tbody>${rows}</tbody></table>`)}
<form method="post" action="${jobUrl}triggerTokens#${PANEL_ID}" class="token-form">
${crumbField(scope)}
<h4>New trigger token</h4>
${textField({ name: 'name', id: 'token-name', label: 'Token name', value: values.name, required: true, hint: 'Name it for what will use it, e.g. github-deploy: each build it starts names it.', error: state.errors?.name ?? null })}
${textField({ name: 'expires', id: 'token-expires', type: 'datetime-local', label: 'Expires (UTC, optional)', value: values.expires, hint: 'Leave empty for a token that does not expire.', error: state.errors?.expires ?? null })}
<div class="actions"><button type="submit" class="primary">Create trigger token</button></div>
</form>`;
}

async function tokenRow(scope: Scope, job: Job, token: TriggerToken): Promise<Html> {
  const scopeNames = await Promise.all(token.itemIds.map(async (id) => (id === job.id ? 'this job' : ((await scope.deps.items.byId(id))?.fullName ?? `(deleted item #${id})`))));
  return html`<tr><td>${token.name}</td><td class="optional">${scopeNames.join(', ')}</td><td class="optional">${timeAgo(token.createdAt)} <span class="muted">by ${token.createdBy}</span></td><td>${timeAgo(token.lastUsedAt)}${token.lastUsedAddress ? html` <span class="muted">from ${token.lastUsedAddress}</span>` : ''}</td><td>${token.useCount}</td><td class="optional">${expiry(token.expiresAt)}</td><td><form method="post" action="/${itemPath(job.fullName)}triggerTokens/revoke" class="inline">${crumbField(scope)}<input type="hidden" name="uuid" value="${token.uuid}"><button type="submit" class="danger" aria-label="Revoke ${token.name}">Revoke</button></form></td></tr>`;
}
