import { html } from 'hono/html';
import { writeGrants } from '../../../core/access.js';
import { DomainError } from '../../../core/errors.js';
import type { Item } from '../../../core/item.js';
import { itemPath } from '../../../core/item-url.js';
import { GRANTABLE_PERMISSIONS, isServerWide } from '../../../core/permissions.js';
import type { ActionTable } from '../../jenkins/action.js';
import { grantsAbove } from '../../item-grants.js';
import type { Scope } from '../../jenkins/scope.js';
import { crumbField, renderPage } from '../page.js';
import { trailOf } from '../trail.js';
import { formError, noticeOf, recordAudit, requireAdmin } from './admin.js';
import { grantGrid, type GridError, type GridModel, gridFrom, gridOf, grantsOf, grantTable, sidNotes } from './grant-grid.js';

/** Overall permissions hold only server-wide, so an item's grid leaves them out. */
const ITEM_PERMISSIONS = GRANTABLE_PERMISSIONS.filter((permission) => !isServerWide(permission));

/** The per-item permission grid of a job or folder (`…/security`), as `GET`/`PUT /security/grants?item=` read and set it. */
export function itemSecurityUiActions(item: Item): ActionTable {
  return { security: { GET: (scope) => itemSecurityPage(scope, item), POST: (scope) => saveItemSecurity(scope, item) } };
}

async function itemSecurityPage(scope: Scope, item: Item): Promise<Response> {
  requireAdmin(scope);
  return render(scope, item, gridOf(scope.deps.policy.current.grants.filter((grant) => grant.itemId === item.id)), null);
}

async function saveItemSecurity(scope: Scope, item: Item): Promise<Response> {
  requireAdmin(scope);
  const model = gridFrom(await scope.readInput());
  const read = grantsOf(model, item.id, `Grants of ${item.fullName}`);
  if ('error' in read) return render(scope, item, model, read.error);
  try {
    await scope.deps.policy.update({ grants: [{ itemId: item.id, grants: read.grants }] });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return render(scope, item, model, { field: null, message: error.message, hint: error.hint ?? null, code: error.code });
  }
  await recordAudit(scope, { action: 'grants.update', outcome: 'accepted', item: item.fullName, detail: { grants: JSON.stringify(writeGrants(read.grants)) } });
  return scope.redirect(`${itemPath(item.fullName)}security?done=saved`, 303);
}

/** The grants of the enclosing folders, outermost first, as the API's `inherited` lists them. */
async function inherited(scope: Scope, item: Item): Promise<Array<{ folder: Item; model: GridModel }>> {
  return (await grantsAbove(scope.deps, item)).map(({ folder, grants }) => ({ folder, model: gridOf(grants) }));
}

async function render(scope: Scope, item: Item, model: GridModel, error: GridError | null): Promise<Response> {
  const above = await inherited(scope, item);
  const matrix = scope.deps.policy.current.strategy === 'matrix';
  return renderPage(scope, {
    title: `Security of ${item.name}`,
    trail: [...trailOf(item.fullName), [item.name, `/${itemPath(item.fullName)}`]],
    status: error ? 400 : 200,
    reason: error ? (error.code ?? 'grant_invalid') : undefined,
    body: html`${noticeOf(scope, { saved: `The grants on ${item.fullName} are saved.` })}
${matrix ? '' : html`<p class="notice">The server uses "logged-in users can do anything", so these grants take effect only once the <a href="/manage/security">permission matrix</a> is chosen.</p>`}
${formError(error && error.field === null ? error.message : null, error?.hint)}
<section aria-labelledby="own-title"><h2 id="own-title">Grants on this ${item.kind}</h2>
<p class="hint">They hold for ${item.kind === 'folder' ? 'this folder and everything below it' : 'this job'}, in addition to the <a href="/manage/security">server-wide grants</a> and those of the folders above.</p>
<form method="post" action="/${itemPath(item.fullName)}security">
${crumbField(scope)}
${grantGrid({ model, permissions: ITEM_PERMISSIONS, caption: `Permission grants on ${item.fullName}`, error, note: await sidNotes(scope) })}
<div class="actions"><button type="submit" class="primary">Save</button></div>
</form>
</section>
<section aria-labelledby="inherited-title"><h2 id="inherited-title">Inherited from folders above</h2>
${above.length === 0 ? html`<p class="muted">No folder above ${item.name} has grants of its own.</p>` : above.map(
        ({ folder, model: theirs }) =>
          html`${grantTable({ model: theirs, permissions: ITEM_PERMISSIONS, caption: `From ${folder.fullName}` })}<p class="hint">Change them on <a href="/${itemPath(folder.fullName)}security">the security page of ${folder.fullName}</a>.</p>`,
      )}
</section>`,
  });
}
