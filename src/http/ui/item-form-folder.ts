import { html } from 'hono/html';
import type { Folder } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import { Permissions } from '../../core/permissions.js';
import { single } from '../body.js';
import type { Scope } from '../jenkins/scope.js';
import { textArea } from './fields.js';
import { attempt, type FormErrors, NO_ERRORS } from './item-form-errors.js';
import { configureFormPage } from './item-form-page.js';

/** `GET …/configure` of a folder: its description (grants are on its Security page). */
export async function configureFolderPage(scope: Scope, folder: Folder): Promise<Response> {
  scope.check(Permissions.ItemConfigure, folder);
  return folderForm(scope, folder, folder.settings.description, NO_ERRORS, 200);
}

/** `POST …/configure`: a native write, like a job's (see saveJobForm), then back to the folder. */
export async function saveFolderForm(scope: Scope, folder: Folder): Promise<Response> {
  scope.check(Permissions.ItemConfigure, folder);
  const description = (single(await scope.readInput(), 'description') ?? '').replace(/\r\n/g, '\n');
  const saved = await attempt(() => scope.deps.items.update(folder, { kind: 'folder', description }, folder.sourceConfig), (field) => (field === 'description' ? field : null));
  if (!saved.ok) return folderForm(scope, folder, description, saved.errors, 400);
  return scope.redirect(itemPath(folder.fullName), 303);
}

function folderForm(scope: Scope, folder: Folder, description: string, errors: FormErrors, status: 200 | 400): Promise<Response> {
  return configureFormPage(
    scope,
    folder,
    errors,
    status,
    html`<section aria-labelledby="general-title">
    <h2 id="general-title">General</h2>
    ${textArea({ name: 'description', label: 'Description', hint: "Shown on the folder's page, as text.", value: description, rows: 3, error: errors.fields.get('description') ?? null })}
  </section>`,
  );
}
