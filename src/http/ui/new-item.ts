import { html } from 'hono/html';
import { defaultJobSettings, type Folder, type Item } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import { single } from '../body.js';
import type { Scope } from '../jenkins/scope.js';
import { textField } from './fields.js';
import { attempt, errorSummary, type FormErrors, NO_ERRORS, reasonOf } from './item-form-errors.js';
import { crumbField, type Html, renderPage } from './page.js';
import { trailOf } from './trail.js';

/** The new-item form as the browser holds it. */
interface NewItemDraft {
  readonly name: string;
  readonly mode: 'job' | 'folder';
  readonly from: string;
}

const TYPES = [
  ['job', 'Freestyle job', 'Runs shell steps on this server, with parameters, a quiet period, a timeout and its own trigger token if you want one.'],
  ['folder', 'Folder', 'Holds jobs and other folders; permissions granted on a folder hold for everything inside it.'],
] as const;

/** `GET [/job/F]/newJob`: needs Job/Create where the item would go, as createItem does. */
export async function newItemPage(scope: Scope, parent: Folder | null): Promise<Response> {
  scope.check(Permissions.ItemCreate, parent ?? undefined);
  return newItemForm(scope, parent, { name: '', mode: 'job', from: '' }, NO_ERRORS, 200);
}

/**
 * `POST [/job/F]/newJob`: creates an empty job or folder, or copies an item, through the same
 * service and checks as the API's createItem, then opens the new item's configure page.
 */
export async function createFromForm(scope: Scope, parent: Folder | null): Promise<Response> {
  scope.check(Permissions.ItemCreate, parent ?? undefined);
  const input = await scope.readInput();
  const draft: NewItemDraft = { name: single(input, 'name') ?? '', mode: single(input, 'mode') === 'folder' ? 'folder' : 'job', from: (single(input, 'from') ?? '').trim() };
  let write: () => Promise<Item>;
  if (draft.from !== '') {
    const source = await copySource(scope, parent, draft.from);
    if (!source) {
      const errors = { fields: new Map([['from', `No item named "${draft.from}". Give the full name of an existing job or folder, such as team/app.`]]), general: [], code: 'copy_source_missing' };
      return newItemForm(scope, parent, draft, errors, 400);
    }
    scope.check(Permissions.ItemConfigure, source);
    write = () => scope.deps.items.copy(source, parent, draft.name, scope.configurer());
  } else {
    const settings = draft.mode === 'folder' ? ({ kind: 'folder', description: '' } as const) : defaultJobSettings();
    write = () => scope.deps.items.create(parent, draft.name, settings, null, scope.configurer());
  }
  const created = await attempt(write, (field) => (field === 'name' ? 'name' : null));
  if (!created.ok) return newItemForm(scope, parent, draft, created.errors, 400);
  return scope.redirect(`${itemPath(created.value.fullName)}configure`, 303);
}

/** As createItem's `from=`: a name relative to the folder the copy goes into, else a full name; only items the caller may read. */
async function copySource(scope: Scope, parent: Folder | null, from: string): Promise<Item | null> {
  const found = await scope.deps.items.findFrom(parent, from);
  return found && scope.deps.authorizer.has(scope.principal, Permissions.ItemRead, found) ? found : null;
}

function newItemForm(scope: Scope, parent: Folder | null, draft: NewItemDraft, errors: FormErrors, status: 200 | 400): Promise<Response> {
  const parentPath = parent ? `/${itemPath(parent.fullName)}` : '/';
  return renderPage(scope, {
    title: parent ? `New item in ${parent.name}` : 'New item',
    trail: parent ? [...trailOf(parent.fullName), [parent.name, parentPath]] : [['Dashboard', '/']],
    status,
    reason: reasonOf(errors),
    body: html`${errorSummary(errors)}
<form method="post" action="${parentPath}newJob" class="item-form">
  ${crumbField(scope)}
  ${textField({ name: 'name', label: 'Name', hint: 'Unique in its folder; it cannot contain / or any of ? * \\ % ! @ # $ ^ & | < > [ ] : ;', value: draft.name, error: errors.fields.get('name') ?? null, required: true })}
  <fieldset class="form-row">
    <legend>Type</legend>
    ${TYPES.map(([mode, label, sentence]) => typeChoice(mode, label, sentence, draft.mode === mode))}
  </fieldset>
  ${textField({ name: 'from', label: 'Copy from (optional)', hint: 'The name of an existing job or folder to copy instead: its settings (and a folder’s contents) are copied, not its builds. The type above is then ignored.', value: draft.from, error: errors.fields.get('from') ?? null })}
  <div class="actions">
    <button type="submit" class="primary">Create</button>
    <a class="button" href="${parentPath}">Cancel</a>
  </div>
</form>`,
  });
}

function typeChoice(mode: string, label: string, sentence: string, checked: boolean): Html {
  return html`<div class="field choice"><input type="radio" id="mode-${mode}" name="mode" value="${mode}" aria-describedby="mode-${mode}-hint"${checked ? html` checked` : ''}><label for="mode-${mode}">${label}</label><p class="hint" id="mode-${mode}-hint">${sentence}</p></div>`;
}
