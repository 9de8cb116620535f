import type { Folder, Item } from '../../core/item.js';
import type { ActionTable } from '../jenkins/action.js';
import { configureFolderPage, saveFolderForm } from './item-form-folder.js';
import { configureJobPage, saveJobForm } from './job-form.js';
import { createFromForm, newItemPage } from './new-item.js';

/** The configure page of a job or folder (Job/Configure, as config.xml). */
export function configureUiActions(item: Item): ActionTable {
  return item.kind === 'job'
    ? { configure: { GET: (scope) => configureJobPage(scope, item), POST: (scope) => saveJobForm(scope, item) } }
    : { configure: { GET: (scope) => configureFolderPage(scope, item), POST: (scope) => saveFolderForm(scope, item) } };
}

/** The new-item page at the top (`/newJob`) or in a folder (`/job/F/newJob`) (Job/Create, as createItem). */
export function newItemUiActions(parent: Folder | null): ActionTable {
  return { newJob: { GET: (scope) => newItemPage(scope, parent), POST: (scope) => createFromForm(scope, parent) } };
}
