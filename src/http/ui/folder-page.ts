import { html } from 'hono/html';
import type { Folder } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import type { ActionTable } from '../jenkins/action.js';
import type { Scope } from '../jenkins/scope.js';
import { itemsTable } from './dashboard.js';
import { crumbField, type Html, renderPage } from './page.js';
import { trailOf } from './trail.js';
import { renameForm } from './rename-form.js';
import type { View } from '../../core/view.js';
import { viewItems, viewTabs } from './view-tabs.js';

/** The web interface's actions on a folder. */
export function folderUiActions(folder: Folder): ActionTable {
  return { '': { GET: (scope) => folderPage(scope, folder) } };
}

/** A folder's page, listing its items, or those of one of its views. */
export async function folderPage(scope: Scope, folder: Folder, view: View | null = null): Promise<Response> {
  return renderPage(scope, {
    title: view ? `${folder.name} » ${view.name}` : folder.name,
    trail: trailOf(folder.fullName),
    body: html`${folder.settings.description ? html`<p class="description">${folder.settings.description}</p>` : ''}
${folderActions(scope, folder)}
<section aria-labelledby="items-title"><h2 id="items-title">Jobs and folders</h2>${viewTabs(scope, folder, view)}${itemsTable(scope, folder.id, await viewItems(scope, folder, view))}</section>
${renameForm(scope, folder)}
${deleteForm(scope, folder)}`,
  });
}

/** The links the caller may use (the server checks each again): new item, configure, permissions. */
function folderActions(scope: Scope, folder: Folder): Html {
  const { authorizer } = scope.deps;
  const base = `/${itemPath(folder.fullName)}`;
  const links = [
    authorizer.has(scope.principal, Permissions.ItemCreate, folder) ? html`<a class="button primary" href="${base}newJob">New item</a>` : '',
    authorizer.has(scope.principal, Permissions.ItemConfigure, folder) ? html`<a class="button" href="${base}configure">Configure</a>` : '',
    authorizer.has(scope.principal, Permissions.Administer) ? html`<a class="button" href="${base}security">Permissions</a>` : '',
    authorizer.has(scope.principal, Permissions.CredentialsView, folder) ? html`<a class="button" href="${base}credentials/store/folder/domain/_/">Credentials</a>` : '',
  ];
  return html`<div class="actions">${links}</div>`;
}

/** Deleting takes two steps without any script: open the section, then press the button that names the folder. */
function deleteForm(scope: Scope, folder: Folder): Html {
  if (!scope.deps.authorizer.has(scope.principal, Permissions.ItemDelete, folder)) return html``;
  return html`<details class="danger-zone"><summary>Delete this folder</summary>
<form method="post" action="/${itemPath(folder.fullName)}doDelete">${crumbField(scope)}<p>Deleting ${folder.name} deletes everything in it: its jobs with their builds, logs and workspaces, and its folders. This cannot be undone.</p><button type="submit" class="danger">Delete folder ${folder.name}</button></form>
</details>`;
}
