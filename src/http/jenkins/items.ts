import { defaultJobSettings, type Folder, type Item, type Job } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import { single } from '../body.js';
import { latin1, Refusal } from '../errors.js';
import { parseConfigXml } from './config-xml/parse.js';
import { renderConfigXml } from './config-xml/render.js';
import { savingConfigXml } from './config-xml/setting-elements.js';
import { FOLDER_CLASS, JOB_CLASS } from './beans/item.js';
import type { Scope } from './scope.js';
import { fromBrowser } from '../ui/page.js';

function isXml(contentType: string): boolean {
  return contentType.startsWith('application/xml') || contentType.startsWith('text/xml');
}

/** A warning header naming the parts of a config.xml Steward keeps but does not act on. */
export function ignoredHeader(ignored: readonly string[]): Record<string, string> {
  return ignored.length === 0 ? {} : { 'X-Steward-Warning': latin1(`Steward keeps but does not act on: ${ignored.join(', ')}`) };
}

/**
 * `POST [/job/F]/createItem?name=X`: from a config.xml body (200), as a copy with
 * `mode=copy&from=SRC` (302 to its configure page), or empty of a given `mode` type (302). Checks
 * follow Jenkins' order: Create permission, Content-Type, name, name rules, name taken.
 */
export async function createItem(scope: Scope, parent: Folder | null): Promise<Response> {
  scope.check(Permissions.ItemCreate, parent ?? undefined);
  const input = await scope.readInput();
  const mode = single(input, 'mode');
  const name = single(input, 'name');
  if (mode !== 'copy' && input.contentType === '' && !isKnownMode(mode)) {
    throw new Refusal('content_type_missing', 'No Content-Type header set.', 'Send the config.xml with Content-Type: application/xml, or copy a job with mode=copy&from=NAME.');
  }
  if (name === undefined || name.trim() === '') {
    throw new Refusal('name_missing', "Query parameter 'name' is required.", 'Add ?name=NEW_NAME to the URL.');
  }
  if (mode === 'copy') {
    const from = single(input, 'from');
    if (!from) throw new Refusal('copy_source_missing', 'Specify which job to copy.', 'Add &from=SOURCE (its full name) to the URL.');
    const source = await scope.deps.items.findFrom(parent, from);
    if (!source) throw new Refusal('copy_source_missing', `No such job: ${from}.`, 'Give the full name of an existing item in from=.');
    scope.check(Permissions.ItemConfigure, source);
    const copy = await scope.deps.items.copy(source, parent, name, scope.configurer());
    return scope.redirect(`${itemPath(copy.fullName)}configure`);
  }
  if (isXml(input.contentType)) {
    const parsed = parseConfigXml(input.text, null, scope.deps.secrets);
    await savingConfigXml(() => scope.deps.items.create(parent, name, parsed.settings, parsed.source, scope.configurer()));
    return new Response(null, { status: 200, headers: ignoredHeader(parsed.ignored) });
  }
  if (isKnownMode(mode)) {
    const settings = mode === FOLDER_CLASS ? ({ kind: 'folder', description: '' } as const) : defaultJobSettings();
    const item = await scope.deps.items.create(parent, name, settings, null);
    return scope.redirect(`${itemPath(item.fullName)}configure`);
  }
  throw new Refusal(
    'item_type_unsupported',
    mode ? `No item type "${mode}" is known.` : 'No mode given.',
    `Send a config.xml with Content-Type: application/xml, or use mode=${JOB_CLASS}, mode=${FOLDER_CLASS} or mode=copy.`,
  );
}

function isKnownMode(mode: string | undefined): boolean {
  return mode === JOB_CLASS || mode === FOLDER_CLASS;
}

export async function getConfig(scope: Scope, item: Item): Promise<Response> {
  scope.check(Permissions.ItemConfigure, item);
  return new Response(renderConfigXml(item), { status: 200, headers: { 'Content-Type': 'application/xml;charset=UTF-8' } });
}

export async function postConfig(scope: Scope, item: Item): Promise<Response> {
  scope.check(Permissions.ItemConfigure, item);
  const input = await scope.readInput();
  const parsed = parseConfigXml(input.text, item.settings, scope.deps.secrets);
  await savingConfigXml(() => scope.deps.items.update(item, parsed.settings, parsed.source, scope.configurer()));
  return new Response(null, { status: 200, headers: ignoredHeader(parsed.ignored) });
}

/** `POST …/doDelete`: 302 to the enclosing folder (or the root), as node-jenkins requires. */
export async function doDelete(scope: Scope, item: Item): Promise<Response> {
  scope.check(Permissions.ItemDelete, item);
  await scope.deps.items.delete(item);
  const parent = item.fullName.includes('/') ? item.fullName.slice(0, item.fullName.lastIndexOf('/')) : null;
  return scope.redirect(parent ? itemPath(parent) : '');
}

/**
 * `POST …/doRename?newName=Y` (python-jenkins `rename_job`) and `…/confirmRename`: Jenkins'
 * `doConfirmRename`. Needs Job/Configure, or else Job/Create where the item is and Job/Delete on it
 * (Jenkins' rule). Answers 302 to the item's new URL (a browser's form 303).
 */
export async function doRename(scope: Scope, item: Item): Promise<Response> {
  if (!scope.deps.authorizer.has(scope.principal, Permissions.ItemConfigure, item)) {
    const parent = item.parentId === null ? undefined : ((await scope.deps.items.byId(item.parentId)) ?? undefined);
    scope.check(Permissions.ItemCreate, parent);
    scope.check(Permissions.ItemDelete, item);
  }
  const newName = single(await scope.readInput(), 'newName');
  if (newName === undefined) throw new Refusal('name_missing', "Query parameter 'newName' is required.", 'Add ?newName=NEW_NAME to the URL.');
  const renamed = await scope.deps.items.rename(item, newName);
  return scope.redirect(itemPath(renamed.fullName), fromBrowser(scope) ? 303 : 302);
}

/** `DELETE /job/X/`: 204, as Jenkins' HttpDeletable. */
export async function httpDelete(scope: Scope, item: Item): Promise<Response> {
  scope.check(Permissions.ItemDelete, item);
  await scope.deps.items.delete(item);
  return new Response(null, { status: 204 });
}

export async function setDisabled(scope: Scope, job: Job, disabled: boolean): Promise<Response> {
  scope.check(Permissions.ItemConfigure, job);
  await scope.deps.items.setDisabled(job, disabled);
  return scope.redirect(itemPath(job.fullName));
}
