import { html } from 'hono/html';
import type { Folder, Item } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import type { ActionTable } from '../jenkins/action.js';
import type { Scope } from '../jenkins/scope.js';
import { renderPage } from './page.js';
import { trailOf } from './trail.js';

/** The configure page of a job or folder. */
export function configureUiActions(item: Item): ActionTable {
  return { configure: { GET: (scope) => configurePage(scope, item) } };
}

/** The new-item page at the top (`/newJob`) or in a folder (`/job/F/newJob`). */
export function newItemUiActions(_parent: Folder | null): ActionTable {
  return {};
}

async function configurePage(scope: Scope, item: Item): Promise<Response> {
  return renderPage(scope, {
    title: `Configure ${item.name}`,
    trail: [...trailOf(item.fullName), [item.name, `/${itemPath(item.fullName)}`]],
    body: html`<p>Read and write it at <a href="/${itemPath(item.fullName)}config.xml">config.xml</a>.</p>`,
  });
}
