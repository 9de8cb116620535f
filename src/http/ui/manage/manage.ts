import { html } from 'hono/html';
import type { ActionHandler } from '../../jenkins/action.js';
import type { Scope } from '../../jenkins/scope.js';
import { renderPage } from '../page.js';
import { requireAdmin } from './admin.js';
import { auditPage } from './audit-page.js';
import { saveSecurity, securityPage } from './security-page.js';
import { revokeTriggerToken, triggerTokensPage } from './trigger-tokens-page.js';
import { createUser, deleteUser, usersPage } from './users-page.js';
import { defineWebhook, deleteWebhook, webhooksPage } from './webhooks-page.js';

/** The pages below `/manage/`, by their path below it; each checks Overall/Administer itself, as the API does. */
const PAGES: Readonly<Record<string, Partial<Record<'GET' | 'POST', ActionHandler>>>> = {
  '': { GET: indexPage },
  users: { GET: usersPage, POST: createUser },
  'users/delete': { POST: deleteUser },
  security: { GET: securityPage, POST: saveSecurity },
  'trigger-tokens': { GET: triggerTokensPage },
  'trigger-tokens/revoke': { POST: revokeTriggerToken },
  webhooks: { GET: webhooksPage, POST: defineWebhook },
  'webhooks/delete': { POST: deleteWebhook },
  audit: { GET: auditPage },
};

/** Administration pages under `/manage/`: null when `rest` names none of them. */
export async function serveManage(scope: Scope, rest: readonly string[]): Promise<Response | null> {
  const handler = PAGES[rest.join('/')]?.[scope.method as 'GET' | 'POST'];
  return handler ? handler(scope) : null;
}

const SECTIONS: ReadonlyArray<readonly [string, string, string]> = [
  ['/manage/users', 'Users', 'Add accounts with their groups, delete them, and see how many API tokens each holds.'],
  ['/manage/security', 'Security', 'Choose who may do what: the authorization strategy, anonymous read access, crumbs and the server-wide permission matrix.'],
  ['/manage/trigger-tokens', 'Trigger tokens', 'Every trigger token on the server, what it covers and when it was last used, with Revoke.'],
  ['/credentials/store/system/domain/_/', 'Credentials', 'Secrets jobs bind into their builds (passwords, secret texts and files, SSH keys): stored sealed, never shown again.'],
  ['/manage/webhooks', 'Webhooks', 'Endpoints that let GitHub, GitLab or any HMAC-signing sender trigger jobs.'],
  ['/manage/audit', 'Audit log', 'Every trigger, sign-in and change of users, tokens and permissions, accepted or refused, with its reason.'],
];

async function indexPage(scope: Scope): Promise<Response> {
  requireAdmin(scope);
  return renderPage(scope, {
    title: 'Manage Steward',
    trail: [['Dashboard', '/']],
    body: html`<ul class="manage-index">${SECTIONS.map(([href, title, sentence]) => html`<li><a href="${href}">${title}</a><p class="hint">${sentence}</p></li>`)}</ul>
<p class="hint">Grants on one folder or job are set on its own security page, <code>/job/NAME/security</code>.</p>`,
  });
}
