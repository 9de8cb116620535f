import { html } from 'hono/html';
import { type Principal, principalName } from '../../auth/principal.js';
import type { DomainError } from '../../core/errors.js';
import { itemPath } from '../../core/item-url.js';
import { type Permission, Permissions } from '../../core/permissions.js';
import type { Refusal } from '../errors.js';
import { signInPath } from '../sign-in-path.js';
import { type Html, pageDocument } from './page.js';

/** What a person is kept from doing, by the permission they lack ("You can see X but not …"). */
const DOING: ReadonlyMap<Permission, string> = new Map([
  [Permissions.ItemBuild, 'build it'],
  [Permissions.ItemCancel, 'stop its builds'],
  [Permissions.ItemConfigure, 'change its configuration'],
  [Permissions.ItemDelete, 'delete it'],
  [Permissions.ItemCreate, 'create items in it'],
  [Permissions.RunDelete, 'delete its builds'],
  [Permissions.RunUpdate, 'change its builds'],
  [Permissions.ItemWorkspace, 'open its workspace'],
]);

interface Explanation {
  readonly title: string;
  readonly sentence: string;
  readonly fix: Html;
}

/**
 * A refusal as a person at a browser sees it: a heading and a sentence in plain words, a link to
 * where it can be fixed, and the same reason code scripts get in `X-Steward-Reason`. Like every
 * refusal it names only what the request itself named, never something the caller may not see.
 */
export function refusalPage(error: DomainError | Refusal, principal: Principal, url: URL): Promise<string> {
  const explanation = explain(error, principal, url);
  const body = html`<div class="error" role="alert"><p>${explanation.sentence}</p></div>
<p>${explanation.fix}</p>
<details class="refusal-details"><summary>Details</summary>
<dl class="facts"><dt>Reason</dt><dd><code>${error.code}</code> (scripts get it in the <code>X-Steward-Reason</code> header)</dd>
<dt>Message</dt><dd>${error.message}</dd>${error.hint ? html`<dt>For scripts</dt><dd>${error.hint}</dd>` : ''}
<dt>Signed in as</dt><dd>${principalName(principal)}</dd></dl></details>`;
  const nav = html`<a href="/">Dashboard</a>${principal.kind === 'user' ? html`<a href="/me/">${principalName(principal)}</a>` : html`<a href="${signInLink(url)}">Sign in</a>`}`;
  return pageDocument({ title: explanation.title, body }, nav);
}

function explain(error: DomainError | Refusal, principal: Principal, url: URL): Explanation {
  const item = itemOf(url.pathname);
  const itemLink = item ? html`<a href="/${itemPath(item)}">Back to ${item}</a>` : html`<a href="/">Back to the dashboard</a>`;
  switch (error.code) {
    case 'permission_missing': {
      const permission = 'permission' in error ? error.permission : undefined;
      const title = permission?.title ?? 'a permission';
      const doing = permission ? DOING.get(permission) : undefined;
      const sentence =
        item && doing
          ? `You can see ${item} but not ${doing}: ask an administrator for ${title} on ${item}.`
          : `Your account lacks ${title}${item ? ` on ${item}` : ''}: ask an administrator to grant it.`;
      return { title: 'Not allowed', sentence, fix: html`${itemLink} · <a href="/whoAmI/">See who you are signed in as and your groups</a>` };
    }
    case 'authentication_required':
      return { title: 'Sign in first', sentence: 'Visitors who are not signed in may not do this.', fix: html`<a href="${signInLink(url, item)}">Sign in</a>, then try again.` };
    case 'crumb_missing':
    case 'crumb_mismatch':
      return {
        title: 'This form has expired',
        sentence: 'The form was sent without a valid security token (a crumb). That happens when the page was open for a long time, when you signed in again elsewhere, or when another site submitted the form.',
        fix: html`${itemLink}, reload the page and send the form again.`,
      };
    case 'token_scope':
      return { title: 'Not allowed', sentence: error.message, fix: html`<a href="${signInLink(url)}">Sign in</a> as a user instead.` };
    case 'job_disabled':
      return { title: 'This job is disabled', sentence: error.message, fix: html`${itemLink}: a user with Job/Configure can enable it there.` };
    case 'item_not_found':
    case 'build_not_found':
    case 'user_not_found':
    case 'queue_item_not_found':
    case 'not_found':
      return { title: 'Not found', sentence: error.message, fix: html`<a href="/">Back to the dashboard</a>` };
    case 'too_many_failures':
    case 'too_many_triggers':
      return { title: 'Too many attempts', sentence: error.message, fix: html`Wait a minute, then try again. ${itemLink}` };
    default:
      return { title: 'Refused', sentence: error.message, fix: html`${error.hint ? html`${error.hint} ` : ''}${itemLink}` };
  }
}

/** The job or folder a URL names (`/job/a/job/b/…` is `a/b`), or null. */
export function itemOf(pathname: string): string | null {
  const segments = pathname.split('/').filter((segment) => segment !== '');
  const names: string[] = [];
  for (let index = 0; index + 1 < segments.length && segments[index] === 'job'; index += 2) {
    try {
      names.push(decodeURIComponent(segments[index + 1] as string));
    } catch {
      return null;
    }
  }
  return names.length > 0 ? names.join('/') : null;
}

/** The sign-in form, returning to the item's page when there is one (the refused URL may take only POST). */
function signInLink(url: URL, item: string | null = null): string {
  return item ? signInPath(url, `/${itemPath(item)}`) : signInPath(url);
}
