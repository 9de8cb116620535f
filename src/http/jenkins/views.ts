import type { Folder } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import { emptyViewSettings, type View } from '../../core/view.js';
import { single } from '../body.js';
import { Refusal } from '../errors.js';
import { dashboardPage } from '../ui/dashboard.js';
import { folderPage } from '../ui/folder-page.js';
import type { ActionTable } from './action.js';
import { LIST_VIEW, parseViewXml, renderViewXml } from './config-xml/view.js';
import { ignoredHeader } from './items.js';
import type { Scope } from './scope.js';

/**
 * `POST [/job/F]/createView?name=V`: from a view config.xml body (python-jenkins; 200), or empty of
 * `mode=hudson.model.ListView` (the npm clients' form; 302 to the view), as Jenkins' `doCreateView`.
 */
export async function createView(scope: Scope, owner: Folder | null): Promise<Response> {
  scope.check(Permissions.ViewCreate, owner ?? undefined);
  const input = await scope.readInput();
  const name = single(input, 'name') ?? jsonField(single(input, 'json'), 'name');
  if (name === undefined || name.trim() === '') throw new Refusal('name_missing', "Query parameter 'name' is required.", 'Add ?name=NEW_VIEW to the URL.');
  if (input.contentType.startsWith('application/xml') || input.contentType.startsWith('text/xml')) {
    const parsed = parseViewXml(input.text);
    await scope.deps.views.create(owner, name, parsed.settings, parsed.source);
    return new Response(null, { status: 200, headers: ignoredHeader(parsed.ignored) });
  }
  const mode = single(input, 'mode') ?? jsonField(single(input, 'json'), 'mode');
  if (mode === undefined) throw new Refusal('item_type_unsupported', 'No view type is specified.', `Send mode=${LIST_VIEW}, or a view config.xml with Content-Type: application/xml.`);
  if (mode !== LIST_VIEW) throw new Refusal('item_type_unsupported', `Steward keeps list views (mode=${LIST_VIEW}), not ${mode}.`, `Send mode=${LIST_VIEW}.`);
  const view = await scope.deps.views.create(owner, name, emptyViewSettings(), null);
  return scope.redirect(viewPath(owner, view));
}

/** What a view answers. The `all` view (null) only shows, as it has nothing to configure or delete. */
export function viewActions(owner: Folder | null, view: View | null): ActionTable {
  const page = { GET: (scope: Scope) => (owner ? folderPage(scope, owner, view) : dashboardPage(scope, view)) };
  if (!view) return { '': page };
  return {
    '': page,
    'config.xml': { GET: (scope) => getViewConfig(scope, owner, view), POST: (scope) => postViewConfig(scope, owner, view) },
    doDelete: { POST: (scope) => deleteView(scope, owner, view) },
    addJobToView: { POST: (scope) => changeJobs(scope, owner, view, 'add') },
    removeJobFromView: { POST: (scope) => changeJobs(scope, owner, view, 'remove') },
  };
}

async function getViewConfig(scope: Scope, owner: Folder | null, view: View): Promise<Response> {
  scope.check(Permissions.ViewRead, owner ?? undefined);
  return new Response(renderViewXml(view), { status: 200, headers: { 'Content-Type': 'application/xml;charset=UTF-8' } });
}

async function postViewConfig(scope: Scope, owner: Folder | null, view: View): Promise<Response> {
  scope.check(Permissions.ViewConfigure, owner ?? undefined);
  const parsed = parseViewXml((await scope.readInput()).text);
  await scope.deps.views.update(view, parsed.settings, parsed.source);
  return new Response(null, { status: 200, headers: ignoredHeader(parsed.ignored) });
}

/** `POST …/view/V/doDelete`: 302 to the folder (or the root), as the npm client expects. */
async function deleteView(scope: Scope, owner: Folder | null, view: View): Promise<Response> {
  scope.check(Permissions.ViewDelete, owner ?? undefined);
  await scope.deps.views.delete(view);
  return scope.redirect(owner ? itemPath(owner.fullName) : '');
}

/** `POST …/view/V/addJobToView?name=J` and `removeJobFromView`: 200, as Jenkins answers. */
async function changeJobs(scope: Scope, owner: Folder | null, view: View, change: 'add' | 'remove'): Promise<Response> {
  scope.check(Permissions.ViewConfigure, owner ?? undefined);
  const name = single(await scope.readInput(), 'name');
  if (name === undefined || name.trim() === '') throw new Refusal('name_missing', "Query parameter 'name' is required.", 'Add ?name=JOB (relative to the view\'s folder) to the URL.');
  if (change === 'add') await scope.deps.views.add(view, owner, name);
  else await scope.deps.views.remove(view, name);
  return new Response(null, { status: 200 });
}

function viewPath(owner: Folder | null, view: View): string {
  return `${owner ? itemPath(owner.fullName) : ''}view/${encodeURIComponent(view.name)}/`;
}

/** A field of the `json` form field Jenkins' forms send beside the plain fields. */
function jsonField(json: string | undefined, field: string): string | undefined {
  if (json === undefined) return undefined;
  try {
    const value = (JSON.parse(json) as Record<string, unknown> | null)?.[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

