import { html } from 'hono/html';
import type { Folder } from '../../core/item.js';
import type { ActionTable } from '../jenkins/action.js';
import type { Scope } from '../jenkins/scope.js';
import { itemsTable } from './dashboard.js';
import { renderPage } from './page.js';
import { trailOf } from './trail.js';

/** The web interface's actions on a folder. */
export function folderUiActions(folder: Folder): ActionTable {
  return { '': { GET: (scope) => folderPage(scope, folder) } };
}

async function folderPage(scope: Scope, folder: Folder): Promise<Response> {
  return renderPage(scope, {
    title: folder.name,
    trail: trailOf(folder.fullName),
    body: html`${folder.settings.description ? html`<p class="description">${folder.settings.description}</p>` : ''}
<section aria-labelledby="items-title"><h2 id="items-title">Jobs and folders</h2>${itemsTable(scope, folder.id)}</section>`,
  });
}
