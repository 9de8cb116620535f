import { html } from 'hono/html';
import type { Item } from '../../core/item.js';
import { itemPath } from '../../core/item-url.js';
import type { Scope } from '../jenkins/scope.js';
import { errorSummary, type FormErrors, reasonOf } from './item-form-errors.js';
import { crumbField, type Html, renderPage } from './page.js';
import { ignoredSettingsNotice } from './job-page.js';
import { trailOf } from './trail.js';

/**
 * The configure page of a job or folder around its sections: the errors of a refused save at the
 * top, Save and Cancel at the bottom. A hidden first Save button makes Enter in a text field save,
 * rather than press the first Add or Remove button of the form.
 */
export function configureFormPage(scope: Scope, item: Item, errors: FormErrors, status: 200 | 400, sections: Html): Promise<Response> {
  const path = `/${itemPath(item.fullName)}`;
  return renderPage(scope, {
    title: `Configure ${item.name}`,
    trail: [...trailOf(item.fullName), [item.name, path]],
    status,
    reason: reasonOf(errors),
    body: html`${errorSummary(errors)}
${item.kind === 'job' ? ignoredSettingsNotice(item) : ''}
<form method="post" action="${path}configure" class="item-form">
  ${crumbField(scope)}
  <button type="submit" class="visually-hidden" tabindex="-1" aria-hidden="true">Save</button>
  ${sections}
  <div class="actions">
    <button type="submit" class="primary">Save</button>
    <a class="button" href="${path}">Cancel</a>
  </div>
</form>`,
  });
}
