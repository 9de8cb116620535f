import { html } from 'hono/html';
import type { Item } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import type { Scope } from '../jenkins/scope.js';
import { crumbField, type Html } from './page.js';

/**
 * Renaming a job or folder, folded like the delete section: the form posts to Jenkins'
 * `confirmRename`, which checks the permission again and answers with the item's new page. Shown to
 * those with Job/Configure (Jenkins' other way, Create and Delete, works through the URL too).
 */
export function renameForm(scope: Scope, item: Item): Html {
  if (!scope.deps.authorizer.has(scope.principal, Permissions.ItemConfigure, item)) return html``;
  return html`<details class="rename"><summary>Rename this ${item.kind}</summary>
<form method="post" action="/${itemPath(item.fullName)}confirmRename">${crumbField(scope)}<p>Its builds, history, permissions and workspace move with it; links to the old name stop working.</p>
<label for="new-name">New name</label> <input id="new-name" name="newName" value="${item.name}" required maxlength="200"> <button type="submit">Rename</button></form>
</details>`;
}
