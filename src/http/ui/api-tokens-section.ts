import { html } from 'hono/html';
import type { ApiToken } from '../../core/api-token.js';
import type { User } from '../../core/user.js';
import { textField } from './fields.js';
import { expiry, scrollBox, timeAgo } from './format.js';
import type { Html } from './page.js';

/** The "create a token" form as submitted, with the error of each field at fault. */
export interface TokenFormState {
  readonly name: string;
  readonly expires: string;
  readonly errors: { readonly name?: string; readonly expires?: string };
}

/** A token just made: its value is shown in this one answer and never again. */
export interface CreatedToken {
  readonly name: string;
  readonly value: string;
}

export interface TokensView {
  readonly user: User;
  /** The user's page, ending in `/`: the forms post below it. */
  readonly base: string;
  readonly crumb: Html;
  readonly tokens: readonly ApiToken[];
  /** Only the owner creates tokens (the value is shown to whoever creates it); an administrator may revoke them. */
  readonly canCreate: boolean;
  readonly form?: TokenFormState;
  readonly now: number;
}

/** The "API tokens" section: the form to create one, and the tokens with their use. */
export function apiTokensSection(view: TokensView): Html {
  return html`<section aria-labelledby="tokens-title">
<h2 id="tokens-title">API tokens</h2>
<p>An API token lets a script act as ${view.user.id} with HTTP Basic (<code>curl -u ${view.user.id}:TOKEN</code>) in place of the password. It needs no crumb, can expire, and can be revoked alone. Tokens made through Jenkins' API (<code>generateNewToken</code>, as Jenkins clients do) are listed here too.</p>
${view.canCreate ? createForm(view) : html`<p class="muted">Only ${view.user.id} can create tokens for ${view.user.id}: a token's value is shown once, to whoever creates it. You can revoke them.</p>`}
${tokenTable(view)}
</section>`;
}

/** The token just created, at the top of the answer to the form: its value, once, with a ready-to-use example. */
export function createdTokenPanel(user: User, created: CreatedToken, rootUrl: string): Html {
  return html`<section class="notice api-token-new" aria-labelledby="new-token-title">
<h2 id="new-token-title">New API token “${created.name}”</h2>
<p><strong>Copy it now: it will not be shown again.</strong> Steward keeps only a hash of it; if you lose it, revoke it and create another.</p>
<p class="api-token-secret"><code id="new-token-value">${created.value}</code> <button type="button" data-copy="new-token-value">Copy<span class="visually-hidden"> the token</span></button></p>
<p>Try it (a POST such as <code>job/NAME/build</code> needs no crumb with it either):</p>
<pre class="command"><code id="new-token-example">curl -u ${user.id}:${created.value} ${rootUrl}api/json</code></pre>
<p><button type="button" data-copy="new-token-example">Copy<span class="visually-hidden"> the example</span></button></p>
</section>`;
}

function createForm(view: TokensView): Html {
  const form = view.form;
  return html`<form method="post" action="${view.base}tokens/new" class="panel api-token-form" aria-labelledby="create-token-title">
<h3 id="create-token-title">Create a token</h3>
${view.crumb}
${textField({ name: 'name', id: 'token-name', label: 'Token name', value: form?.name ?? '', error: form?.errors.name ?? null, autocomplete: 'off', hint: 'What it is for, e.g. "ci" or "laptop". Empty: a name with today\'s date.' })}
${textField({ name: 'expires', id: 'token-expires', label: 'Expires (optional)', value: form?.expires ?? '', error: form?.errors.expires ?? null, autocomplete: 'off', hint: 'A date (2030-12-31, from midnight UTC) or a time from now (90d, 12h), as steward token create --expires takes it. Empty: never.' })}
<div class="actions"><button type="submit" class="primary">Create token</button></div>
</form>`;
}

function tokenTable(view: TokensView): Html {
  if (view.tokens.length === 0) return html`<p class="muted" id="tokens">No API tokens.</p>`;
  return scrollBox(
    'table-scroll',
    'Table of API tokens',
    html`<table class="api-tokens" id="tokens">
<caption class="visually-hidden">API tokens of ${view.user.id}</caption>
<thead><tr><th scope="col">Name</th><th scope="col" class="optional">Created</th><th scope="col">Last used</th><th scope="col">Uses</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Revoke</span></th></tr></thead>
<tbody>${view.tokens.map((token) => tokenRow(view, token))}</tbody>
</table>`,
  );
}

function tokenRow(view: TokensView, token: ApiToken): Html {
  return html`<tr>
<td>${token.name}</td>
<td class="optional">${timeAgo(token.createdAt)}</td>
<td>${timeAgo(token.lastUsedAt)}${token.lastUsedAddress ? html`<br><span class="hint">from ${token.lastUsedAddress}</span>` : ''}</td>
<td>${token.useCount}</td>
<td>${expiry(token.expiresAt, view.now)}</td>
<td><form method="post" action="${view.base}tokens/revoke" class="inline">${view.crumb}<input type="hidden" name="uuid" value="${token.uuid}"><button type="submit" class="danger">Revoke<span class="visually-hidden"> ${token.name}</span></button></form></td>
</tr>`;
}


