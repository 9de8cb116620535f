import type { Folder, Item } from '../../../core/item.js';
import { itemPath } from '../../../core/item-url.js';
import { ALL_VIEW, type View } from '../../../core/view.js';
import { type Bean, bean } from '../export/bean.js';
import type { BeanContext } from './context.js';
import { itemBeans } from './item.js';

const ALL_VIEW_CLASS = 'hudson.model.AllView';
const LIST_VIEW_CLASS = 'hudson.model.ListView';

/**
 * A view's URL. The `all` view is a folder's primary view, so Jenkins gives it the folder's (or the
 * root's) own URL; it also answers at `…/view/all/`.
 */
export function viewUrl(context: BeanContext, owner: Folder | null, view: View | null): string {
  const base = context.rootUrl + (owner ? itemPath(owner.fullName) : '');
  return view ? `${base}view/${encodeURIComponent(view.name)}/` : base;
}

/** The `views` of the root or a folder: `all` first, then its list views by name, as Jenkins lists them. */
export async function viewRefs(context: BeanContext, owner: Folder | null): Promise<Bean[]> {
  const views = await context.store.views.list(owner?.id ?? null);
  return [viewRef(context, owner, null), ...views.map((view) => viewRef(context, owner, view))];
}

export function viewRef(context: BeanContext, owner: Folder | null, view: View | null): Bean {
  return bean(view ? LIST_VIEW_CLASS : ALL_VIEW_CLASS, [
    ['name', 999, () => view?.name ?? ALL_VIEW],
    ['url', 999, () => viewUrl(context, owner, view)],
  ]);
}

/** A view's own API (`/view/V/api/json`): its readable items in `jobs`, as the folder lists them. */
export function viewBean(context: BeanContext, owner: Folder | null, view: View | null, items: () => Promise<Item[]>): Bean {
  return bean(view ? LIST_VIEW_CLASS : ALL_VIEW_CLASS, [
    ['description', 1, () => (view && view.settings.description !== '' ? view.settings.description : null)],
    ['jobs', 1, async () => itemBeans(context, await items())],
    ['name', 1, () => view?.name ?? ALL_VIEW],
    ['property', 1, () => []],
    ['url', 1, () => viewUrl(context, owner, view)],
  ]);
}
