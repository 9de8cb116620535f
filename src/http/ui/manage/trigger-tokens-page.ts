import { html } from 'hono/html';
import { DomainError } from '../../../core/errors.js';
import { itemPath } from '../../../core/item-url.js';
import type { TriggerToken } from '../../../core/trigger-token.js';
import type { Scope } from '../../jenkins/scope.js';
import { expiry, scrollBox, timeAgo } from '../format.js';
import { crumbField, type Html, renderPage } from '../page.js';
import { field, formError, MANAGE_TRAIL, noticeOf, recordAudit, requireAdmin } from './admin.js';

/**
 * `/manage/trigger-tokens`: every live trigger token on the server with its use, and Revoke. Only
 * administrators see them all (the API lists to others only the tokens they may manage); revoking is
 * `DELETE /trigger-tokens/{uuid}`, which an administrator may always do.
 */
export async function triggerTokensPage(scope: Scope): Promise<Response> {
  requireAdmin(scope);
  return render(scope, null);
}

export async function revokeTriggerToken(scope: Scope): Promise<Response> {
  requireAdmin(scope);
  const uuid = field(await scope.readInput(), 'uuid');
  try {
    const token = await scope.deps.triggerTokens.get(uuid);
    await scope.deps.triggerTokens.revoke(token.uuid);
    await recordAudit(scope, { action: 'trigger_token.revoke', outcome: 'accepted', detail: { tokenName: token.name, tokenUuid: token.uuid } });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return render(scope, error);
  }
  return scope.redirect('manage/trigger-tokens?done=revoked', 303);
}

async function coverage(scope: Scope, token: TriggerToken): Promise<Html> {
  const items = await Promise.all(token.itemIds.map((id) => scope.deps.items.byId(id)));
  return html`${items.map((item, index) => html`${index > 0 ? ', ' : ''}${item ? html`<a href="/${itemPath(item.fullName)}">${item.fullName}</a>${item.kind === 'folder' ? html` <span class="muted">(folder)</span>` : ''}` : html`<span class="muted">deleted item #${token.itemIds[index]}</span>`}`)}`;
}


async function tokenRow(scope: Scope, token: TriggerToken): Promise<Html> {
  return html`<tr>
<th scope="row">${token.name}</th>
<td>${coverage(scope, token)}</td>
<td class="optional">${token.createdBy}</td>
<td class="optional">${timeAgo(token.createdAt)}</td>
<td>${timeAgo(token.lastUsedAt)}${token.lastUsedAddress ? html` <span class="muted">from ${token.lastUsedAddress}</span>` : ''}</td>
<td>${token.useCount}</td>
<td class="optional">${expiry(token.expiresAt)}</td>
<td class="optional">${token.allowedNetworks.length > 0 ? token.allowedNetworks.join(', ') : html`<span class="muted">any</span>`}${token.canCancel ? html`<br><span class="muted">may stop its builds</span>` : ''}</td>
<td><form method="post" action="/manage/trigger-tokens/revoke" class="inline">${crumbField(scope)}<input type="hidden" name="uuid" value="${token.uuid}"><button type="submit" class="danger">Revoke<span class="visually-hidden"> ${token.name}</span></button></form></td>
</tr>`;
}

async function render(scope: Scope, error: DomainError | null): Promise<Response> {
  await scope.deps.triggerTokens.flush();
  const tokens = await scope.deps.triggerTokens.list();
  return renderPage(scope, {
    title: 'Trigger tokens',
    trail: MANAGE_TRAIL,
    status: error ? 404 : 200,
    reason: error?.code,
    body: html`${noticeOf(scope, { revoked: 'The trigger token is revoked: requests with it are refused from now on.' })}
${formError(error?.message ?? null, error?.hint)}
<p class="hint">A trigger token may only trigger the jobs it covers (a folder stands for everything below it) and read the builds it started. Revoked tokens are not listed. Tokens are made by someone who may configure those jobs, with <code>POST /steward/api/v1/trigger-tokens</code>; see docs/triggers.md.</p>
${
  tokens.length === 0
    ? html`<p class="muted">There are no trigger tokens.</p>`
    : scrollBox('table-scroll', 'Table of trigger tokens', html`<table class="trigger-tokens admin-table">
<thead><tr><th scope="col">Name</th><th scope="col">Covers</th><th scope="col" class="optional">Made by</th><th scope="col" class="optional">Created</th><th scope="col">Last used</th><th scope="col">Uses</th><th scope="col" class="optional">Expires</th><th scope="col" class="optional">Networks</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${tokens.map((token) => tokenRow(scope, token))}</tbody>
</table>`)
}`,
  });
}
