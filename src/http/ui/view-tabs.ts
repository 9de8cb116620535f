import { html } from 'hono/html';
import type { Folder, Item } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { ALL_VIEW, type View } from '../../core/view.js';
import type { Scope } from '../jenkins/scope.js';
import type { Html } from './page.js';

/**
 * The views of the root or a folder as tabs above its items, the selected one marked; nothing when
 * it has only the implicit `all` view, so a server without views looks as before.
 */
export async function viewTabs(scope: Scope, owner: Folder | null, selected: View | null): Promise<Html> {
  const views = await scope.deps.views.list(owner);
  if (views.length === 0) return html``;
  const base = `/${owner ? itemPath(owner.fullName) : ''}`;
  const tab = (view: View | null) => {
    const href = view ? `${base}view/${encodeURIComponent(view.name)}/` : base;
    const current = (view?.id ?? null) === (selected?.id ?? null);
    return html`<li><a href="${href}"${current ? html` aria-current="page"` : ''}>${view?.name ?? ALL_VIEW}</a></li>`;
  };
  return html`<nav class="view-tabs" aria-label="Views"><ul>${tab(null)}${views.map(tab)}</ul></nav>`;
}

/** The items a page lists: the selected view's, or (for `all`) undefined, meaning the folder's own. */
export async function viewItems(scope: Scope, owner: Folder | null, selected: View | null): Promise<Item[] | undefined> {
  return selected ? scope.deps.views.items(owner, selected) : undefined;
}
